// Stripe through the official library, on the Workers runtime: its fetch HTTP client and its
// SubtleCrypto provider (no Node APIs), pointed at STRIPE_API_BASE (a local mock in tests).
import Stripe from "stripe";
import type { StripeConfig } from "../api/payments/config.ts";

export type { Stripe };

const cryptoProvider = Stripe.createSubtleCryptoProvider();
const clients = new Map<string, Stripe>();

/** How old a webhook's signature may be: Stripe's default, 5 minutes. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** One client per key and base, reused across requests on a warm isolate. */
export function stripeClient(config: StripeConfig): Stripe {
  const cacheKey = `${config.apiBase}\n${config.secretKey}`;
  let client = clients.get(cacheKey);
  if (!client) {
    const base = new URL(config.apiBase);
    const protocol = base.protocol === "http:" ? "http" : "https";
    client = new Stripe(config.secretKey, {
      httpClient: Stripe.createFetchHttpClient(),
      host: base.hostname,
      port: base.port || (protocol === "http" ? 80 : 443),
      protocol,
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "ai-aggregator" },
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/**
 * The event, if `signature` (the Stripe-Signature header) signs exactly `rawBody` with the
 * webhook secret and is recent; throws otherwise.
 */
export function verifyStripeEvent(config: StripeConfig, rawBody: string, signature: string): Promise<Stripe.Event> {
  return stripeClient(config).webhooks.constructEventAsync(rawBody, signature, config.webhookSecret, WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
}

/** The tenant's customer: created once (Stripe's idempotency key makes concurrent first checkouts agree). */
export async function createCustomer(config: StripeConfig, tenant: { id: string; name: string }): Promise<string> {
  const customer = await stripeClient(config).customers.create(
    { name: tenant.name, metadata: { tenant_id: tenant.id } },
    { idempotencyKey: `customer:${tenant.id}` },
  );
  return customer.id;
}

export interface CheckoutInput {
  tenantId: string;
  customerId: string;
  amountMicros: number;
  amountMinor: number;
  currency: string;
  successUrl: string;
  cancelUrl: string;
  idempotencyKey?: string;
}

export async function createCheckoutSession(config: StripeConfig, input: CheckoutInput): Promise<Stripe.Checkout.Session> {
  const metadata = { tenant_id: input.tenantId, amount_micros: String(input.amountMicros) };
  return stripeClient(config).checkout.sessions.create(
    {
      mode: "payment",
      customer: input.customerId,
      client_reference_id: input.tenantId,
      line_items: [
        {
          quantity: 1,
          price_data: { currency: input.currency, unit_amount: input.amountMinor, product_data: { name: "AI Aggregator credit" } },
        },
      ],
      metadata,
      // Charges and refunds carry the tenant too, so refund and dispute events find it.
      payment_intent_data: { metadata },
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    },
    input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : undefined,
  );
}

/** Every refund of a charge (the webhook's charge lists them only in older API versions). */
export async function listRefunds(config: StripeConfig, chargeId: string): Promise<Stripe.Refund[]> {
  const out: Stripe.Refund[] = [];
  for await (const refund of stripeClient(config).refunds.list({ charge: chargeId, limit: 100 })) out.push(refund);
  return out;
}

export function retrieveCharge(config: StripeConfig, chargeId: string): Promise<Stripe.Charge> {
  return stripeClient(config).charges.retrieve(chargeId);
}

/** An error Stripe answered with (or the library raised talking to it). */
export function isStripeError(error: unknown): error is InstanceType<typeof Stripe.errors.StripeError> {
  return error instanceof Stripe.errors.StripeError;
}
