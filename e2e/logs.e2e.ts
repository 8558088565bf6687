// The request explorer (issue 19): a failed call found by its request id and opened to its
// attempt chain; a captured call's redacted body; filters and the live tail on a 360 px phone.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { api, apiToken, PHONE, screenshots, signedInPage } from "./helpers.ts";

const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

async function chat(key: string, model: string, content: string): Promise<{ status: number; requestId: string }> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, requestId: res.headers.get("x-request-id") ?? "" };
}

/** The log is written after the answer, in batches: poll the API until the call is there. */
async function logged(token: string, requestId: string): Promise<void> {
  await expect
    .poll(async () => (await api<{ data: unknown[] }>(origin, token, "GET", `/api/requests?request_id=${requestId}`)).data.length, { timeout: 15_000 })
    .toBe(1);
}

describe("the request explorer", () => {
  it("finds a failed call by its request id, shows its attempts, and a captured call's redacted body", async () => {
    const token = await apiToken(origin, adminEmail, adminPassword);
    const { key } = await api<{ key: string }>(origin, token, "POST", "/api/keys", { name: "e2e-logs", capture: "bodies" });
    const failed = await chat(key, "demo/no-such-model", "this fails");
    expect(failed.status).toBe(404);
    const captured = await chat(key, "demo/echo", "write to grace.hopper@example.com please");
    expect(captured.status).toBe(200);
    await logged(token, failed.requestId);
    await logged(token, captured.requestId);

    const { page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/logs`);
    await page.getByLabel("Request id or trace id").fill(failed.requestId);
    await page.getByRole("button", { name: "Apply" }).click();
    const row = page.locator(`[data-request-id="${failed.requestId}"]`);
    await row.waitFor();
    await expect.poll(() => page.locator("[data-request-id]").count()).toBe(1);
    await row.getByText("404").waitFor();
    await row.getByRole("button", { name: /Open/ }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByText(failed.requestId).waitFor();
    await dialog.getByText("model_not_found").first().waitFor();
    await page.keyboard.press("Escape");

    // A deep link opens the captured call; the body is there, redacted.
    await page.goto(`${origin}/logs?request_id=${captured.requestId}`);
    dialog = page.getByRole("dialog");
    await dialog.getByRole("list", { name: "Attempts" }).getByText("demo/echo").waitFor();
    await dialog.getByText("[REDACTED:email]").first().waitFor();
    expect(await dialog.textContent()).not.toContain("grace.hopper@example.com");
    await screenshots(page, "logs-call");
    expect(problems).toEqual([]);
  });

  it("filters and follows new calls live on a 360 px phone", async () => {
    const token = await apiToken(origin, adminEmail, adminPassword);
    const { key } = await api<{ key: string }>(origin, token, "POST", "/api/keys", { name: "e2e-logs-live" });
    const { page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword, { viewport: PHONE });
    await page.goto(`${origin}/logs`);
    await page.getByLabel("Status").selectOption("error");
    await page.getByRole("button", { name: "Apply" }).click();
    // Only failed calls: red status badges, none green, and at least the 404 of the first test.
    const onlyFailures = async () =>
      (await page.locator("[data-request-id] .badge.ok").count()) === 0 && (await page.locator("[data-request-id] .badge.bad").count()) > 0;
    await expect.poll(onlyFailures, { timeout: 10_000 }).toBe(true);
    await page.getByRole("button", { name: "Reset" }).click();

    await page.getByLabel("Follow live").check();
    await page.waitForTimeout(1_000); // the live feed's socket opens
    const fresh = await chat(key, "demo/echo", "live tail");
    await page.locator(`[data-request-id="${fresh.requestId}"]`).waitFor({ timeout: 20_000 });
    // Nothing is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(problems).toEqual([]);
  });
});
