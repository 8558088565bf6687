// A viewer (joined through an invitation) sees the data but none of the admin actions.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { DESKTOP, screenshots, signedInPage, watchProblems } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("a viewer", () => {
  it("joins through an invitation and is offered no admin action", async () => {
    // The owner invites.
    const owner = await signedInPage(browser, origin, adminEmail, adminPassword);
    await owner.page.goto(`${origin}/users`);
    const email = `viewer-${Date.now()}@example.com`;
    await owner.page.getByLabel("Email").fill(email);
    await owner.page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await owner.page.getByRole("button", { name: "Create invitation" }).click();
    const link = await owner.page.getByLabel("Invitation link").inputValue();
    expect(link).toContain("/invite/");
    await owner.context.close();

    // The viewer accepts in a browser of their own.
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(new URL(link, origin).href);
    await page.getByLabel("Password").fill("viewer password 123");
    await page.getByLabel("Your name (optional)").fill("Vera Viewer");
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL("**/dashboard");
    await page.getByText(`Signed in as ${email}`).waitFor();
    await page.getByText("Viewer", { exact: true }).first().waitFor();

    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Billing" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Analytics" }).count()).toBe(1);
    expect(await page.getByTestId("balance").count()).toBe(0);
    expect(await page.getByRole("link", { name: "Create an API key" }).count()).toBe(0);
    await screenshots(page, "viewer-dashboard");

    await page.goto(`${origin}/providers`);
    await page.getByRole("heading", { name: "demo" }).first().waitFor();
    for (const action of ["Add provider", "Edit", "Delete", "Disable", "Test"]) {
      expect(await page.getByRole("button", { name: action }).count(), action).toBe(0);
    }

    await page.goto(`${origin}/keys`);
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    expect(await page.getByRole("button", { name: "Create key" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Revoke/ }).count()).toBe(0);

    await page.goto(`${origin}/users`);
    await page.getByRole("heading", { name: "Users" }).waitFor();
    expect(await page.getByRole("button", { name: "Create invitation" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Remove/ }).count()).toBe(0);

    await page.goto(`${origin}/settings`);
    // Both the tenant's limits and its logs settings say so; neither offers a Save. The viewer's
    // own alerts are theirs to choose (provider alerts only), and the tenant's channels are not shown.
    await page.getByRole("form", { name: "Tenant limits and budget" }).getByText("Only owners and admins can change these.").waitFor();
    await page.getByRole("form", { name: "Logs and traces" }).getByText("Only owners and admins can change these.").waitFor();
    expect(await page.getByRole("button", { name: "Save", exact: true }).count()).toBe(0);
    const alerts = page.getByRole("region", { name: "Your alerts" });
    await alerts.getByLabel("Provider down: Devices").waitFor();
    expect(await alerts.getByLabel("Balance low: Devices").count()).toBe(0);
    expect(await page.getByRole("region", { name: "Alert channels of the tenant" }).count()).toBe(0);

    await page.goto(`${origin}/billing`);
    await page.getByText("Your role cannot see this page.").waitFor();
    await page.goto(`${origin}/audit`);
    await page.getByText("Your role cannot see this page.").waitFor();

    // Analytics is for every role, read-only.
    await page.goto(`${origin}/analytics`);
    await page.getByTestId("total-requests").waitFor();
    await screenshots(page, "viewer-analytics");
    expect(problems).toEqual([]);
    await context.close();
  });
});
