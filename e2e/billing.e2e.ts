// Billing: the balance and ledger, the low-balance alert pushed as a toast, and the top-up flows
// through the app's own routes: the mock Stripe's hosted Checkout page and the mock PayPal's
// approval page, each with its signed webhook (see global-setup.ts).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PaypalWebhookDelivery } from "../test/mocks/paypal.ts";
import type { WebhookDelivery } from "../test/mocks/stripe.ts";
import { launchBrowser } from "./browser.ts";
import { api, apiToken, gatewayCall, screenshots, signedInPage } from "./helpers.ts";

// The workbench app: this file adds users, keys, providers or usage (see global-setup.ts).
const { origin, credentials, stripeBase, paypalBase } = inject("workbench");
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

async function paypalDeliveriesFor(orderId: string): Promise<PaypalWebhookDelivery[]> {
  const res = await fetch(`${paypalBase}/__control/deliveries`);
  return ((await res.json()) as PaypalWebhookDelivery[]).filter((d) => d.order === orderId);
}

/** The webhook's answer to a delivery: { received, duplicate, action }. */
const answerOf = (d: PaypalWebhookDelivery) => JSON.parse(d.body) as { duplicate: boolean; action: string };

describe("billing", () => {
  it("shows the balance and the ledger, and only the payment buttons the server can use", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    await page.goto(`${origin}/billing`);
    await expect.poll(() => balanceOf(page)).toMatch(/^\$\d/);
    // The workbench has both processors (the mocks).
    await page.getByRole("button", { name: "Pay with card (Stripe)" }).waitFor();
    await page.getByRole("button", { name: "Pay with PayPal" }).waitFor();
    expect(await page.getByText("No payment method is configured on this server.").count()).toBe(0);
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

  it("tops up through PayPal: the mock's approval page, capture on return, its signed webhook, a balance credited once", async () => {
    const { context, page, problems } = await signedInPage(browser, origin, adminEmail, adminPassword);
    const token = await apiToken(origin, adminEmail, adminPassword);
    const before = await balanceMicros(token);
    const visited: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && visited.push(frame.url()));

    await page.goto(`${origin}/billing`);
    await page.getByLabel("Amount (USD)").fill("17.50");
    await page.getByRole("button", { name: "Pay with PayPal" }).click();
    await page.waitForURL((url) => url.origin === paypalBase && url.pathname === "/checkoutnow");
    const orderId = new URL(page.url()).searchParams.get("token") ?? "";
    expect(orderId).toMatch(/^[A-Z0-9]{17}$/);
    expect(await page.getByTestId("amount").textContent()).toBe("17.50 USD");
    await screenshots(page, "billing-paypal-approve");
    await page.getByRole("button", { name: "Approve" }).click();

    // Back on /billing?paypal=success&token=<order>&PayerID=…: the PWA captures the order.
    await page.getByText("$17.50 added to your balance.").waitFor();
    const returned = visited.find((u) => u.startsWith(`${origin}/billing?`));
    expect(returned).toBeDefined();
    const query = new URL(returned!).searchParams;
    expect([query.get("paypal"), query.get("token")]).toEqual(["success", orderId]);
    expect(query.get("PayerID")).toMatch(/^[A-Z0-9]{13}$/);
    expect(new URL(page.url()).pathname).toBe("/billing");
    expect(new URL(page.url()).search).toBe("");
    expect(await balanceMicros(token)).toBe(before + 17_500_000);

    // The capture and PayPal's PAYMENT.CAPTURE.COMPLETED (sent after the capture's answer) are
    // the same credit: one ledger entry under the capture's key.
    await expect
      .poll(async () => (await paypalDeliveriesFor(orderId)).map((d) => [d.type, d.status]), { timeout: 15_000 })
      .toEqual([["PAYMENT.CAPTURE.COMPLETED", 200]]);
    const [delivery] = await paypalDeliveriesFor(orderId);
    const captureId = delivery!.object;
    expect(answerOf(delivery!)).toMatchObject({ duplicate: false, action: "credited" });
    const credited = (await topups(token)).filter((e) => e.idempotency_key === `paypal:capture:${captureId}`);
    expect(credited).toMatchObject([{ kind: "topup", amount_micros: 17_500_000 }]);
    expect(await balanceMicros(token)).toBe(before + 17_500_000);
    await page.getByLabel("Kind").selectOption("topup");
    await page.getByRole("cell", { name: `PayPal capture ${captureId}` }).waitFor();
    await screenshots(page, "billing-topup-paypal");

    // A repeated capture (a second tab, a retry) and the webhook resent, as PayPal's retries do:
    // no second credit.
    const again = await api<{ status: string; captures: { id: string }[] }>(origin, token, "POST", `/api/payments/paypal/orders/${orderId}/capture`);
    expect(again).toMatchObject({ status: "COMPLETED", captures: [{ id: captureId }] });
    const resent = await fetch(`${paypalBase}/__control/events/${delivery!.event}/resend`, { method: "POST" });
    expect(resent.status).toBe(200);
    const redelivered = (await resent.json()) as PaypalWebhookDelivery;
    expect([redelivered.event, redelivered.status]).toEqual([delivery!.event, 200]);
    expect(answerOf(redelivered)).toMatchObject({ duplicate: true });
    expect(await balanceMicros(token)).toBe(before + 17_500_000);
    expect((await topups(token)).filter((e) => e.idempotency_key === `paypal:capture:${captureId}`)).toHaveLength(1);

    // The approval page of a captured order offers nothing more to approve.
    await page.goto(`${paypalBase}/checkoutnow?token=${orderId}`);
    await page.getByText("This order is completed.").waitFor();
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
