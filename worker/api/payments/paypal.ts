// /api/payments/paypal: Orders v2 top-ups. The buyer approves the order at PayPal, the PWA
// calls capture, and the capture is credited; PayPal's webhook reports the same capture (and
// refunds and reversals). Both paths credit a capture with the same key, so exactly once:
//   capture COMPLETED (capture call or PAYMENT.CAPTURE.COMPLETED)  +amount  paypal:capture:<id>
//   PAYMENT.CAPTURE.REFUNDED                                      −amount  paypal:refund:<id>
//   PAYMENT.CAPTURE.REVERSED                                      −amount  paypal:reversal:<id>
import * as z from "zod";
import type { CreditRequest } from "../../../durable-objects/gate/types.ts";
import { AppError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { log } from "../../core/logger.ts";
import { getDb, type Db } from "../../db/client.ts";
import { recordPaymentEvent, tenantOfObject } from "../../db/payments.ts";
import { tenantExists } from "../../db/tenants.ts";
import type { Env } from "../../env.ts";
import {
  captureIdOf,
  captureOrder,
  captureSchema,
  createOrder,
  getCapture,
  getOrder,
  type PaypalCapture,
  type PaypalConfig,
  PaypalError,
  type PaypalOrder,
  refundSchema,
  verifyWebhook,
} from "../../services/paypal.ts";
import { ApiRouter } from "../router.ts";
import { applyCredit, siteOrigin } from "./credit.ts";
import { checkTopupAmount, decimalToMicros, microsToDecimal, requirePaypal, topupConfig } from "./config.ts";

const amountBody = z.strictObject({
  amount_micros: z.int().positive().max(Number.MAX_SAFE_INTEGER).describe("Micro-dollars: a whole number of cents within the configured limits"),
});

const orderView = z.object({ id: z.string(), status: z.string(), approve_url: z.string().nullable(), amount_micros: z.int(), currency: z.string() });

const captureView = z.object({
  order_id: z.string(),
  status: z.string(),
  captures: z.array(z.object({ id: z.string(), status: z.string(), amount_micros: z.int().nullable(), credited: z.boolean() })),
  balance_micros: z.int().nullable(),
});

const webhookView = z.object({ received: z.literal(true), duplicate: z.boolean(), action: z.string() });

const webhookEvent = z.object({ id: z.string().min(1), event_type: z.string().min(1), resource: z.unknown() });

const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/;

function paypalFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  log("warn", "paypal call failed", { error: message });
  if (error instanceof PaypalError && error.status === 404) return new AppError("not_found", "No such PayPal order.", { code: "order_not_found" });
  if (error instanceof PaypalError && error.status === 422) {
    return new AppError("conflict", `PayPal cannot do this now: ${error.issue ?? message}`, {
      code: error.issue === "ORDER_NOT_APPROVED" ? "order_not_approved" : "paypal_unprocessable",
    });
  }
  if (error instanceof PaypalError && error.status < 500 && error.status !== 429)
    return new AppError("upstream", `PayPal refused the request: ${message}`, { code: "paypal_error" });
  return new AppError("upstream", "PayPal is unavailable; retry shortly.", { code: "paypal_unavailable" });
}

/** The credit for a completed capture in the configured currency, or null. */
function captureCredit(env: Env, capture: PaypalCapture): { amountMicros: number; credit: CreditRequest } | null {
  if (capture.status !== "COMPLETED" || !capture.amount) return null;
  if (capture.amount.currency_code.toLowerCase() !== topupConfig(env).currency) return null;
  const amountMicros = decimalToMicros(capture.amount.value);
  if (amountMicros === null || amountMicros <= 0) return null;
  return { amountMicros, credit: { idempotencyKey: `paypal:capture:${capture.id}`, kind: "topup", amountMicros, reason: `PayPal capture ${capture.id}` } };
}

const capturesOf = (order: PaypalOrder) =>
  (order.purchase_units ?? []).flatMap((u) => (u.payments?.captures ?? []).map((c) => ({ ...c, custom_id: c.custom_id ?? u.custom_id })));

/** Whose capture this is: its custom_id, else an earlier event about it, else PayPal's capture. */
async function tenantOfCapture(db: Db, config: PaypalConfig, captureId: string, customId: string | undefined): Promise<string | null> {
  if (customId && (await tenantExists(db, customId))) return customId;
  const known = await tenantOfObject(db, "paypal", captureId);
  if (known) return known;
  const capture = await getCapture(config, captureId).catch((error: unknown) => {
    if (error instanceof PaypalError && error.status === 404) return null; // not ours to credit: recorded, answered 200
    throw error;
  });
  return capture?.custom_id && (await tenantExists(db, capture.custom_id)) ? capture.custom_id : null;
}

interface Plan {
  tenantId: string | null;
  objectId: string | null;
  amountMicros: number | null;
  credits: CreditRequest[];
  action: string;
}

async function planFor(env: Env, db: Db, config: PaypalConfig, type: string, resource: unknown): Promise<Plan> {
  const none = (action: string, objectId: string | null = null, tenantId: string | null = null): Plan => ({
    tenantId,
    objectId,
    amountMicros: null,
    credits: [],
    action,
  });
  if (type === "PAYMENT.CAPTURE.COMPLETED") {
    const parsed = captureSchema.safeParse(resource);
    if (!parsed.success) return none("malformed");
    const capture = parsed.data;
    const tenantId = await tenantOfCapture(db, config, capture.id, capture.custom_id);
    if (!tenantId) return none("unknown_tenant", capture.id);
    const credit = captureCredit(env, capture);
    if (!credit) return none("not_credited", capture.id, tenantId);
    return { tenantId, objectId: capture.id, amountMicros: credit.amountMicros, credits: [credit.credit], action: "credited" };
  }
  if (type === "PAYMENT.CAPTURE.REFUNDED" || type === "PAYMENT.CAPTURE.REVERSED") {
    const parsed = refundSchema.safeParse(resource);
    if (!parsed.success || !parsed.data.amount) return none("malformed");
    const refund = parsed.data;
    const amount = refund.amount!;
    const captureId = captureIdOf(refund.links);
    const tenantId = captureId
      ? await tenantOfCapture(db, config, captureId, refund.custom_id)
      : refund.custom_id && (await tenantExists(db, refund.custom_id))
        ? refund.custom_id
        : null;
    if (!tenantId) return none("unknown_tenant", captureId ?? refund.id);
    const micros = decimalToMicros(amount.value);
    if (micros === null || amount.currency_code.toLowerCase() !== topupConfig(env).currency) return none("not_debited", captureId ?? refund.id, tenantId);
    const reversal = type === "PAYMENT.CAPTURE.REVERSED";
    const amountMicros = -Math.abs(micros);
    return {
      tenantId,
      objectId: captureId ?? refund.id,
      amountMicros,
      credits: [
        {
          idempotencyKey: `paypal:${reversal ? "reversal" : "refund"}:${refund.id}`,
          kind: reversal ? "dispute" : "refund",
          amountMicros,
          reason: `PayPal ${reversal ? "reversal" : "refund"} ${refund.id}${captureId ? ` of capture ${captureId}` : ""}`,
        },
      ],
      action: "debited",
    };
  }
  return none("ignored");
}

export const paypalPayments = new ApiRouter("payments")
  .endpoint(
    "post",
    "/orders",
    {
      summary: "Create a PayPal order for a top-up; send the buyer to approve_url, then capture it.",
      description:
        "Answers 503 not_configured when this server has no PayPal credentials. An Idempotency-Key header makes a retried request return the same order.",
      access: "billing:write",
      body: amountBody,
      status: 201,
      response: orderView,
    },
    async (c, { body }) => {
      const config = requirePaypal(c.env);
      const { currency } = checkTopupAmount(c.env, body.amount_micros);
      const tenantId = c.var.user.tenantId;
      const origin = siteOrigin(c.req.url);
      const clientKey = c.req.header("idempotency-key")?.trim().slice(0, 100);
      try {
        const order = await createOrder(config, {
          tenantId,
          amountValue: microsToDecimal(body.amount_micros),
          currency,
          requestId: clientKey ? `order-${tenantId}-${clientKey}` : newId("ord"),
          returnUrl: `${origin}/billing?paypal=success`,
          cancelUrl: `${origin}/billing?paypal=cancel`,
        });
        const approve = order.links?.find((l) => l.rel === "payer-action" || l.rel === "approve")?.href ?? null;
        return c.json({ id: order.id, status: order.status, approve_url: approve, amount_micros: body.amount_micros, currency }, 201);
      } catch (error) {
        throw paypalFailure(error);
      }
    },
  )
  .endpoint(
    "post",
    "/orders/:id/capture",
    {
      summary: "Capture an approved PayPal order and credit it (once, whatever the webhook does).",
      access: "billing:write",
      response: captureView,
    },
    async (c) => {
      const config = requirePaypal(c.env);
      const orderId = c.req.param("id") ?? "";
      if (!ORDER_ID.test(orderId)) throw new AppError("not_found", "No such PayPal order.", { code: "order_not_found" });
      const tenantId = c.var.user.tenantId;
      const db = getDb(c.env.DB);
      let order: PaypalOrder;
      try {
        const before = await getOrder(config, orderId);
        // Another tenant's order is not this tenant's to capture.
        if (!(before.purchase_units ?? []).some((u) => u.custom_id === tenantId))
          throw new AppError("not_found", "No such PayPal order.", { code: "order_not_found" });
        order = before.status === "COMPLETED" ? before : await captureOrder(config, orderId);
      } catch (error) {
        throw paypalFailure(error);
      }
      const captures = [];
      let balance: number | null = null;
      for (const capture of capturesOf(order)) {
        const credit = captureCredit(c.env, capture);
        if (credit) {
          await recordPaymentEvent(db, {
            tenantId,
            processor: "paypal",
            eventId: `capture:${capture.id}`,
            eventType: "CAPTURE.COMPLETED",
            objectId: capture.id,
            amountMicros: credit.amountMicros,
            payload: JSON.stringify(capture),
          });
          balance = (await applyCredit(c.env, tenantId, credit.credit)).balanceMicros;
        }
        captures.push({
          id: capture.id,
          status: capture.status,
          amount_micros: capture.amount ? decimalToMicros(capture.amount.value) : null,
          credited: credit !== null,
        });
      }
      return c.json({ order_id: order.id, status: order.status, captures, balance_micros: balance });
    },
  )
  .endpoint(
    "post",
    "/webhook",
    {
      summary: "PayPal's webhook: verified by PayPal, then credited or debited exactly once.",
      description:
        "400 invalid_signature (nothing recorded) unless PayPal's verify-webhook-signature answers SUCCESS; 200 for every verified event, known or not.",
      access: "public",
      response: webhookView,
    },
    async (c) => {
      const config = requirePaypal(c.env, true);
      const raw = await c.req.text();
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new AppError("invalid_request", "The request body is not valid JSON.", { code: "invalid_json" });
      }
      let verified: boolean;
      try {
        verified = await verifyWebhook(config, c.req.raw.headers, body);
      } catch (error) {
        throw paypalFailure(error);
      }
      if (!verified) throw new AppError("invalid_request", "The PayPal webhook signature does not verify.", { code: "invalid_signature" });
      const event = webhookEvent.safeParse(body);
      if (!event.success) throw new AppError("invalid_request", "Not a PayPal webhook event.", { code: "invalid_event" });
      const db = getDb(c.env.DB);
      let plan: Plan;
      try {
        plan = await planFor(c.env, db, config, event.data.event_type, event.data.resource);
      } catch (error) {
        throw paypalFailure(error);
      }
      const fresh = await recordPaymentEvent(db, {
        tenantId: plan.tenantId,
        processor: "paypal",
        eventId: event.data.id,
        eventType: event.data.event_type,
        objectId: plan.objectId,
        amountMicros: plan.amountMicros,
        payload: raw,
      });
      for (const credit of plan.credits) await applyCredit(c.env, plan.tenantId!, credit);
      return c.json({ received: true as const, duplicate: !fresh, action: plan.action });
    },
  );
