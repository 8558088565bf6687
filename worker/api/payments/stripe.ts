// /api/payments/stripe: Checkout for top-ups, and the webhook that credits them.
//
// The webhook is verified over the raw body (Stripe-Signature, 5 minute tolerance) before
// anything is recorded. Every verified event is recorded in payment_events once; credits and
// debits go through the tenant's gate with keys that make each happen once, whatever the
// number, order or concurrency of deliveries. A Checkout Session is credited only if this app
// created it (the signed marker in its metadata, services/stripe.ts: ourCheckout) for the
// amount it was created for; any other session is acknowledged, logged and credits nothing:
//   checkout.session.completed / async_payment_succeeded (paid)  +amount   stripe:session:<cs>
//   charge.refunded                                  −each refund          stripe:refund:<re>
//   charge.dispute.created                           −disputed amount      stripe:dispute:<dp>
//   charge.dispute.funds_reinstated                  +reinstated amount    stripe:dispute:<dp>:reinstated
import * as z from "zod";
import type { CreditRequest } from "../../../durable-objects/gate/types.ts";
import { AppError } from "../../core/errors.ts";
import { log } from "../../core/logger.ts";
import { getDb, type Db } from "../../db/client.ts";
import { recordPaymentEvent, saveStripeCustomer, tenantByStripeCustomer } from "../../db/payments.ts";
import { findTenant, tenantExists } from "../../db/tenants.ts";
import type { Env } from "../../env.ts";
import {
  checkoutMarker,
  createCheckoutSession,
  createCustomer,
  isStripeError,
  listRefunds,
  ourCheckout,
  retrieveCharge,
  type Stripe,
  type StripeConfig,
  verifyStripeEvent,
} from "../../services/stripe.ts";
import { ApiRouter } from "../router.ts";
import { applyCredit, siteOrigin } from "./credit.ts";
import { checkTopupAmount, microsToMinor, minorToMicros, requireStripe, topupConfig } from "./config.ts";

const amountBody = z.strictObject({
  amount_micros: z.int().positive().max(Number.MAX_SAFE_INTEGER).describe("Micro-dollars: a whole number of cents within the configured limits"),
});

const checkoutView = z.object({
  id: z.string(),
  url: z.string().nullable(),
  amount_micros: z.int(),
  currency: z.string(),
  expires_at: z.string().nullable(),
});

const webhookView = z.object({ received: z.literal(true), duplicate: z.boolean(), action: z.string() });

function stripeFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  log("warn", "stripe call failed", { error: message });
  if (isStripeError(error) && error.type === "StripeIdempotencyError") {
    return new AppError("conflict", "This Idempotency-Key was already used for a different request.", { code: "idempotency_key_reused" });
  }
  if (isStripeError(error) && error.statusCode !== undefined && error.statusCode < 500 && error.statusCode !== 429) {
    return new AppError("upstream", `Stripe refused the request: ${message}`, { code: "stripe_error" });
  }
  return new AppError("upstream", "Stripe is unavailable; retry shortly.", { code: "stripe_unavailable" });
}

async function customerFor(db: Db, config: StripeConfig, tenantId: string): Promise<string> {
  const tenant = await findTenant(db, tenantId);
  if (!tenant) throw new AppError("not_found", "The tenant no longer exists.", { code: "tenant_not_found" });
  if (tenant.stripeCustomerId) return tenant.stripeCustomerId;
  const created = await createCustomer(config, tenant);
  return (await saveStripeCustomer(db, tenantId, created)) ?? created;
}

const idOf = (value: string | { id: string } | null | undefined): string | null => (value == null ? null : typeof value === "string" ? value : value.id);

/** Whose charge this is: the metadata Checkout put on it, else the tenant's Stripe customer. */
async function tenantOfCharge(db: Db, charge: Stripe.Charge): Promise<string | null> {
  const fromMetadata = charge.metadata?.tenant_id;
  if (fromMetadata && (await tenantExists(db, fromMetadata))) return fromMetadata;
  const customer = idOf(charge.customer);
  return customer ? tenantByStripeCustomer(db, customer) : null;
}

/** Verified events that could have moved money but did not: acknowledged, and logged for the operator. */
const NOT_APPLIED = new Set(["not_ours", "unknown_tenant", "wrong_currency", "amount_mismatch"]);

interface Plan {
  tenantId: string | null;
  objectId: string | null;
  amountMicros: number | null;
  credits: CreditRequest[];
  action: string;
}

/** What a verified event means for the ledger; Stripe is asked only where the event is not enough. */
async function planFor(env: Env, db: Db, config: StripeConfig, event: Stripe.Event): Promise<Plan> {
  const currency = topupConfig(env).currency;
  const none = (action: string, objectId: string | null = null, tenantId: string | null = null): Plan => ({
    tenantId,
    objectId,
    amountMicros: null,
    credits: [],
    action,
  });
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      const session = event.data.object;
      // Only sessions this app created (the signed marker in their metadata) are credited.
      const ours = await ourCheckout(env.SECRETS_KEY, session);
      if (!ours) return none("not_ours", session.id);
      const tenantId = (await tenantExists(db, ours.tenantId)) ? ours.tenantId : null;
      if (session.payment_status !== "paid") return none("not_paid", session.id, tenantId);
      if (!tenantId) return none("unknown_tenant", session.id);
      if (session.currency?.toLowerCase() !== currency || session.amount_total === null) return none("wrong_currency", session.id, tenantId);
      const amountMicros = minorToMicros(session.amount_total);
      if (amountMicros !== ours.amountMicros) return none("amount_mismatch", session.id, tenantId);
      return {
        tenantId,
        objectId: session.id,
        amountMicros,
        credits: [{ idempotencyKey: `stripe:session:${session.id}`, kind: "topup", amountMicros, reason: `Stripe Checkout ${session.id}` }],
        action: "credited",
      };
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const tenantId = await tenantOfCharge(db, charge);
      if (!tenantId) return none("unknown_tenant", charge.id);
      if (charge.currency.toLowerCase() !== currency) return none("wrong_currency", charge.id, tenantId);
      const listed = charge.refunds && !charge.refunds.has_more ? charge.refunds.data : await listRefunds(config, charge.id);
      const refunds = listed.filter((r) => r.status === "succeeded" || r.status === "pending");
      return {
        tenantId,
        objectId: charge.id,
        amountMicros: -minorToMicros(charge.amount_refunded),
        credits: refunds.map((r) => ({
          idempotencyKey: `stripe:refund:${r.id}`,
          kind: "refund",
          amountMicros: -minorToMicros(r.amount),
          reason: `Stripe refund ${r.id} of ${charge.id}`,
        })),
        action: "debited",
      };
    }
    case "charge.dispute.created":
    case "charge.dispute.funds_reinstated": {
      const dispute = event.data.object;
      const chargeId = idOf(dispute.charge);
      const charge = typeof dispute.charge === "object" ? dispute.charge : chargeId ? await retrieveCharge(config, chargeId) : null;
      const tenantId = charge ? await tenantOfCharge(db, charge) : null;
      if (!tenantId) return none("unknown_tenant", dispute.id);
      if (dispute.currency.toLowerCase() !== currency) return none("wrong_currency", dispute.id, tenantId);
      const created = event.type === "charge.dispute.created";
      const amountMicros = (created ? -1 : 1) * minorToMicros(dispute.amount);
      return {
        tenantId,
        objectId: dispute.id,
        amountMicros,
        credits: [
          {
            idempotencyKey: created ? `stripe:dispute:${dispute.id}` : `stripe:dispute:${dispute.id}:reinstated`,
            kind: "dispute",
            amountMicros,
            reason: created ? `Stripe dispute ${dispute.id} on ${chargeId}` : `Stripe dispute ${dispute.id} funds reinstated`,
          },
        ],
        action: created ? "debited" : "credited",
      };
    }
    default:
      return none("ignored");
  }
}

export const stripePayments = new ApiRouter("payments")
  .endpoint(
    "post",
    "/checkout",
    {
      summary: "Start a Stripe Checkout for a top-up; send the user to the returned url.",
      description: "Answers 503 not_configured when this server has no Stripe keys. An Idempotency-Key header makes a retried request return the same session.",
      access: "billing:write",
      body: amountBody,
      status: 201,
      response: checkoutView,
    },
    async (c, { body }) => {
      const config = requireStripe(c.env);
      const { currency } = checkTopupAmount(c.env, body.amount_micros);
      const tenantId = c.var.user.tenantId;
      const db = getDb(c.env.DB);
      const origin = siteOrigin(c.req.url);
      const clientKey = c.req.header("idempotency-key")?.trim().slice(0, 200);
      try {
        const customerId = await customerFor(db, config, tenantId);
        const session = await createCheckoutSession(config, {
          tenantId,
          customerId,
          marker: await checkoutMarker(c.env.SECRETS_KEY, tenantId, body.amount_micros),
          amountMicros: body.amount_micros,
          amountMinor: microsToMinor(body.amount_micros),
          currency,
          successUrl: `${origin}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
          cancelUrl: `${origin}/billing?checkout=cancel`,
          ...(clientKey ? { idempotencyKey: `checkout:${tenantId}:${clientKey}` } : {}),
        });
        return c.json(
          {
            id: session.id,
            url: session.url,
            amount_micros: body.amount_micros,
            currency,
            expires_at: session.expires_at ? new Date(session.expires_at * 1000).toISOString() : null,
          },
          201,
        );
      } catch (error) {
        throw stripeFailure(error);
      }
    },
  )
  .endpoint(
    "post",
    "/webhook",
    {
      summary: "Stripe's webhook: verified over the raw body, then credited or debited exactly once.",
      description: "400 invalid_signature (nothing recorded) for a missing, forged or stale Stripe-Signature; 200 for every verified event, known or not.",
      access: "public",
      response: webhookView,
    },
    async (c) => {
      const config = requireStripe(c.env);
      const raw = await c.req.text();
      const signature = c.req.header("stripe-signature");
      if (!signature) throw new AppError("invalid_request", "Missing Stripe-Signature header.", { code: "invalid_signature" });
      let event: Stripe.Event;
      try {
        event = await verifyStripeEvent(config, raw, signature);
      } catch {
        throw new AppError("invalid_request", "The Stripe signature does not verify.", { code: "invalid_signature" });
      }
      const db = getDb(c.env.DB);
      let plan: Plan;
      try {
        plan = await planFor(c.env, db, config, event);
      } catch (error) {
        throw stripeFailure(error); // not recorded: Stripe retries, and the retry is planned again
      }
      const fresh = await recordPaymentEvent(db, {
        tenantId: plan.tenantId,
        processor: "stripe",
        eventId: event.id,
        eventType: event.type,
        objectId: plan.objectId,
        amountMicros: plan.amountMicros,
        payload: raw,
      });
      // Applied even for a repeated event: if an earlier delivery was recorded but its credit
      // failed, this one completes it; the gate's key keeps it to once.
      for (const credit of plan.credits) await applyCredit(c.env, plan.tenantId!, credit);
      if (NOT_APPLIED.has(plan.action))
        log("warn", "stripe event not applied", { eventId: event.id, type: event.type, action: plan.action, objectId: plan.objectId });
      return c.json({ received: true as const, duplicate: !fresh, action: plan.action });
    },
  );
