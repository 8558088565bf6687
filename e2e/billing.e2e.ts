// Billing: the balance and ledger, the low-balance alert pushed as a toast, and the top-up flow.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { api, apiToken, gatewayCall, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials } = inject("workbench");
const { adminEmail, adminPassword, apiKey } = credentials;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

const balanceOf = async (page: Page) => (await page.getByTestId("billing-balance").textContent()) ?? "";

describe("billing", () => {
  it("shows the balance and the ledger, and hides payment buttons the server cannot use", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/billing`);
    await expect.poll(() => balanceOf(page)).toMatch(/^\$\d/);
    // The e2e app runs without STRIPE_* / PAYPAL_* secrets.
    await page.getByText("No payment method is configured on this server.").waitFor();
    expect(await page.getByRole("button", { name: /Stripe|PayPal/ }).count()).toBe(0);
    await page.getByLabel("Kind").selectOption("promo");
    await page.getByRole("cell", { name: "Welcome credit" }).waitFor();
    await screenshots(page, "billing");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("pushes a low-balance alert as a toast once the threshold is crossed", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    const token = await apiToken(origin, adminEmail, adminPassword);
    try {
      await page.goto(`${origin}/billing`);
      await page.getByLabel("Low-balance alert below (USD)").fill("1000000");
      await page.getByRole("button", { name: "Save budget and alerts" }).click();
      await page.getByText("Saved.").waitFor();
      // The next charge moves the balance, below the threshold.
      await gatewayCall(origin, apiKey, "spend a little");
      const toast = page.getByTestId("toast").filter({ hasText: "Low balance" });
      await toast.waitFor({ timeout: 20_000 });
      expect(await toast.textContent()).toMatch(/below \$1,000,000\.00/);
      await page.getByRole("heading", { name: "Recent alerts" }).waitFor();
      await page.getByText("Low balance", { exact: true }).first().waitFor();
      await screenshots(page, "billing-alert");
      expect(problems).toEqual([]);
    } finally {
      await api(origin, token, "PUT", "/api/notifications/settings", { low_balance_micros: null });
      await context.close();
    }
  });

  it("tops up through Stripe Checkout: to the Checkout page and back (payment API mocked in the browser)", async () => {
    // The e2e app has no Stripe keys (wrangler dev reads them from the repo's .dev.vars only), so the
    // server's checkout answer is stood in for here; the server side is covered by test/payments-stripe.test.ts.
    // No service worker: requests it makes would bypass page.route.
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword, { serviceWorkers: "block" });
    await page.route("**/api/billing", async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { payment_methods: Record<string, boolean> };
      await route.fulfill({ response, json: { ...body, payment_methods: { stripe: true, paypal: false } } });
    });
    let asked: unknown = null;
    await page.route("**/api/payments/stripe/checkout", async (route) => {
      asked = route.request().postDataJSON();
      await route.fulfill({ status: 201, json: { id: "cs_test_1", url: "https://checkout.stripe.test/c/cs_test_1", amount_micros: 25_000_000, currency: "usd", expires_at: null } });
    });
    await page.route("https://checkout.stripe.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><title>Checkout</title><h1>Mock Stripe Checkout</h1><a href="${origin}/billing?checkout=success&session_id=cs_test_1">Pay $25.00</a>`,
      }),
    );
    await page.goto(`${origin}/billing`);
    await page.getByLabel("Amount (USD)").fill("25");
    await page.getByRole("button", { name: "Pay with card (Stripe)" }).click();
    await page.waitForURL("https://checkout.stripe.test/**");
    expect(asked).toEqual({ amount_micros: 25_000_000 });
    await page.getByRole("link", { name: "Pay $25.00" }).click();
    await page.waitForURL(`${origin}/billing`);
    await page.getByText(/Payment received/).waitFor();
    expect(new URL(page.url()).search).toBe("");
    expect(problems).toEqual([]);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await context.close();
  });

});
