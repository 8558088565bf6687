// Helpers for the billing and payments tests: the mock Stripe and PayPal APIs (started by
// payments-setup.ts), events signed the way the processors sign them, and the ledger as D1
// and the gate see it.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import Stripe from "stripe";
import { getDb } from "../../worker/db/client.ts";
import { ledgerEntries, paymentEvents } from "../../worker/db/schema.ts";
import { gateFor } from "../../worker/gateway/gate.ts";
import { call, createMember, createTenant, json, jsonInit, type Member } from "./fixtures.ts";
import { STRIPE_TEST_KEY, STRIPE_TEST_WEBHOOK_SECRET } from "../mocks/stripe.ts";

export const stripeBase = () => env.STRIPE_API_BASE!;
export const paypalBase = () => env.PAYPAL_API_BASE!;

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** The real library, pointed at the mock: what a test uses to act as Stripe's dashboard. */
export function stripeForTests(): Stripe {
  const base = new URL(stripeBase());
  return new Stripe(STRIPE_TEST_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: base.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
}

export async function mockJson<T>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(
    `${base}${path}`,
    body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

let eventCounter = 0;

/** A Stripe event envelope around `object`, as Stripe's webhooks send it. */
export function stripeEvent(type: string, object: unknown, id = `evt_test_${Date.now().toString(36)}_${++eventCounter}`): string {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2025-01-01",
    created: Math.floor(Date.now() / 1000),
    type,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });
}

/** A Stripe-Signature header, made by the stripe library itself. */
export function signStripe(payload: string, options: { secret?: string; timestamp?: number } = {}): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? STRIPE_TEST_WEBHOOK_SECRET,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
    cryptoProvider,
  });
}

export function postStripe(payload: string, signature: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["stripe-signature"] = signature;
  return call("/api/payments/stripe/webhook", { method: "POST", headers, body: payload });
}

export async function deliverStripe(payload: string): Promise<Response> {
  return postStripe(payload, await signStripe(payload));
}

export interface PaidCheckout {
  session: { id: string; amount_total: number; customer: string; client_reference_id: string; metadata: Record<string, string> };
  charge: { id: string; amount: number; amount_refunded: number };
}

/** A checkout through the API, then paid at the mock: the session and its charge. */
export async function paidCheckout(owner: Member, amountMicros: number): Promise<PaidCheckout> {
  const res = await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: amountMicros }, owner.headers));
  if (res.status !== 201) throw new Error(`checkout answered ${res.status}: ${await res.text()}`);
  const { id } = await json<{ id: string }>(res);
  return mockJson<PaidCheckout>(stripeBase(), `/__control/sessions/${id}/complete`, {});
}

/** A new tenant with an owner, and billing on. */
export async function billingTenant(credit = 0): Promise<{ tenantId: string; owner: Member }> {
  const tenantId = await createTenant("Billing");
  const owner = await createMember("owner", tenantId);
  if (credit) await gateFor(env, tenantId).credit(tenantId, { idempotencyKey: `test:${crypto.randomUUID()}`, kind: "promo", amountMicros: credit });
  return { tenantId, owner };
}

export async function balanceOf(tenantId: string): Promise<number> {
  return (await gateFor(env, tenantId).status(tenantId)).balanceMicros;
}

export function ledgerOf(tenantId: string) {
  return getDb(env.DB).select().from(ledgerEntries).where(eq(ledgerEntries.tenantId, tenantId)).all();
}

export function paymentEventsFor(processor: "stripe" | "paypal", eventId: string) {
  return getDb(env.DB)
    .select()
    .from(paymentEvents)
    .where(and(eq(paymentEvents.processor, processor), eq(paymentEvents.eventId, eventId)))
    .all();
}

// ── PayPal ──────────────────────────────────────────────────────────────────────────────────

export async function paypalOrder(owner: Member, amountMicros: number, headers: Record<string, string> = {}): Promise<{ id: string; approve_url: string }> {
  const res = await call("/api/payments/paypal/orders", jsonInit({ amount_micros: amountMicros }, { ...owner.headers, ...headers }));
  if (res.status !== 201) throw new Error(`order answered ${res.status}: ${await res.text()}`);
  return json(res);
}

export const approvePaypal = (orderId: string) => mockJson(paypalBase(), `/__control/orders/${orderId}/approve`, {});

let paypalCounter = 0;

export function paypalEvent(eventType: string, resource: unknown, id = `WH-TEST-${Date.now().toString(36)}-${++paypalCounter}`): Record<string, unknown> {
  return {
    id,
    event_version: "1.0",
    create_time: new Date().toISOString(),
    resource_type: eventType.includes("REFUND") ? "refund" : "capture",
    event_type: eventType,
    summary: eventType,
    resource,
  };
}

/** Delivers the event with headers the mock's verify-webhook-signature accepts (or `headers`). */
export async function deliverPaypal(event: Record<string, unknown>, headers?: Record<string, string>): Promise<Response> {
  const body = JSON.stringify(event);
  const signed = headers ?? (await mockJson<Record<string, string>>(paypalBase(), "/__control/sign", { event }));
  return call("/api/payments/paypal/webhook", { method: "POST", headers: { "content-type": "application/json", ...signed }, body });
}
