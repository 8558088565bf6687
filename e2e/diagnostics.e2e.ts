// Diagnostics: D1 and the Durable Objects up, the demo provider's circuit closed, a latency probe,
// and a failed gateway call listed with its request id once the AnalyticsHub has flushed it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { PHONE, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds usage (a failed call) (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword, apiKey } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

/** A chat for a model nobody serves: refused with 404 and logged; its request id. */
async function failedGatewayCall(): Promise<string> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "no-such-provider/no-such-model", messages: [{ role: "user", content: "ping" }] }),
  });
  await res.arrayBuffer();
  expect(res.status).toBe(404);
  const requestId = res.headers.get("x-request-id");
  if (!requestId) throw new Error("the gateway's error has no x-request-id");
  return requestId;
}

/** Clicks Refresh until the row is there: the request log reaches D1 in the hub's next flush. */
async function refreshUntilListed(page: Page, requestId: string): Promise<void> {
  const row = page.locator(`tr[data-request-id="${requestId}"]`);
  const deadline = Date.now() + 30_000;
  while ((await row.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`${requestId} is not listed in the recent errors`);
    await page.waitForTimeout(1_000);
    await page.getByRole("button", { name: "Refresh", exact: true }).click();
  }
}

const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe("diagnostics", () => {
  it("shows the checks and the demo provider's circuit, probes its latency and lists a failed call by request id", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/diagnostics`);

    const health = page.getByRole("region", { name: "Health" });
    await health.getByText("All systems up").waitFor();
    for (const check of ["d1", "tenantGate", "analyticsHub"]) {
      expect(await health.locator(`[data-check="${check}"]`).textContent()).toContain("Up");
    }
    expect(await page.getByRole("region", { name: "Limits and credit gate" }).getByText("Open reservations").count()).toBe(1);

    const demo = page.getByRole("article", { name: "demo", exact: true });
    expect(await demo.locator("[data-circuit]").getAttribute("data-circuit")).toBe("closed");
    expect(await demo.getByText("Closed · healthy").count()).toBe(1);

    await demo.getByRole("button", { name: "Measure latency of demo" }).click();
    const outcome = demo.getByRole("status").filter({ hasText: /\d+ ms/ });
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/Reachable\s*\d+ ms · HTTP 200/);

    const requestId = await failedGatewayCall();
    await refreshUntilListed(page, requestId);
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    expect(await row.getByRole("cell").nth(2).textContent()).toBe("404");
    expect(await row.getByRole("cell").nth(3).textContent()).toBe("model_not_found");
    expect(await row.getByRole("button", { name: "Copy ID" }).count()).toBe(1);

    await page.setViewportSize(PHONE);
    await page.getByRole("heading", { name: "Recent errors" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshots(page, "diagnostics");
    expect(problems).toEqual([]);
    await context.close();
  });
});
