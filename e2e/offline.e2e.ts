// Installed PWA: with the network gone, a reload still shows the app shell and says it is offline.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

describe("offline", () => {
  it("reloads into the cached shell with the offline banner", async () => {
    const { context, page } = await signedInPage(browser, origin, adminEmail, adminPassword);
    // The service worker installs (precaching the shell) and takes control of the page.
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
    // Once more online, through the worker, so the last API answers are kept too.
    await page.reload();
    await page.getByTestId("requests-today").waitFor();
    await expect.poll(async () => /\d/.test((await page.getByTestId("requests-today").textContent()) ?? "")).toBe(true);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page
      .getByRole("status")
      .filter({ hasText: /offline/i })
      .first()
      .waitFor({ timeout: 15_000 });
    // The navigation is still there: the shell, not the browser's error page.
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(1);
    await screenshots(page, "offline");

    await context.setOffline(false);
    await context.close();
  });
});
