// Analytics queries. Time series, totals, top models and spend read usage_rollups (never the
// raw log) through its (tenant_id, minute) index; top end users read end_user_rollups through
// its (tenant_id, day, end_user) key; errors by type and the export read
// request_log bounded by time through its (tenant_id, status, created_at) and
// (tenant_id, created_at) indexes.
import { and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { LATENCY_BUCKETS_MS, type Sums, classSumsOf, emptySums } from "../core/sums.ts";
import type { Db } from "./client.ts";
import { endUserRollups, requestLog, tenants, usageRollups } from "./schema.ts";

export type GroupBy = "model" | "provider" | "key";

export interface Range {
  tenantId: string;
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

const r = usageRollups;

/** The histogram columns in LATENCY_BUCKETS_MS order. */
const LE_COLUMNS = [
  r.latencyLe50,
  r.latencyLe100,
  r.latencyLe250,
  r.latencyLe500,
  r.latencyLe1000,
  r.latencyLe2500,
  r.latencyLe5000,
  r.latencyLe10000,
  r.latencyLe30000,
];
if (LE_COLUMNS.length !== LATENCY_BUCKETS_MS.length) throw new Error("usage_rollups histogram columns and LATENCY_BUCKETS_MS disagree");

const total = (column: AnySQLiteColumn) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

const SUMS = {
  requests: total(r.requests),
  errors: total(r.errors),
  inputTokens: total(r.inputTokens),
  outputTokens: total(r.outputTokens),
  costMicros: total(r.costMicros),
  cachedTokens: total(r.cachedTokens),
  cacheWriteTokens: total(r.cacheWriteTokens),
  reasoningTokens: total(r.reasoningTokens),
  inputCostMicros: total(r.inputCostMicros),
  cachedInputCostMicros: total(r.cachedInputCostMicros),
  cacheWriteCostMicros: total(r.cacheWriteCostMicros),
  outputCostMicros: total(r.outputCostMicros),
  reasoningCostMicros: total(r.reasoningCostMicros),
  cacheSavedMicros: total(r.cacheSavedMicros),
  unitsCostMicros: total(r.unitsCostMicros),
  latencyMsSum: total(r.latencyMsSum),
  le0: total(r.latencyLe50),
  le1: total(r.latencyLe100),
  le2: total(r.latencyLe250),
  le3: total(r.latencyLe500),
  le4: total(r.latencyLe1000),
  le5: total(r.latencyLe2500),
  le6: total(r.latencyLe5000),
  le7: total(r.latencyLe10000),
  le8: total(r.latencyLe30000),
};

type SumsRow = { [K in keyof typeof SUMS]: number };

export function toSums(row: SumsRow): Sums {
  return {
    requests: row.requests,
    errors: row.errors,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    costMicros: row.costMicros,
    ...classSumsOf(row),
    latencyMsSum: row.latencyMsSum,
    latencyLe: [row.le0, row.le1, row.le2, row.le3, row.le4, row.le5, row.le6, row.le7, row.le8],
  };
}

const inRange = (q: Range) => and(eq(r.tenantId, q.tenantId), gte(r.minute, q.from), lt(r.minute, q.to));

const GROUP_COLUMN = { model: r.model, provider: r.provider, key: r.keyId } as const;

export interface SeriesPoint {
  bucket: number;
  group: string | null;
  sums: Sums;
}

/** Sums per time bucket (UTC-aligned multiples of `intervalMs`), optionally per group. */
export async function rollupSeries(db: Db, q: Range, intervalMs: number, groupBy: GroupBy | null): Promise<SeriesPoint[]> {
  const bucket = sql<number>`(${r.minute} - (${r.minute} % ${intervalMs}))`.mapWith(Number).as("bucket");
  if (groupBy === null) {
    const rows = await db
      .select({ bucket, ...SUMS })
      .from(r)
      .where(inRange(q))
      .groupBy(sql`bucket`)
      .orderBy(sql`bucket`);
    return rows.map((row) => ({ bucket: row.bucket, group: null, sums: toSums(row) }));
  }
  const group = sql<string>`${GROUP_COLUMN[groupBy]}`.as("grp");
  const rows = await db
    .select({ bucket, group, ...SUMS })
    .from(r)
    .where(inRange(q))
    .groupBy(sql`bucket`, sql`grp`)
    .orderBy(sql`bucket`, sql`grp`);
  return rows.map((row) => ({ bucket: row.bucket, group: row.group, sums: toSums(row) }));
}

export async function rollupTotals(db: Db, q: Range): Promise<Sums> {
  const row = await db.select(SUMS).from(r).where(inRange(q)).get();
  return row ? toSums(row) : emptySums();
}

export interface GroupTotals {
  group: string;
  sums: Sums;
}

/** The largest groups by requests over the range. */
export async function topGroups(db: Db, q: Range, groupBy: GroupBy, limit: number): Promise<GroupTotals[]> {
  const group = sql<string>`${GROUP_COLUMN[groupBy]}`.as("grp");
  const rows = await db
    .select({ group, ...SUMS })
    .from(r)
    .where(inRange(q))
    .groupBy(sql`grp`)
    .orderBy(desc(sql`requests`), sql`grp`)
    .limit(limit);
  return rows.map((row) => ({ group: row.group, sums: toSums(row) }));
}

export interface EndUserTotals {
  endUser: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  lastSeenAt: number;
}

/** The end users who spent most over whole UTC days: `q.from` a day start, `q.to` exclusive. */
export async function topEndUsers(db: Db, q: Range, limit: number): Promise<EndUserTotals[]> {
  const u = endUserRollups;
  const cost = total(u.costMicros).as("cost");
  const requests = total(u.requests).as("n");
  return db
    .select({
      endUser: u.endUser,
      requests,
      errors: total(u.errors),
      inputTokens: total(u.inputTokens),
      outputTokens: total(u.outputTokens),
      costMicros: cost,
      lastSeenAt: sql<number>`max(${u.lastSeenAt})`.mapWith(Number),
    })
    .from(u)
    .where(and(eq(u.tenantId, q.tenantId), gte(u.day, q.from), lt(u.day, q.to)))
    .groupBy(u.endUser)
    .orderBy(desc(sql`cost`), desc(sql`n`), asc(u.endUser))
    .limit(limit);
}

export interface ErrorCount {
  errorType: string | null;
  status: number;
  count: number;
}

/** Errors by type and status from request_log: status ≥ 400, bounded by the range. */
export async function errorsByType(db: Db, q: Range, limit = 50): Promise<ErrorCount[]> {
  const n = sql<number>`count(*)`.mapWith(Number).as("n");
  return db
    .select({ errorType: requestLog.errorType, status: requestLog.status, count: n })
    .from(requestLog)
    .where(and(eq(requestLog.tenantId, q.tenantId), gte(requestLog.status, 400), gte(requestLog.createdAt, q.from), lt(requestLog.createdAt, q.to)))
    .groupBy(requestLog.errorType, requestLog.status)
    .orderBy(desc(sql`n`), asc(requestLog.status))
    .limit(limit);
}

export async function tenantBudget(db: Db, tenantId: string): Promise<number | null | undefined> {
  const row = await db.select({ budget: tenants.monthlyBudgetMicros }).from(tenants).where(eq(tenants.id, tenantId)).get();
  return row?.budget;
}

export async function listTenantIds(db: Db): Promise<string[]> {
  return (await db.select({ id: tenants.id }).from(tenants).orderBy(asc(tenants.id))).map((t) => t.id);
}
