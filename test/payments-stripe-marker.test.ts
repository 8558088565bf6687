// Stripe credits only Checkout Sessions this app created: a session carries a marker in its
// metadata, an HMAC under the server's SECRETS_KEY of its tenant and amount, set server-side
// when the app creates it. A session made any other way — the dashboard, a Payment Link with
// `?client_reference_id=`, another integration on the same Stripe account, or one that copies
// another session's metadata onto a different tenant or amount — is acknowledged (200, so
// Stripe stops retrying) and logged, and credits nothing.
import { describe, expect, it } from "vitest";
import { call, json, jsonInit } from "./kit/fixtures.ts";
import {
  balanceOf,
  billingTenant,
  deliverStripe,
  ledgerOf,
  mockJson,
  paidCheckout,
  type PaidCheckout,
  paymentEventsFor,
  stripeBase,
  stripeEvent,
  stripeForTests,
} from "./kit/payments.ts";

const completed = (session: unknown) => stripeEvent("checkout.session.completed", session);
const eventIdOf = (payload: string) => (JSON.parse(payload) as { id: string }).id;

/** A session made straight at Stripe (as from the dashboard or another integration), then paid. */
async function foreignPaidSession(params: {
  clientReferenceId: string;
  amountMinor: number;
  metadata?: Record<string, string>;
}): Promise<PaidCheckout["session"]> {
  const session = await stripeForTests().checkout.sessions.create({
    mode: "payment",
    client_reference_id: params.clientReferenceId,
    line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: params.amountMinor, product_data: { name: "Something else" } } }],
    ...(params.metadata ? { metadata: params.metadata } : {}),
    success_url: "https://example.com/ok",
    cancel_url: "https://example.com/cancel",
  });
  return (await mockJson<PaidCheckout>(stripeBase(), `/__control/sessions/${session.id}/complete`, {})).session;
}

describe("Stripe Checkout marker", () => {
  it("puts the marker in the metadata of the sessions it creates; the session as Stripe returns it carries it", async () => {
    const { tenantId, owner } = await billingTenant();
    const res = await call("/api/payments/stripe/checkout", jsonInit({ amount_micros: 6_000_000 }, owner.headers));
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const session = await stripeForTests().checkout.sessions.retrieve(id);
    expect(session.client_reference_id).toBe(tenantId);
    expect(session.metadata).toMatchObject({
      tenant_id: tenantId,
      amount_micros: "6000000",
      aggregator_checkout: "v1",
      aggregator_sig: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("credits nothing for a paid session it did not create, even with the tenant as client_reference_id, and answers 200", async () => {
    const { tenantId } = await billingTenant();
    const session = await foreignPaidSession({ clientReferenceId: tenantId, amountMinor: 5000, metadata: { tenant_id: tenantId } });
    expect(session).toMatchObject({ client_reference_id: tenantId, amount_total: 5000 });
    const payload = completed(session);
    const res = await deliverStripe(payload);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ received: true, action: "not_ours" });
    expect(await balanceOf(tenantId)).toBe(0);
    expect(await ledgerOf(tenantId)).toHaveLength(0);
    // Recorded once, like every verified event, against no tenant.
    expect(await paymentEventsFor("stripe", eventIdOf(payload))).toMatchObject([{ tenantId: null, objectId: session.id }]);
  });

  it("credits nothing for a forged marker, or for a real one copied onto another tenant or another amount", async () => {
    const { tenantId, owner } = await billingTenant();
    const victim = await billingTenant();
    const genuine = (await paidCheckout(owner, 5_000_000)).session;
    const forged = await foreignPaidSession({
      clientReferenceId: tenantId,
      amountMinor: 500,
      metadata: { ...genuine.metadata, aggregator_sig: "0".repeat(64) },
    });
    const otherTenant = await foreignPaidSession({
      clientReferenceId: victim.tenantId,
      amountMinor: 500,
      metadata: { ...genuine.metadata, tenant_id: victim.tenantId },
    });
    const otherAmount = await foreignPaidSession({ clientReferenceId: tenantId, amountMinor: 100_00, metadata: genuine.metadata });
    const mismatchedReference = await foreignPaidSession({ clientReferenceId: victim.tenantId, amountMinor: 500, metadata: genuine.metadata });
    const actions = [];
    for (const session of [forged, otherTenant, otherAmount, mismatchedReference]) {
      const res = await deliverStripe(completed(session));
      expect(res.status).toBe(200);
      actions.push((await json<{ action: string }>(res)).action);
    }
    expect(actions).toEqual(["not_ours", "not_ours", "amount_mismatch", "not_ours"]);
    expect(await balanceOf(tenantId)).toBe(0);
    expect(await balanceOf(victim.tenantId)).toBe(0);

    // The genuine session still credits, once.
    expect(await json(await deliverStripe(completed(genuine)))).toMatchObject({ action: "credited" });
    expect(await balanceOf(tenantId)).toBe(5_000_000);
    expect(await ledgerOf(victim.tenantId)).toHaveLength(0);
  });
});
