// PayPal top-ups against the mock PayPal API: OAuth token cached until expiry, orders with
// PayPal-Request-Id, capture and webhook crediting the same capture exactly once between them,
// refunds and reversals debited once, unverified webhooks recording nothing; and the 503 a
// server without payment secrets answers.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { paymentMethods, paypalConfig, requirePaypal, requireStripe, stripeConfig } from "../worker/api/payments/config.ts";
import { createApp } from "../worker/app.ts";
import { AppError } from "../worker/core/errors.ts";
import type { Env } from "../worker/env.ts";
import { accessToken, forgetToken } from "../worker/services/paypal.ts";
import { call, createMember, json, jsonInit } from "./kit/fixtures.ts";
import {
  approvePaypal,
  balanceOf,
  billingTenant,
  deliverPaypal,
  ledgerOf,
  mockJson,
  paymentEventsFor,
  paypalBase,
  paypalEvent,
  paypalOrder,
} from "./kit/payments.ts";

interface CaptureAnswer {
  order_id: string;
  status: string;
  captures: { id: string; status: string; amount_micros: number; credited: boolean }[];
  balance_micros: number | null;
}

const capture = (headers: Record<string, string>, orderId: string) => call(`/api/payments/paypal/orders/${orderId}/capture`, { method: "POST", headers });

interface CaptureResource {
  id: string;
  status: string;
  amount: { currency_code: string; value: string };
  custom_id: string;
}

const refundOf = (captureId: string, id: string, value: string) => ({
  id,
  status: "COMPLETED",
  amount: { currency_code: "USD", value },
  links: [
    { href: `https://api-m.paypal.test/v2/payments/refunds/${id}`, rel: "self", method: "GET" },
    { href: `https://api-m.paypal.test/v2/payments/captures/${captureId}`, rel: "up", method: "GET" },
  ],
});

describe("PayPal orders and capture", () => {
  it("creates an order for the tenant, idempotently, and captures it once into one credit", async () => {
    const { tenantId, owner } = await billingTenant();
    const order = await paypalOrder(owner, 12_340_000, { "idempotency-key": "buy-1" });
    expect(order.approve_url).toContain(order.id);
    expect((await paypalOrder(owner, 12_340_000, { "idempotency-key": "buy-1" })).id).toBe(order.id);
    const placed = await mockJson<{ purchase_units: { custom_id: string; amount: { value: string; currency_code: string } }[] }>(
      paypalBase(),
      `/__control/orders/${order.id}/approve`,
      {},
    );
    expect(placed.purchase_units[0]).toMatchObject({ custom_id: tenantId, amount: { value: "12.34", currency_code: "USD" } });

    const results = await Promise.all([capture(owner.headers, order.id), capture(owner.headers, order.id)]);
    for (const res of results) expect(res.status).toBe(200);
    const first = await json<CaptureAnswer>(results[0]!);
    expect(first.status).toBe("COMPLETED");
    expect(first.captures).toMatchObject([{ status: "COMPLETED", amount_micros: 12_340_000, credited: true }]);
    expect((await capture(owner.headers, order.id)).status).toBe(200);
    expect(await balanceOf(tenantId)).toBe(12_340_000);
    expect(await ledgerOf(tenantId)).toMatchObject([{ kind: "topup", amountMicros: 12_340_000, idempotencyKey: `paypal:capture:${first.captures[0]!.id}` }]);
  });

  it("answers 409 before the buyer approved, 404 for another tenant's or an unknown order", async () => {
    const { owner } = await billingTenant();
    const order = await paypalOrder(owner, 5_000_000);
    const early = await capture(owner.headers, order.id);
    expect(early.status).toBe(409);
    expect(await json(early)).toMatchObject({ error: { code: "order_not_approved" } });
    await approvePaypal(order.id);
    const other = await billingTenant();
    expect((await capture(other.owner.headers, order.id)).status).toBe(404);
    expect((await capture(owner.headers, "NOSUCHORDER123")).status).toBe(404);
    const viewer = await createMember("viewer", owner.tenantId);
    expect((await capture(viewer.headers, order.id)).status).toBe(403);
  });
});

describe("PayPal webhook", () => {
  async function capturedOrder(amount: number) {
    const { tenantId, owner } = await billingTenant();
    const order = await paypalOrder(owner, amount);
    await approvePaypal(order.id);
    return { tenantId, owner, order };
  }

  it("credits a capture once between the capture call and PAYMENT.CAPTURE.COMPLETED, in either order", async () => {
    // Capture first, then the webhook (twice).
    const a = await capturedOrder(8_000_000);
    const captured = await json<CaptureAnswer>(await capture(a.owner.headers, a.order.id));
    const captureResource = { id: captured.captures[0]!.id, status: "COMPLETED", amount: { currency_code: "USD", value: "8.00" }, custom_id: a.tenantId };
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", captureResource);
    expect(await json(await deliverPaypal(event))).toMatchObject({ action: "credited", duplicate: false });
    expect(await json(await deliverPaypal(event))).toMatchObject({ duplicate: true });
    expect(await balanceOf(a.tenantId)).toBe(8_000_000);
    expect(await ledgerOf(a.tenantId)).toHaveLength(1);

    // The webhook first (a capture the API has not been asked about yet), then the capture call.
    // PayPal captures (as for a buyer-side capture); its webhook arrives before the client calls.
    const b = await capturedOrder(6_000_000);
    const token = await accessToken(paypalConfig(env)!);
    const res = await fetch(`${paypalBase()}/v2/checkout/orders/${b.order.id}/capture`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "paypal-request-id": `capture-${b.order.id}` },
      body: "{}",
    });
    const paypalSide = (await res.json()) as { purchase_units: { payments: { captures: CaptureResource[] } }[] };
    const webhookFirst = paypalEvent("PAYMENT.CAPTURE.COMPLETED", paypalSide.purchase_units[0]!.payments.captures[0]!);
    expect(await json(await deliverPaypal(webhookFirst))).toMatchObject({ action: "credited" });
    expect(await balanceOf(b.tenantId)).toBe(6_000_000);
    await Promise.all([deliverPaypal(webhookFirst), capture(b.owner.headers, b.order.id), capture(b.owner.headers, b.order.id)]);
    expect(await balanceOf(b.tenantId)).toBe(6_000_000);
    expect((await ledgerOf(b.tenantId)).filter((e) => e.kind === "topup")).toHaveLength(1);
  });

  it("credits from the webhook alone when the client never calls capture", async () => {
    const { tenantId } = await billingTenant();
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", {
      id: `CAPWEBHOOKONLY${Date.now()}`,
      status: "COMPLETED",
      amount: { currency_code: "USD", value: "15.50" },
      custom_id: tenantId,
    });
    await Promise.all(Array.from({ length: 5 }, () => deliverPaypal(event)));
    expect(await balanceOf(tenantId)).toBe(15_500_000);
    expect(await paymentEventsFor("paypal", event.id as string)).toHaveLength(1);
  });

  it("records, without crediting, a capture that belongs to no tenant", async () => {
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", {
      id: `CAPNOBODY${Date.now()}`,
      status: "COMPLETED",
      amount: { currency_code: "USD", value: "1.00" },
    });
    const res = await deliverPaypal(event);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ action: "unknown_tenant" });
    expect(await paymentEventsFor("paypal", event.id as string)).toMatchObject([{ tenantId: null }]);
  });

  it("debits refunds and reversals once each", async () => {
    const { tenantId, owner, order } = await capturedOrder(20_000_000);
    const captureId = (await json<CaptureAnswer>(await capture(owner.headers, order.id))).captures[0]!.id;
    const refund = paypalEvent("PAYMENT.CAPTURE.REFUNDED", refundOf(captureId, `REF${Date.now()}`, "5.25"));
    await Promise.all([deliverPaypal(refund), deliverPaypal(refund)]);
    expect(await balanceOf(tenantId)).toBe(14_750_000);
    const reversal = paypalEvent("PAYMENT.CAPTURE.REVERSED", refundOf(captureId, `REV${Date.now()}`, "14.75"));
    await deliverPaypal(reversal);
    await deliverPaypal(reversal);
    expect(await balanceOf(tenantId)).toBe(0);
    const kinds = (await ledgerOf(tenantId)).map((e) => [e.kind, e.amountMicros]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ["topup", 20_000_000],
        ["refund", -5_250_000],
        ["dispute", -14_750_000],
      ]),
    );
    expect(kinds).toHaveLength(3);
  });

  it("rejects an event PayPal does not verify with 400 and records nothing", async () => {
    const { tenantId } = await billingTenant();
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", {
      id: `CAPFORGED${Date.now()}`,
      status: "COMPLETED",
      amount: { currency_code: "USD", value: "99.00" },
      custom_id: tenantId,
    });
    const genuine = await mockJson<Record<string, string>>(paypalBase(), "/__control/sign", { event });
    const otherWebhook = await mockJson<Record<string, string>>(paypalBase(), "/__control/sign", { event, webhook_id: "WH-SOMEONE-ELSE" });
    const tampered = { ...event, resource: { ...(event.resource as object), amount: { currency_code: "USD", value: "9999.00" } } };
    const { "paypal-transmission-sig": _sig, ...unsigned } = genuine;
    const attempts = [
      deliverPaypal(event, { ...genuine, "paypal-transmission-sig": "Zm9yZ2Vk" }),
      deliverPaypal(event, otherWebhook),
      deliverPaypal(tampered, genuine),
      deliverPaypal(event, unsigned),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_signature" } });
    }
    expect(await paymentEventsFor("paypal", event.id as string)).toHaveLength(0);
    expect(await balanceOf(tenantId)).toBe(0);
  });
});

describe("PayPal OAuth token", () => {
  it("is requested once and reused until it expires", async () => {
    const config = paypalConfig(env)!;
    forgetToken(config);
    const stats = () => mockJson<{ tokens_issued: number }>(paypalBase(), "/__control/stats");
    const before = (await stats()).tokens_issued;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => accessToken(config)));
    expect(new Set(tokens).size).toBe(1);
    expect(await accessToken(config)).toBe(tokens[0]);
    expect((await stats()).tokens_issued).toBe(before + 1);
    // Past its expiry (minus the safety margin) a new one is fetched.
    const later = await accessToken(config, Date.now() + 32_400_000);
    expect(later).not.toBe(tokens[0]);
    expect((await stats()).tokens_issued).toBe(before + 2);
  });
});

describe("without payment secrets", () => {
  const bare = {
    ...env,
    STRIPE_SECRET_KEY: undefined,
    STRIPE_WEBHOOK_SECRET: undefined,
    PAYPAL_CLIENT_ID: undefined,
    PAYPAL_CLIENT_SECRET: undefined,
    PAYPAL_WEBHOOK_ID: undefined,
  } as Env;

  it("reports no method configured and refuses with 503 not_configured", () => {
    expect(paymentMethods(bare)).toEqual({ stripe: false, paypal: false });
    expect(stripeConfig(bare)).toBeNull();
    expect(paypalConfig(bare)).toBeNull();
    expect(paymentMethods({ ...bare, STRIPE_SECRET_KEY: "sk", STRIPE_WEBHOOK_SECRET: "   " } as Env)).toEqual({ stripe: false, paypal: false });
    for (const check of [() => requireStripe(bare), () => requirePaypal(bare), () => requirePaypal({ ...env, PAYPAL_WEBHOOK_ID: "" } as Env, true)]) {
      try {
        check();
        expect.unreachable("should throw");
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).status).toBe(503);
        expect((error as AppError).code).toBe("not_configured");
      }
    }
    expect(paymentMethods(env)).toEqual({ stripe: true, paypal: true });
  });

  it("answers 503 on every payment route and says so in GET /api/billing", async () => {
    const app = createApp();
    const { owner } = await billingTenant();
    const routes: [string, RequestInit][] = [
      ["/api/payments/stripe/checkout", jsonInit({ amount_micros: 5_000_000 }, owner.headers)],
      ["/api/payments/stripe/webhook", { method: "POST", headers: { "stripe-signature": "t=1,v1=00" }, body: "{}" }],
      ["/api/payments/paypal/orders", jsonInit({ amount_micros: 5_000_000 }, owner.headers)],
      ["/api/payments/paypal/orders/ABC123/capture", { method: "POST", headers: owner.headers }],
      ["/api/payments/paypal/webhook", { method: "POST", body: "{}" }],
    ];
    for (const [path, init] of routes) {
      const res = await app.request(`http://gateway.test${path}`, init, bare);
      expect(res.status, path).toBe(503);
      expect(await json(res)).toMatchObject({ error: { code: "not_configured" } });
    }
    const billing = await app.request("http://gateway.test/api/billing", { headers: owner.headers }, bare);
    expect(await json(billing)).toMatchObject({ payment_methods: { stripe: false, paypal: false } });
  });
});
