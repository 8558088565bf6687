// The dashboard's live figures move as gateway calls finish (WebSocket from the AnalyticsHub),
// and the analytics page draws its chart and exports the request log.
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { figure, gatewayCall, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword, apiKey } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("dashboard and analytics", () => {
  it("shows today's usage and moves the live figures after gateway calls", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    const requests = page.getByTestId("requests-today");
    await expect.poll(async () => /\d/.test((await requests.textContent()) ?? "")).toBe(true);
    await expect.poll(() => page.getByTestId("live-status").textContent(), { timeout: 15_000 }).toContain("Live");
    const before = figure(await requests.textContent());

    for (let i = 0; i < 6; i += 1) await gatewayCall(origin, apiKey, `live ${i}`);

    // Pushed over the WebSocket: no reload, no polling of the API.
    await expect.poll(async () => figure(await requests.textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 6);
    await expect.poll(async () => figure(await page.getByTestId("live-rps").textContent()), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(await page.getByRole("img", { name: /Requests per second over the last 60 seconds/ }).count()).toBe(1);
    await screenshots(page, "dashboard-live");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("draws the chart for a range, live, and exports CSV with the session", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/analytics?range=1h&interval=minute&live=1`);
    await page.locator(".chart-canvas canvas").first().waitFor();
    await expect.poll(() => page.getByTestId("live-status").textContent(), { timeout: 15_000 }).toContain("Live");
    const total = page.getByTestId("total-requests");
    const before = figure(await total.textContent());
    await gatewayCall(origin, apiKey, "analytics");
    await gatewayCall(origin, apiKey, "analytics");
    await expect.poll(async () => figure(await total.textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 2);

    await page.getByLabel("Split by").selectOption("model");
    await expect.poll(() => new URL(page.url()).searchParams.get("group")).toBe("model");
    await page.getByRole("rowheader", { name: "demo/echo" }).waitFor();
    await screenshots(page, "analytics");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^usage-last-1h-.*\.csv$/);
    const file = await download.path();
    const csv = readFileSync(file, "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^id,created_at,tenant_id,key_id,provider,model/);
    expect(csv).toContain("demo/echo");
    expect(problems).toEqual([]);
    await context.close();
  });
});
