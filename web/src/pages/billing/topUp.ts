import { call } from "../../api/client";
import type { BillingStatus } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { browser } from "../../lib/browser";
import { parseDollarsToMicros } from "../../lib/money";
import { writeItem } from "../../stores/storage";

export const PAYPAL_ORDER_KEY = "aggregator.paypal_order";
const CENT = 10_000;

/** The amount typed, as micro-dollars within the server's limits, or why not. */
export function parseTopUp(text: string, limits: BillingStatus["topup"]): { micros: number } | { error: MessageKey } {
  const micros = parseDollarsToMicros(text);
  if (micros === null || micros === 0) return { error: "billing.amountInvalid" };
  if (micros % CENT !== 0) return { error: "billing.amountCents" };
  if (micros < limits.min_micros || micros > limits.max_micros) return { error: "billing.amountRange" };
  return { micros };
}

/** Stripe Checkout: the server makes the session, the browser goes to Stripe's page. */
export async function payWithStripe(amountMicros: number): Promise<void> {
  const session = await call("post", "/api/payments/stripe/checkout", { body: { amount_micros: amountMicros } });
  if (!session.url) throw new Error("Stripe did not return a Checkout URL.");
  browser.assign(session.url);
}

/** PayPal: create the order, remember it, send the buyer to approve it; /billing?paypal=success captures it. */
export async function payWithPaypal(amountMicros: number): Promise<void> {
  const order = await call("post", "/api/payments/paypal/orders", { body: { amount_micros: amountMicros } });
  if (!order.approve_url) throw new Error("PayPal did not return an approval URL.");
  writeItem("session", PAYPAL_ORDER_KEY, order.id);
  browser.assign(order.approve_url);
}

export const capturePaypal = (orderId: string) => call("post", "/api/payments/paypal/orders/{id}/capture", { path: { id: orderId } });
