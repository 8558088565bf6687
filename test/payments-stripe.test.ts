// Stripe top-ups: Checkout against the mock Stripe API, and the webhook — verified over the
// raw body, credited exactly once per event and per session whatever the number, order and
// concurrency of deliveries, refunds and disputes debited once, forgeries recording nothing.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { gateFor } from "../worker/gateway/gate.ts";
import { call, createMember, json, jsonInit } from "./kit/fixtures.ts";
import {
  balanceOf,
  billingTenant,
  deliverStripe,
  ledgerOf,
  mockJson,
  paidCheckout,
  paymentEventsFor,
  postStripe,
  signStripe,
  stripeBase,
  stripeEvent,
  stripeForTests,
} from "./kit/payments.ts";
import type { RecordedStripeRequest } from "./mocks/stripe.ts";

const completed = (session: unknown, id?: string) => stripeEvent("checkout.session.completed", session, id);

describe("Stripe Checkout", () => {
  it("creates a payment session for the amount, with the tenant, one customer per tenant, and return URLs", async () => {
    const { tenantId, owner } = await billingTenant();
    const res = await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 12_340_000 }, { ...owner.headers, "idempotency-key": "first" }));
    expect(res.status).toBe(201);
    const body = await json<{ id: string; url: string; amount_micros: number; currency: string }>(res);
    expect(body).toMatchObject({ amount_micros: 12_340_000, currency: "usd" });
    expect(body.url).toContain(body.id);

    const requests = await mockJson<RecordedStripeRequest[]>(stripeBase(), "/__control/requests");
    const created = requests.filter((r) => r.path === "/v1/checkout/sessions").pop()!;
    expect(created.form).toMatchObject({
      mode: "payment",
      client_reference_id: tenantId,
      metadata: { tenant_id: tenantId, amount_micros: "12340000" },
      line_items: [{ quantity: "1", price_data: { currency: "usd", unit_amount: "1234" } }],
      success_url: "http://gateway.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://gateway.test/billing?checkout=cancel",
    });
    expect(created.idempotencyKey).toBe(`checkout:${tenantId}:first`);
    const customer = (await getDb(env.DB).select().from(tenants).where(eq(tenants.id, tenantId)).get())!.stripeCustomerId;
    expect(customer).toMatch(/^cus_/);
    expect(created.form.customer).toBe(customer);

    // A second checkout reuses the customer; a retried one (same Idempotency-Key) the session.
    const again = await json<{ id: string }>(
      await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 12_340_000 }, { ...owner.headers, "idempotency-key": "first" })),
    );
    expect(again.id).toBe(body.id);
    const reused = await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 99_000_000 }, { ...owner.headers, "idempotency-key": "first" }));
    expect(reused.status).toBe(409);
    expect(await json(reused)).toMatchObject({ error: { code: "idempotency_key_reused" } });
    await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 5_000_000 }, owner.headers));
    const after = await mockJson<RecordedStripeRequest[]>(stripeBase(), "/__control/requests");
    const sessionsOfTenant = after.filter((r) => r.path === "/v1/checkout/sessions" && r.form.client_reference_id === tenantId);
    expect(new Set(sessionsOfTenant.map((r) => r.form.customer))).toEqual(new Set([customer]));
    expect(after.filter((r) => r.path === "/v1/customers" && (r.form.metadata as Record<string, string>).tenant_id === tenantId)).toHaveLength(1);
  });

  it("refuses amounts outside the limits or not in whole cents, and roles other than owner", async () => {
    const { tenantId, owner } = await billingTenant();
    const post = (amount: number, headers = owner.headers) => call("/api/payments/stripe/checkout", jsonInit({ amount_micros: amount }, headers));
    expect(await json(await post(1_000_000))).toMatchObject({ error: { code: "amount_out_of_range" } });
    expect(await json(await post(20_000_000_000))).toMatchObject({ error: { code: "amount_out_of_range" } });
    expect(await json(await post(5_000_001))).toMatchObject({ error: { code: "invalid_amount" } });
    expect((await post(5_000_000.5)).status).toBe(400);
    const admin = await createMember("admin", tenantId);
    expect((await post(5_000_000, admin.headers)).status).toBe(403);
  });
});

describe("Stripe webhook: credits", () => {
  it("credits a paid session once, however often the same event arrives", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session } = await paidCheckout(owner, 25_000_000);
    const payload = completed(session);
    const first = await deliverStripe(payload);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ received: true, duplicate: false, action: "credited" });
    const second = await deliverStripe(payload);
    expect(await json(second)).toMatchObject({ duplicate: true });
    expect(await balanceOf(tenantId)).toBe(25_000_000);
    const ledger = await ledgerOf(tenantId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ kind: "topup", amountMicros: 25_000_000, idempotencyKey: `stripe:session:${session.id}` });
    const eventId = (JSON.parse(payload) as { id: string }).id;
    expect(await paymentEventsFor("stripe", eventId)).toHaveLength(1);
  });

  it("credits once when ten deliveries of the event arrive at the same time", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session } = await paidCheckout(owner, 7_000_000);
    const payload = completed(session);
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliverStripe(payload)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = await Promise.all(responses.map((r) => json<{ duplicate: boolean }>(r)));
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    expect(await balanceOf(tenantId)).toBe(7_000_000);
    expect((await ledgerOf(tenantId)).filter((e) => e.kind === "topup")).toHaveLength(1);
    expect(await paymentEventsFor("stripe", (JSON.parse(payload) as { id: string }).id)).toHaveLength(1);
  });

  it("credits a session once across different events about it (completed, then async success)", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session } = await paidCheckout(owner, 9_990_000);
    const a = completed(session);
    const b = stripeEvent("checkout.session.async_payment_succeeded", session);
    await Promise.all([deliverStripe(a), deliverStripe(b), deliverStripe(a)]);
    expect(await balanceOf(tenantId)).toBe(9_990_000);
    expect(await paymentEventsFor("stripe", (JSON.parse(a) as { id: string }).id)).toHaveLength(1);
    expect(await paymentEventsFor("stripe", (JSON.parse(b) as { id: string }).id)).toHaveLength(1);
    expect(await ledgerOf(tenantId)).toHaveLength(1);
  });

  it("does not credit an unpaid session, and answers 200 to events it does not handle", async () => {
    const { tenantId, owner } = await billingTenant();
    const res = await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 5_000_000 }, owner.headers));
    const { id } = await json<{ id: string }>(res);
    const session = await stripeForTests().checkout.sessions.retrieve(id);
    expect(session.payment_status).toBe("unpaid");
    expect(await json(await deliverStripe(completed(session)))).toMatchObject({ action: "not_paid" });
    const unknown = await deliverStripe(stripeEvent("customer.updated", { id: "cus_x", object: "customer" }));
    expect(unknown.status).toBe(200);
    expect(await json(unknown)).toMatchObject({ action: "ignored" });
    expect(await balanceOf(tenantId)).toBe(0);
  });
});

describe("Stripe webhook: signatures", () => {
  it("rejects forged, stale, tampered, missing and wrong-secret signatures with 400 and records nothing", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session } = await paidCheckout(owner, 5_000_000);
    const payload = completed(session);
    const eventId = (JSON.parse(payload) as { id: string }).id;
    const attempts = [
      postStripe(payload, await signStripe(payload, { secret: "whsec_wrong_secret" })),
      postStripe(payload, await signStripe(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 })),
      postStripe(payload.replace('"livemode":false', '"livemode":true'), await signStripe(payload)),
      postStripe(payload, null),
      postStripe(payload, "t=1,v1=deadbeef"),
      postStripe(payload, `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_signature" } });
    }
    expect(await paymentEventsFor("stripe", eventId)).toHaveLength(0);
    expect(await ledgerOf(tenantId)).toHaveLength(0);
    expect(await balanceOf(tenantId)).toBe(0);
    // The genuine delivery still works afterwards.
    expect((await deliverStripe(payload)).status).toBe(200);
    expect(await balanceOf(tenantId)).toBe(5_000_000);
  });
});

describe("Stripe webhook: refunds and disputes", () => {
  it("debits each refund once, in any order, even before the payment it refunds is credited", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session, charge } = await paidCheckout(owner, 20_000_000);
    const stripe = stripeForTests();
    await stripe.refunds.create({ charge: charge.id, amount: 500 }); // $5 of $20
    const refundedOnce = stripeEvent("charge.refunded", await stripe.charges.retrieve(charge.id));
    // The refund arrives first (twice), then the completion.
    expect(await json(await deliverStripe(refundedOnce))).toMatchObject({ action: "debited" });
    await deliverStripe(refundedOnce);
    expect(await balanceOf(tenantId)).toBe(-5_000_000);
    await deliverStripe(completed(session));
    expect(await balanceOf(tenantId)).toBe(15_000_000);

    // A second refund: the next charge.refunded (cumulative) debits only the new one.
    await stripe.refunds.create({ charge: charge.id, amount: 300 });
    const refundedTwice = stripeEvent("charge.refunded", await stripe.charges.retrieve(charge.id));
    await Promise.all([deliverStripe(refundedTwice), deliverStripe(refundedOnce), deliverStripe(refundedTwice)]);
    expect(await balanceOf(tenantId)).toBe(12_000_000);
    const refunds = (await ledgerOf(tenantId)).filter((e) => e.kind === "refund");
    expect(refunds.map((e) => e.amountMicros).sort((a, b) => a - b)).toEqual([-5_000_000, -3_000_000]);
  });

  it("debits a dispute once and credits reinstated funds once", async () => {
    const { tenantId, owner } = await billingTenant();
    const { session, charge } = await paidCheckout(owner, 10_000_000);
    await deliverStripe(completed(session));
    const dispute = await mockJson<{ id: string }>(stripeBase(), "/__control/disputes", { charge: charge.id });
    const created = stripeEvent("charge.dispute.created", dispute);
    await Promise.all([deliverStripe(created), deliverStripe(created)]);
    expect(await balanceOf(tenantId)).toBe(0);
    expect((await ledgerOf(tenantId)).filter((e) => e.kind === "dispute")).toMatchObject([
      { amountMicros: -10_000_000, idempotencyKey: `stripe:dispute:${dispute.id}` },
    ]);
    const reinstated = stripeEvent("charge.dispute.funds_reinstated", { ...dispute, status: "won" });
    await deliverStripe(reinstated);
    await deliverStripe(reinstated);
    expect(await balanceOf(tenantId)).toBe(10_000_000);
    const r = await gateFor(env, tenantId).reconcile(tenantId);
    expect(r.driftMicros).toBe(0);
    expect(r.ledgerMicros).toBe(10_000_000);
  });
});
