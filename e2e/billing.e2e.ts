// Billing: the balance and ledger, the low-balance alert pushed as a toast, and the top-up flow
// through the app's own routes and the mock Stripe's hosted Checkout page (see global-setup.ts).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { WebhookDelivery } from "../test/stripe-mock.ts";
import { launchBrowser } from "./browser.ts";
import { api, apiToken, gatewayCall, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials, stripeBase } = inject("workbench");
const { adminEmail, adminPassword, apiKey } = credentials;

interface LedgerEntry {
  kind: string;
  amount_micros: number;
  idempotency_key: string;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

const balanceOf = async (page: Page) => (await page.getByTestId("billing-balance").textContent()) ?? "";
const balanceMicros = async (token: string) => (await api<{ balance_micros: number }>(origin, token, "GET", "/api/billing")).balance_micros;
const topups = async (token: string) => (await api<{ data: LedgerEntry[] }>(origin, token, "GET", "/api/billing/ledger?kind=topup&limit=200")).data;

async function deliveriesFor(sessionId: string): Promise<WebhookDelivery[]> {
  const res = await fetch(`${stripeBase}/__control/deliveries`);
  return ((await res.json()) as WebhookDelivery[]).filter((d) => d.object === sessionId);
}

describe("billing", () => {
  it("shows the balance and the ledger, and only the payment buttons the server can use", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/billing`);
    await expect.poll(() => balanceOf(page)).toMatch(/^\$\d/);
    // The workbench has Stripe (the mock) and no PayPal.
    await page.getByRole("button", { name: "Pay with card (Stripe)" }).waitFor();
    expect(await page.getByRole("button", { name: /PayPal/ }).count()).toBe(0);
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

  it("shows no payment button on a server without STRIPE_* or PAYPAL_* (the npm start app)", async () => {
    const plain = inject("credentials");
    const { context, page, problems } = await signedInPage(browser, inject("origin"), plain.adminEmail, plain.adminPassword);
    await page.goto(`${inject("origin")}/billing`);
    await page.getByText("No payment method is configured on this server.").waitFor();
    expect(await page.getByRole("button", { name: /Stripe|PayPal/ }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("tops up through Stripe Checkout: the mock's Checkout page, its signed webhook, back to a balance credited once", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    const token = await apiToken(origin, adminEmail, adminPassword);
    const before = await balanceMicros(token);
    const visited: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && visited.push(frame.url()));

    await page.goto(`${origin}/billing`);
    await page.getByLabel("Amount (USD)").fill("25");
    await page.getByRole("button", { name: "Pay with card (Stripe)" }).click();
    await page.waitForURL(`${stripeBase}/c/*`);
    const checkoutUrl = page.url();
    const sessionId = checkoutUrl.slice(checkoutUrl.lastIndexOf("/") + 1);
    expect(sessionId).toMatch(/^cs_test_/);
    expect(await page.getByTestId("amount").textContent()).toBe("25.00 USD");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByText(/Payment received/).waitFor();
    expect(visited).toContain(`${origin}/billing?checkout=success&session_id=${sessionId}`);
    expect(new URL(page.url()).search).toBe("");
    expect(await balanceMicros(token)).toBe(before + 25_000_000);
    const credited = (await topups(token)).filter((e) => e.idempotency_key === `stripe:session:${sessionId}`);
    expect(credited).toMatchObject([{ kind: "topup", amount_micros: 25_000_000 }]);
    await page.getByLabel("Kind").selectOption("topup");
    await page.getByRole("cell", { name: `Stripe Checkout ${sessionId}` }).waitFor();
    await screenshots(page, "billing-topup");

    // Paying again re-delivers the same event, as Stripe's retries do: no second credit.
    await page.goto(checkoutUrl);
    await page.getByText("This session is paid.").waitFor();
    await page.getByRole("button", { name: "Pay" }).click();
    await page.getByText(/Payment received/).waitFor();
    const deliveries = await deliveriesFor(sessionId);
    expect(deliveries.map((d) => [d.type, d.status])).toEqual([
      ["checkout.session.completed", 200],
      ["checkout.session.completed", 200],
    ]);
    expect(deliveries[1]!.event).toBe(deliveries[0]!.event);
    expect(deliveries.map((d) => (JSON.parse(d.body) as { duplicate: boolean }).duplicate)).toEqual([false, true]);
    expect(await balanceMicros(token)).toBe(before + 25_000_000);
    expect((await topups(token)).filter((e) => e.idempotency_key === `stripe:session:${sessionId}`)).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
