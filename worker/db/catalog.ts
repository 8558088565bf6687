// What a tenant can call: enabled providers visible to it (platform-wide and its own), its
// route aliases, the prices that apply (its override first, then the platform price) and
// the markup on them.
import { env } from "cloudflare:workers";
import { and, eq, isNull, or } from "drizzle-orm";
import { log } from "../core/logger.ts";
import type { Db } from "./client.ts";
import { prices, providers, routes, tenants } from "./schema.ts";

export type ProviderRow = typeof providers.$inferSelect;
export type RouteRow = typeof routes.$inferSelect;
export type StoredPrice = typeof prices.$inferSelect;
/** A price as a call is billed: the stored price plus the markup on top (basis points; absent: none). */
export type PriceRow = StoredPrice & { markupBps?: number };

/** The prices that apply to a tenant, by who may set them (keys: `provider/model` or a bare upstream model). */
export interface PriceTables {
  /** The operator's list prices (tenant_id null). */
  platform: Map<string, StoredPrice>;
  /** Tenant rows the operator set: negotiated prices, for the platform's providers too. */
  negotiated: Map<string, StoredPrice>;
  /** Tenant rows the tenant set: they price only its own (bring-your-own-key) providers. */
  own: Map<string, StoredPrice>;
}

export interface Catalog {
  providers: ProviderRow[];
  /** alias → the tenant's route. */
  routes: Map<string, RouteRow>;
  prices: PriceTables;
  /** Basis points added to every price: the tenant's own markup, else the platform's. */
  markupBps: number;
  /** How many TenantGate shards admit this tenant's calls. */
  gateShards: number;
  /** What captured bodies go through before storage, and the tenant's own trace collector. */
  observability: TenantObservability;
}

export interface TenantObservability {
  redaction: TenantRow["redaction"];
  otlpEndpoint: string | null;
  otlpHeadersEncrypted: string | null;
}

type TenantRow = typeof tenants.$inferSelect;

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
  const visible = (tenantColumn: typeof providers.tenantId | typeof prices.tenantId) => or(isNull(tenantColumn), eq(tenantColumn, tenantId));
  const [providerRows, routeRows, priceRows, tenantRows] = await db.batch([
    db
      .select()
      .from(providers)
      .where(and(eq(providers.enabled, true), visible(providers.tenantId))),
    db.select().from(routes).where(eq(routes.tenantId, tenantId)),
    db.select().from(prices).where(visible(prices.tenantId)),
    db
      .select({
        markupBps: tenants.markupBps,
        gateShards: tenants.gateShards,
        redaction: tenants.redaction,
        otlpEndpoint: tenants.otlpEndpoint,
        otlpHeadersEncrypted: tenants.otlpHeadersEncrypted,
      })
      .from(tenants)
      .where(eq(tenants.id, tenantId)),
  ]);
  const markupBps = tenantRows[0]?.markupBps ?? platformMarkupBps((env as { PRICE_MARKUP_BPS?: string }).PRICE_MARKUP_BPS);
  return {
    providers: providerRows,
    routes: new Map(routeRows.map((r) => [r.alias, r])),
    prices: priceTables(priceRows),
    markupBps,
    gateShards: tenantRows[0]?.gateShards ?? 1,
    observability: {
      redaction: tenantRows[0]?.redaction ?? null,
      otlpEndpoint: tenantRows[0]?.otlpEndpoint ?? null,
      otlpHeadersEncrypted: tenantRows[0]?.otlpHeadersEncrypted ?? null,
    },
  };
}

export function priceTables(rows: StoredPrice[]): PriceTables {
  const tables: PriceTables = { platform: new Map(), negotiated: new Map(), own: new Map() };
  for (const row of rows) {
    const table = row.tenantId === null ? tables.platform : row.operatorSet ? tables.negotiated : tables.own;
    table.set(row.model, row);
  }
  return tables;
}

/**
 * The price of `<provider>/<model>`: the provider-qualified price first, then the bare
 * upstream model's (one table entry for `gpt-4o` serves every provider that offers it). On a
 * platform provider (the operator's keys) only the operator's prices count: a negotiated
 * price, else the list price. A tenant's own prices apply to its own providers only.
 */
export function priceFor(catalog: Catalog, provider: Pick<ProviderRow, "name" | "tenantId">, upstreamModel: string): PriceRow | undefined {
  const { platform, negotiated, own } = catalog.prices;
  const tenantSide = provider.tenantId === null ? negotiated : own;
  if (provider.tenantId === null) warnIgnoredOverride(own, provider.name, upstreamModel);
  const lookup = (model: string) => tenantSide.get(model) ?? platform.get(model);
  const price = lookup(`${provider.name}/${upstreamModel}`) ?? lookup(upstreamModel);
  return price && { ...price, markupBps: catalog.markupBps };
}

/** The operator's keys are never a free ride: a platform model without a price cannot be called (model_not_priced). */
export const isCallable = (provider: Pick<ProviderRow, "tenantId">, price: PriceRow | undefined): boolean => price !== undefined || provider.tenantId !== null;

const warned = new Set<string>();

/** A tenant's own price for a platform model (allowed before this rule) is ignored, with a warning once per isolate. */
function warnIgnoredOverride(own: Map<string, StoredPrice>, providerName: string, upstreamModel: string): void {
  const row = own.get(`${providerName}/${upstreamModel}`) ?? own.get(upstreamModel);
  if (!row || warned.has(row.id)) return;
  if (warned.size > 10_000) warned.clear();
  warned.add(row.id);
  log("warn", "a tenant's own price for a platform model is ignored: only the operator prices platform models", {
    priceId: row.id,
    tenantId: row.tenantId,
    model: row.model,
  });
}
