// Stripe through the official library, on the Workers runtime: its fetch HTTP client and its
// SubtleCrypto provider (no Node APIs), pointed at STRIPE_API_BASE (a local mock in tests).
import Stripe from "stripe";
import { AppError } from "../core/errors.ts";
import { constantTimeEqual, toHex } from "../core/security/hash.ts";

export type { Stripe };

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  apiBase: string;
}

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

// The marker that says a Checkout Session is this app's. A session is credited only if its
// metadata carries `aggregator_checkout: "v1"` and `aggregator_sig`, an HMAC-SHA256 under the
// server's SECRETS_KEY of the tenant and the amount, and its client_reference_id is that tenant.
// Metadata is set server-side when the app creates the session; a Payment Link (to which anyone
// can append ?client_reference_id=), a dashboard session or another integration on the same
// Stripe account cannot make the signature, and copying one from another session keeps its
// tenant and amount.
export const CHECKOUT_MARKER = { key: "aggregator_checkout", version: "v1", signature: "aggregator_sig" } as const;

const encoder = new TextEncoder();

async function markerSignature(secretsKey: string, tenantId: string, amountMicros: number): Promise<string> {
  if (!secretsKey || secretsKey.length < 32) throw new AppError("unavailable", "The server's SECRETS_KEY is not configured.", { code: "not_configured" });
  const key = await crypto.subtle.importKey("raw", encoder.encode(secretsKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const message = `stripe-checkout:${CHECKOUT_MARKER.version}:${tenantId}:${amountMicros}`;
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
}

/** The metadata that marks a session as this app's, for `tenantId` and `amountMicros`. */
export async function checkoutMarker(secretsKey: string, tenantId: string, amountMicros: number): Promise<Record<string, string>> {
  return { [CHECKOUT_MARKER.key]: CHECKOUT_MARKER.version, [CHECKOUT_MARKER.signature]: await markerSignature(secretsKey, tenantId, amountMicros) };
}

/** The tenant and amount of a session this app created; null for any other session. */
export async function ourCheckout(
  secretsKey: string,
  session: Pick<Stripe.Checkout.Session, "metadata" | "client_reference_id">,
): Promise<{ tenantId: string; amountMicros: number } | null> {
  const metadata = session.metadata ?? {};
  const tenantId = metadata.tenant_id;
  const amountMicros = Number(metadata.amount_micros);
  const signature = metadata[CHECKOUT_MARKER.signature];
  if (metadata[CHECKOUT_MARKER.key] !== CHECKOUT_MARKER.version || !tenantId || !signature) return null;
  if (!Number.isSafeInteger(amountMicros) || String(amountMicros) !== metadata.amount_micros) return null;
  if (session.client_reference_id !== tenantId) return null;
  const expected = await markerSignature(secretsKey, tenantId, amountMicros);
  return constantTimeEqual(encoder.encode(signature), encoder.encode(expected)) ? { tenantId, amountMicros } : null;
}

export interface CheckoutInput {
  tenantId: string;
  customerId: string;
  amountMicros: number;
  amountMinor: number;
  currency: string;
  successUrl: string;
  cancelUrl: string;
  /** From checkoutMarker: what makes the webhook credit the session. */
  marker: Record<string, string>;
  idempotencyKey?: string;
}

export async function createCheckoutSession(config: StripeConfig, input: CheckoutInput): Promise<Stripe.Checkout.Session> {
  const metadata = { tenant_id: input.tenantId, amount_micros: String(input.amountMicros), ...input.marker };
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
