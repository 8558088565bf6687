// Prices a tenant can see: the platform's (tenant_id null) and its own overrides.
import { and, asc, eq, getTableColumns, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { prices, type UnitKind } from "./schema.ts";

/** A price as stored, without the generated `scope` column (which cannot be written). */
export type PriceRecord = Omit<typeof prices.$inferSelect, "scope">;

/** The column that prices each unit (images may also be priced per size and quality: image_prices). */
export const UNIT_PRICE_COLUMN = {
  image: "perImageMicros",
  audio_second: "perAudioSecondMicros",
  character: "perMCharMicros",
  request: "perRequestMicros",
  search_unit: "perSearchUnitMicros",
} as const satisfies Record<UnitKind, keyof PriceRecord>;

/** A token-only price: every per-unit column empty, the batch discount at its default. */
export const NO_UNIT_PRICES = {
  perImageMicros: null,
  imagePrices: null,
  perAudioSecondMicros: null,
  perMCharMicros: null,
  perRequestMicros: null,
  perSearchUnitMicros: null,
  batchDiscountBps: null,
} as const satisfies Partial<PriceRecord>;

/** The price columns that set `micros` per `kind`. */
export const unitPriceColumn = (kind: UnitKind, micros: number): Partial<PriceRecord> => ({ [UNIT_PRICE_COLUMN[kind]]: micros });

const { scope: _scope, ...columns } = getTableColumns(prices);

const ownedBy = (tenantId: string | null): SQL => (tenantId === null ? isNull(prices.tenantId) : eq(prices.tenantId, tenantId));

export async function listPrices(db: Db, owners: (string | null)[]): Promise<PriceRecord[]> {
  return db
    .select(columns)
    .from(prices)
    .where(or(...owners.map(ownedBy)))
    .orderBy(asc(prices.model), asc(prices.id));
}

export async function findVisiblePrice(db: Db, tenantId: string, id: string): Promise<PriceRecord | undefined> {
  return db
    .select(columns)
    .from(prices)
    .where(and(eq(prices.id, id), or(ownedBy(null), ownedBy(tenantId))))
    .get();
}

export async function priceExists(db: Db, tenantId: string | null, model: string): Promise<boolean> {
  return (
    (await db
      .select({ id: prices.id })
      .from(prices)
      .where(and(ownedBy(tenantId), eq(prices.model, model)))
      .get()) !== undefined
  );
}

/** One price per model: the tenant's override where there is one, else the platform's. */
export function effectivePrices(rows: PriceRecord[]): PriceRecord[] {
  const byModel = new Map<string, PriceRecord>();
  for (const row of rows) {
    if (!byModel.has(row.model) || row.tenantId !== null) byModel.set(row.model, row);
  }
  return [...byModel.values()];
}
