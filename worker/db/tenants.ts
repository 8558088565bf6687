import { eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { tenants } from "./schema.ts";

export type TenantRow = typeof tenants.$inferSelect;

export async function findTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}

/** How many gates the tenant's limits and credit are split over; undefined for no such tenant. */
export async function findGateShards(db: Db, id: string): Promise<number | undefined> {
  const row = await db.select({ gateShards: tenants.gateShards }).from(tenants).where(eq(tenants.id, id)).get();
  return row?.gateShards;
}

export async function tenantExists(db: Db, tenantId: string): Promise<boolean> {
  return (await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).get()) !== undefined;
}
