// What a tenant can call: enabled providers visible to it (platform-wide and its own), its
// route aliases, the prices that apply (its override first, then the platform price) and
// the markup on them.
import { env } from "cloudflare:workers";
import { and, eq, isNull, or } from "drizzle-orm";
import { log } from "../core/logger.ts";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { prices, providers, routes, tenants } from "./schema.ts";

export type ProviderRow = typeof providers.$inferSelect;
export type RouteRow = typeof routes.$inferSelect;
export type StoredPrice = typeof prices.$inferSelect;
/** A price as a call is billed: the stored price plus the markup on top (basis points; absent: none). */
export type PriceRow = StoredPrice & { markupBps?: number };

export interface Catalog {
  providers: ProviderRow[];
  /** alias → the tenant's route. */
  routes: Map<string, RouteRow>;
  /** model (`provider/model` or a bare upstream model) → price; a tenant override replaces the platform price. */
  prices: Map<string, StoredPrice>;
  /** Basis points added to every price: the tenant's own markup, else the platform's. */
  markupBps: number;
  /** How many TenantGate shards admit this tenant's calls. */
  gateShards: number;
}

export const MAX_MARKUP_BPS = 100_000;

/** PRICE_MARKUP_BPS as a number; a malformed value is logged and counts as no markup. */
export function platformMarkupBps(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 0;
  const bps = Number(value);
  if (Number.isSafeInteger(bps) && bps >= 0 && bps <= MAX_MARKUP_BPS) return bps;
  log("warn", "PRICE_MARKUP_BPS is not an integer from 0 to 100000; no markup applied", { value: value.slice(0, 32) });
  return 0;
}

export async function loadCatalog(db: Db, tenantId: string): Promise<Catalog> {
  const visible = (tenantColumn: typeof providers.tenantId | typeof prices.tenantId) =>
    or(isNull(tenantColumn), eq(tenantColumn, tenantId));
  const [providerRows, routeRows, priceRows, tenantRows] = await db.batch([
    db.select().from(providers).where(and(eq(providers.enabled, true), visible(providers.tenantId))),
    db.select().from(routes).where(eq(routes.tenantId, tenantId)),
    db.select().from(prices).where(visible(prices.tenantId)),
    db.select({ markupBps: tenants.markupBps, gateShards: tenants.gateShards }).from(tenants).where(eq(tenants.id, tenantId)),
  ]);
  const priceMap = new Map<string, StoredPrice>();
  for (const row of priceRows) {
    if (!priceMap.has(row.model) || row.tenantId !== null) priceMap.set(row.model, row);
  }
  const markupBps = tenantRows[0]?.markupBps ?? platformMarkupBps((env as Partial<Env>).PRICE_MARKUP_BPS);
  return { providers: providerRows, routes: new Map(routeRows.map((r) => [r.alias, r])), prices: priceMap, markupBps, gateShards: tenantRows[0]?.gateShards ?? 1 };
}

/**
 * The price of `<provider>/<model>`: the provider-qualified price first, then the bare
 * upstream model's (one table entry for `gpt-4o` serves every provider that offers it).
 */
export function priceFor(catalog: Catalog, providerName: string, upstreamModel: string): PriceRow | undefined {
  const price = catalog.prices.get(`${providerName}/${upstreamModel}`) ?? catalog.prices.get(upstreamModel);
  return price && { ...price, markupBps: catalog.markupBps };
}
