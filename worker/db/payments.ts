// Payment events (every webhook delivery and capture seen, once) and the tenant lookups the
// payment handlers need. The unique (processor, event_id) makes a replayed event a no-op here;
// the credit itself is made once by the gate's idempotency key.
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { newId } from "../core/ids.ts";
import type { Db } from "./client.ts";
import { paymentEvents, tenants } from "./schema.ts";

export type PaymentEventRow = typeof paymentEvents.$inferSelect;

export interface PaymentEventInput {
  tenantId: string | null;
  processor: "stripe" | "paypal";
  eventId: string;
  eventType: string;
  objectId: string | null;
  amountMicros: number | null;
  payload: string | null;
}

const MAX_PAYLOAD = 32_000;

/** Records the event; false when it was already recorded. */
export async function recordPaymentEvent(db: Db, event: PaymentEventInput): Promise<boolean> {
  const rows = await db
    .insert(paymentEvents)
    .values({ ...event, id: newId("pev"), payload: event.payload?.slice(0, MAX_PAYLOAD), createdAt: Date.now() })
    .onConflictDoNothing()
    .returning({ id: paymentEvents.id });
  return rows.length > 0;
}

export function findPaymentEvent(db: Db, processor: "stripe" | "paypal", eventId: string): Promise<PaymentEventRow | undefined> {
  return db
    .select()
    .from(paymentEvents)
    .where(and(eq(paymentEvents.processor, processor), eq(paymentEvents.eventId, eventId)))
    .get();
}

/** The tenant an earlier event about this object (a capture, a charge) belonged to. */
export async function tenantOfObject(db: Db, processor: "stripe" | "paypal", objectId: string): Promise<string | null> {
  const row = await db
    .select({ tenantId: paymentEvents.tenantId })
    .from(paymentEvents)
    .where(and(eq(paymentEvents.processor, processor), eq(paymentEvents.objectId, objectId), isNotNull(paymentEvents.tenantId)))
    .get();
  return row?.tenantId ?? null;
}

export async function tenantByStripeCustomer(db: Db, customerId: string): Promise<string | null> {
  const row = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.stripeCustomerId, customerId)).get();
  return row?.id ?? null;
}

/** Stores the tenant's Stripe customer unless one is already stored; returns the one that is. */
export async function saveStripeCustomer(db: Db, tenantId: string, customerId: string): Promise<string | null> {
  await db
    .update(tenants)
    .set({ stripeCustomerId: customerId })
    .where(and(eq(tenants.id, tenantId), isNull(tenants.stripeCustomerId)));
  const row = await db.select({ id: tenants.stripeCustomerId }).from(tenants).where(eq(tenants.id, tenantId)).get();
  return row?.id ?? null;
}
