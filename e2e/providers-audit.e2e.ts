// A provider added and changed in the dashboard, and the change rolled back from the audit log.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { api, apiToken, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

interface Provider {
  id: string;
  name: string;
  weight: number;
  models: string[];
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("providers and audit", () => {
  it("adds a provider, changes it, and rolls the change back from Audit", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    const token = await apiToken(origin, adminEmail, adminPassword);
    const find = async () => (await api<{ data: Provider[] }>(origin, token, "GET", "/api/providers")).data.find((p) => p.name === "e2e-demo");

    await page.goto(`${origin}/providers`);
    await page.getByRole("button", { name: "Add provider" }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("e2e-demo");
    await dialog.getByLabel("Kind").selectOption("demo");
    await dialog.getByLabel("Models").fill("echo\nlorem");
    await dialog.getByLabel("Weight").fill("3");
    await dialog.getByRole("button", { name: "Add provider" }).click();
    const card = page.getByRole("article").filter({ has: page.getByRole("heading", { name: "e2e-demo" }) });
    await card.waitFor();
    expect((await find())?.weight).toBe(3);

    await card.getByRole("button", { name: "Edit" }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByLabel("Weight").fill("7");
    await dialog.getByLabel("Models").fill("echo");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await find())?.weight).toBe(7);
    const changed = await find();
    expect(changed?.models).toEqual(["echo"]);

    await page.goto(`${origin}/audit`);
    const entry = page
      .getByRole("listitem")
      .filter({ hasText: "update" })
      .filter({ hasText: changed?.id ?? "?" })
      .first();
    await entry.getByRole("button", { name: /Details/ }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByRole("cell", { name: "7" }).first().waitFor();
    await screenshots(page, "audit-entry");
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await dialog.getByRole("alert").getByRole("button", { name: "Roll back" }).click();
    await dialog.getByText(/Rolled back \(entry/).waitFor();

    const restored = await find();
    expect(restored?.weight).toBe(3);
    expect(restored?.models).toEqual(["echo", "lorem"]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
