// What a tenant can call: enabled providers visible to it (platform-wide and its own) and the
// prices that apply (its override first, then the platform price).
import { and, eq, isNull, or } from "drizzle-orm";
import type { Db } from "./client.ts";
import { prices, providers } from "./schema.ts";

export type ProviderRow = typeof providers.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;

export interface Catalog {
  providers: ProviderRow[];
  /** model (`provider/model`) → price; a tenant override replaces the platform price. */
  prices: Map<string, PriceRow>;
}

export async function loadCatalog(db: Db, tenantId: string): Promise<Catalog> {
  const visible = (tenantColumn: typeof providers.tenantId | typeof prices.tenantId) =>
    or(isNull(tenantColumn), eq(tenantColumn, tenantId));
  const [providerRows, priceRows] = await db.batch([
    db.select().from(providers).where(and(eq(providers.enabled, true), visible(providers.tenantId))),
    db.select().from(prices).where(visible(prices.tenantId)),
  ]);
  const priceMap = new Map<string, PriceRow>();
  for (const row of priceRows) {
    if (!priceMap.has(row.model) || row.tenantId !== null) priceMap.set(row.model, row);
  }
  return { providers: providerRows, prices: priceMap };
}
