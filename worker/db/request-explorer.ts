// The request explorer's reads of request_log: a page of one tenant's calls, newest first, under
// any mix of filters, and one call by id. A page names the (tenant_id, X, created_at) index it
// walks (INDEXED BY), so it reads in the page's order from the cursor on, whatever SQLite guesses.
import { type SQL, and, asc, desc, eq, gt, gte, lt, lte, or, sql } from "drizzle-orm";
import { type AnySQLiteColumn, getTableConfig } from "drizzle-orm/sqlite-core";
import type { Db } from "./client.ts";
import { requestLog } from "./schema.ts";

const r = requestLog;

/** A status, a class of them, or every error (400 and above). */
export type StatusFilter = number | "2xx" | "4xx" | "5xx" | "error";

export interface RequestFilters {
  tenantId: string;
  /** Inclusive, epoch ms. */
  from?: number | undefined;
  /** Exclusive, epoch ms. */
  to?: number | undefined;
  keyId?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  endpoint?: string | undefined;
  status?: StatusFilter | undefined;
  errorType?: string | undefined;
  endUser?: string | undefined;
  minCostMicros?: number | undefined;
  maxCostMicros?: number | undefined;
  minLatencyMs?: number | undefined;
  maxLatencyMs?: number | undefined;
  requestId?: string | undefined;
  traceId?: string | undefined;
}

/** The last row of a page: the next page starts strictly after it in (created_at, id) DESC order. */
export interface RequestCursor {
  createdAt: number;
  id: string;
}

export type RequestRecord = typeof requestLog.$inferSelect;

const LISTED = [
  "id",
  "createdAt",
  "keyId",
  "provider",
  "model",
  "endpoint",
  "status",
  "errorType",
  "stream",
  "latencyMs",
  "ttfbMs",
  "inputTokens",
  "outputTokens",
  "cachedTokens",
  "reasoningTokens",
  "cacheWrite5mTokens",
  "cacheWrite1hTokens",
  "costMicros",
  "estimated",
  "unit",
  "units",
  "endUser",
  "attempts",
  "traceId",
] as const;

/**
 * A list row: the log's columns without the detail, and whether bodies were captured. Each is
 * an SQL expression decoded as its column: drizzle refuses plain columns from an `indexed by`
 * source, which it does not know as the table.
 */
const LIST_COLUMNS = {
  ...(Object.fromEntries(LISTED.map((name) => [name, sql`${r[name]}`.mapWith(r[name])])) as { [K in (typeof LISTED)[number]]: SQL<RequestRecord[K]> }),
  hasBodies: sql<boolean>`${r.bodyKey} is not null`.mapWith(Boolean),
};

const optional = <T>(value: T | undefined, condition: (v: T) => SQL | undefined): SQL | undefined => (value === undefined ? undefined : condition(value));

function statusCondition(status: StatusFilter): SQL | undefined {
  if (typeof status === "number") return eq(r.status, status);
  if (status === "error") return gte(r.status, 400);
  const base = Number(status[0]) * 100;
  return and(gte(r.status, base), lt(r.status, base + 100));
}

const INDEXES = getTableConfig(r).indexes;

/** The request_log index on (tenant_id, column, …), by its name in the schema. */
function indexOn(column: AnySQLiteColumn): string {
  const index = INDEXES.find((i) => i.config.columns[0] === r.tenantId && i.config.columns[1] === column);
  if (!index) throw new Error(`request_log has no index on (tenant_id, ${column.name})`);
  return index.config.name;
}

/**
 * The index a page reads. Without statistics SQLite may take the time index over (tenant_id,
 * key_id, created_at) when a time range is given too, and read every row of the range: so the
 * most selective equality names its index. Successes are most of the log, so a 2xx page walks the
 * time index and skips errors; error classes are few, so they read the status index's range
 * (sorting only those rows). A request id is the primary key's lookup; a trace id, its own index.
 */
function pageIndex(f: RequestFilters): AnySQLiteColumn | null {
  if (f.requestId !== undefined) return null;
  // A trace has a handful of calls: its index finds them, and sorting those few costs nothing.
  if (f.traceId !== undefined) return r.traceId;
  if (f.endUser !== undefined) return r.endUser;
  if (f.keyId !== undefined) return r.keyId;
  if (f.model !== undefined) return r.model;
  if (f.status !== undefined && f.status !== "2xx") return r.status;
  return r.createdAt;
}

const source = (f: RequestFilters) => {
  const column = pageIndex(f);
  return column ? sql`${r} indexed by ${sql.identifier(indexOn(column))}` : sql`${r}`;
};

/** After the cursor in (created_at DESC, id DESC): written with a plain upper bound on created_at so the index range applies. */
const afterCursor = (cursor: RequestCursor) => and(lte(r.createdAt, cursor.createdAt), or(lt(r.createdAt, cursor.createdAt), lt(r.id, cursor.id)));

export function conditions(f: RequestFilters): (SQL | undefined)[] {
  return [
    eq(r.tenantId, f.tenantId),
    optional(f.requestId, (v) => eq(r.id, v)),
    optional(f.keyId, (v) => eq(r.keyId, v)),
    optional(f.model, (v) => eq(r.model, v)),
    optional(f.endUser, (v) => eq(r.endUser, v)),
    optional(f.status, statusCondition),
    optional(f.provider, (v) => eq(r.provider, v)),
    optional(f.endpoint, (v) => eq(r.endpoint, v)),
    optional(f.errorType, (v) => eq(r.errorType, v)),
    optional(f.traceId, (v) => eq(r.traceId, v)),
    optional(f.from, (v) => gte(r.createdAt, v)),
    optional(f.to, (v) => lt(r.createdAt, v)),
    optional(f.minCostMicros, (v) => gte(r.costMicros, v)),
    optional(f.maxCostMicros, (v) => lte(r.costMicros, v)),
    optional(f.minLatencyMs, (v) => gte(r.latencyMs, v)),
    optional(f.maxLatencyMs, (v) => lte(r.latencyMs, v)),
  ];
}

/** One page as a query (the test reads its plan through `.toSQL()`): newest first, after `cursor`. */
export function requestPageQuery(db: Db, filters: RequestFilters, cursor: RequestCursor | null, limit: number) {
  return db
    .select(LIST_COLUMNS)
    .from(source(filters))
    .where(and(...conditions(filters), cursor ? afterCursor(cursor) : undefined))
    .orderBy(desc(r.createdAt), desc(r.id))
    .limit(limit);
}

export type RequestListRow = Pick<RequestRecord, (typeof LISTED)[number]> & { hasBodies: boolean };

export async function listRequests(db: Db, filters: RequestFilters, cursor: RequestCursor | null, limit: number): Promise<RequestListRow[]> {
  return requestPageQuery(db, filters, cursor, limit);
}

/** One call of the tenant's; another tenant's id is as unknown as a made-up one. */
export function findRequest(db: Db, tenantId: string, id: string): Promise<RequestRecord | undefined> {
  return db
    .select()
    .from(r)
    .where(and(eq(r.tenantId, tenantId), eq(r.id, id)))
    .get();
}

/** The export's page: every column, oldest first after `cursor`, under the same filters. */
export function exportPage(db: Db, filters: RequestFilters, cursor: RequestCursor | null, limit: number): Promise<RequestRecord[]> {
  const after = cursor ? and(gte(r.createdAt, cursor.createdAt), or(gt(r.createdAt, cursor.createdAt), gt(r.id, cursor.id))) : undefined;
  return db
    .select()
    .from(r)
    .where(and(...conditions(filters), after))
    .orderBy(asc(r.createdAt), asc(r.id))
    .limit(limit);
}
