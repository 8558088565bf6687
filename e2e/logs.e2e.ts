// The request explorer (issue 19): a failed call found by its request id and opened to its
// status and attempt chain; a captured call's redacted body by deep link; filters and the live
// tail on a 360 px phone.
import type { Browser, Page } from "playwright-core";
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

interface Sent {
  status: number;
  requestId: string;
}

async function chat(key: string, body: Record<string, unknown>): Promise<Sent> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return { status: res.status, requestId: res.headers.get("x-request-id") ?? "" };
}

const say = (key: string, content: string, extra: Record<string, unknown> = {}) =>
  chat(key, { model: "demo/echo", messages: [{ role: "user", content }], ...extra });

/** The log is written after the answer, in batches: poll the API until the call is there. */
async function logged(token: string, requestId: string): Promise<void> {
  await expect
    .poll(async () => (await api<{ data: unknown[] }>(origin, token, "GET", `/api/requests?request_id=${requestId}`)).data.length, { timeout: 15_000 })
    .toBe(1);
}

async function newKey(token: string, name: string, capture?: "bodies"): Promise<{ id: string; key: string }> {
  return api<{ id: string; key: string }>(origin, token, "POST", "/api/keys", capture ? { name, capture } : { name });
}

const statuses = (page: Page) => page.locator("[data-request-id]").evaluateAll((items) => items.map((i) => Number(i.getAttribute("data-status"))));
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe("the request explorer", () => {
  it("finds a failed call by its request id and shows its status and attempts; a deep link opens a captured call, redacted", async () => {
    const token = await apiToken(origin, adminEmail, adminPassword);
    const { key } = await newKey(token, "e2e-logs", "bodies");
    // The demo provider refuses more output than it writes: a 400 after one attempt.
    const failed = await say(key, "this fails", { max_tokens: 10_000_000 });
    expect(failed.status).toBe(400);
    const unknown = await chat(key, { model: "demo/no-such-model", messages: [{ role: "user", content: "nobody" }] });
    expect(unknown.status).toBe(404);
    const captured = await say(key, "write to grace.hopper@example.com please");
    expect(captured.status).toBe(200);
    for (const sent of [failed, unknown, captured]) await logged(token, sent.requestId);

    const { page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/logs`);
    await page.getByLabel("Request id or trace id").fill(failed.requestId);
    await page.getByRole("button", { name: "Apply" }).click();
    const row = page.locator(`[data-request-id="${failed.requestId}"]`);
    await row.waitFor();
    await expect.poll(() => page.locator("[data-request-id]").count()).toBe(1);
    await row.locator(".badge", { hasText: "400" }).waitFor();
    await row.getByRole("button", { name: /Open/ }).click();
    await page.waitForURL(`**/logs?request_id=${failed.requestId}`);
    let dialog = page.getByRole("dialog");
    await dialog.getByText(failed.requestId).waitFor();
    const attempts = dialog.getByRole("list", { name: "Attempts" });
    await attempts.getByText("demo/echo").waitFor();
    expect(await attempts.locator(".badge.bad").count()).toBe(1);
    await dialog.getByRole("img", { name: /Reading .* ms, Admission .* ms, Provider .* ms, Streaming .* ms/ }).waitFor();
    await page.keyboard.press("Escape");
    await page.waitForURL(`${origin}/logs`);
    // The address changes as Escape is handled; the modal dialog (which makes the page behind it
    // inert, so typing there goes nowhere) closes on the next render.
    await dialog.waitFor({ state: "hidden" });

    // The unknown model never reached a provider.
    await page.getByLabel("Request id or trace id").fill(unknown.requestId);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator(`[data-request-id="${unknown.requestId}"]`).getByRole("button", { name: /Open/ }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByText("model_not_found").first().waitFor();
    await dialog.getByText(/No provider was tried/).waitFor();
    await page.keyboard.press("Escape");

    // A deep link opens the captured call; the body is there, redacted.
    await page.goto(`${origin}/logs?request_id=${captured.requestId}`);
    dialog = page.getByRole("dialog");
    await dialog.getByRole("list", { name: "Attempts" }).getByText("demo/echo").waitFor();
    await dialog.getByText("[REDACTED:email]").first().waitFor();
    expect(await dialog.textContent()).not.toContain("grace.hopper@example.com");
    expect(await page.locator(`[data-request-id="${captured.requestId}"]`).getByText("bodies").count()).toBe(1);
    await screenshots(page, "logs-call");
    expect(problems).toEqual([]);
  });

  it("filters and follows new calls live on a 360 px phone", async () => {
    const token = await apiToken(origin, adminEmail, adminPassword);
    const { id, key } = await newKey(token, "e2e-logs-live");
    const before = await say(key, "before following");
    await logged(token, before.requestId);
    const { page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword, { viewport: PHONE });
    await page.goto(`${origin}/logs`);

    // Errors only: every row is 400 or above, and there are some (the first test's).
    await page.getByLabel("Status").selectOption("error");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(async () => (await statuses(page)).length > 0 && (await statuses(page)).every((s) => s >= 400)).toBe(true);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);

    // One key: just its call.
    await page.getByRole("button", { name: "Reset" }).click();
    await page.getByLabel("API key").selectOption(id);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(() => page.locator("[data-request-id]").evaluateAll((items) => items.map((i) => i.getAttribute("data-request-id"))))
      .toEqual([before.requestId]);

    // Following: a call made after switching it on shows up on top, without a reload.
    await page.getByLabel("Follow live").check();
    await page.getByTestId("live-status").getByText("Live", { exact: true }).waitFor({ timeout: 10_000 });
    const fresh = await say(key, "live tail");
    await page.locator(`[data-request-id="${fresh.requestId}"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator("[data-request-id]").first().getAttribute("data-request-id")).toBe(fresh.requestId);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);

    await screenshots(page, "logs-list");

    // The call's details fit the phone too.
    await page.locator(`[data-request-id="${fresh.requestId}"]`).getByRole("button", { name: /Open/ }).click();
    await page.getByRole("dialog").getByRole("list", { name: "Attempts" }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshots(page, "logs-phone");
    expect(problems).toEqual([]);
  });
});
