// Where the hub's events and rollups go: D1's request_log, usage_rollups and end_user_rollups,
// in one D1 batch (one transaction) per flush round.
//
// D1 binds at most 100 parameters per statement, and request_log has 29 columns: a classic
// multi-row VALUES list would carry 3 rows per statement. Instead each statement binds ONE
// parameter, a JSON array of row tuples, and expands it with json_each(): still a single
// parameterized statement, but hundreds of rows each. Chunks are capped by rows and bytes
// (D1 allows values up to 2 MB).
//
// Exactly once: request_log rows are inserted ON CONFLICT(id) DO NOTHING, and rollups (per
// minute, and per day and end user) are upserted with absolute values (the hub's stored rollup
// + the round's events), which the hub stores only after D1 committed; so replaying a flush
// that D1 already committed (the hub crashed or lost the answer before it marked the round)
// rewrites the same values.
import { getTableName } from "drizzle-orm";
import { columnName } from "../../worker/db/columns.ts";
import { endUserRollups, requestLog, usageRollups } from "../../worker/db/schema.ts";
import type { EndUserRollup } from "./end-users.ts";
import { LOG_COLUMNS, type LogTuple } from "./event.ts";
import type { RollupRecord } from "./pending.ts";
import { CLASS_FIELDS, LATENCY_BUCKETS_MS } from "../../worker/core/sums.ts";

export interface FlushBatch {
  tenantId: string;
  events: LogTuple[];
  rollups: RollupRecord[];
  endUsers: EndUserRollup[];
}

/** The flush's destination; tests wrap it to fail before or after D1 commits. */
export interface HubSink {
  write(batch: FlushBatch): Promise<void>;
}

export const MAX_ROWS_PER_STATEMENT = 500;
export const MAX_BYTES_PER_STATEMENT = 512 * 1024;

/** A rollup's key within its tenant: with tenant_id, usage_rollups' primary key. */
const ROLLUP_KEY_COLUMNS = [usageRollups.minute, usageRollups.model, usageRollups.provider, usageRollups.keyId].map(columnName);
/** In rollupTuple's order; the histogram's columns follow LATENCY_BUCKETS_MS. */
const ROLLUP_VALUE_COLUMNS = [
  usageRollups.requests,
  usageRollups.errors,
  usageRollups.inputTokens,
  usageRollups.outputTokens,
  usageRollups.costMicros,
  usageRollups.latencyMsSum,
  ...LATENCY_BUCKETS_MS.map((bound) => usageRollups[`latencyLe${bound}` as const]),
  ...CLASS_FIELDS.map((f) => usageRollups[f]),
].map(columnName);
const ROLLUP_COLUMNS = [...ROLLUP_KEY_COLUMNS, ...ROLLUP_VALUE_COLUMNS];

const extract = (columns: readonly string[]) => columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
// Events stored before a column was added carry no value for it: its default, not NULL.
const ADDED_COUNTS: ReadonlySet<string> = new Set(
  [
    requestLog.uncollectedMicros,
    requestLog.cacheWrite5mTokens,
    requestLog.cacheWrite1hTokens,
    requestLog.inputCostMicros,
    requestLog.cachedInputCostMicros,
    requestLog.cacheWriteCostMicros,
    requestLog.outputCostMicros,
    requestLog.reasoningCostMicros,
    requestLog.cacheSavedMicros,
    requestLog.units,
    requestLog.unitsCostMicros,
  ].map(columnName),
);
const extractLog = LOG_COLUMNS.map((column, i) =>
  ADDED_COUNTS.has(column) ? `coalesce(json_extract(value, '$[${i}]'), 0)` : `json_extract(value, '$[${i}]')`,
).join(", ");

// Built from the schema's names, never from input; the rows are the bound JSON.
const INSERT_LOG = `INSERT INTO ${getTableName(requestLog)} (${LOG_COLUMNS.join(", ")})
  SELECT ${extractLog} FROM json_each(?1) WHERE true
  ON CONFLICT(${columnName(requestLog.id)}) DO NOTHING`;

const tenantColumn = columnName(usageRollups.tenantId);
const UPSERT_ROLLUPS = `INSERT INTO ${getTableName(usageRollups)} (${tenantColumn}, ${ROLLUP_COLUMNS.join(", ")})
  SELECT ?1, ${extract(ROLLUP_COLUMNS)} FROM json_each(?2) WHERE true
  ON CONFLICT(${[tenantColumn, ...ROLLUP_KEY_COLUMNS].join(", ")}) DO UPDATE SET
  ${ROLLUP_VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}`;

const u = endUserRollups;
const END_USER_KEY_COLUMNS = [u.day, u.endUser].map(columnName);
/** In endUserTuple's order. */
const END_USER_VALUE_COLUMNS = [u.requests, u.errors, u.inputTokens, u.outputTokens, u.costMicros, u.lastSeenAt].map(columnName);
const END_USER_COLUMNS = [...END_USER_KEY_COLUMNS, ...END_USER_VALUE_COLUMNS];
const endUserTenant = columnName(u.tenantId);
const UPSERT_END_USERS = `INSERT INTO ${getTableName(u)} (${endUserTenant}, ${END_USER_COLUMNS.join(", ")})
  SELECT ?1, ${extract(END_USER_COLUMNS)} FROM json_each(?2) WHERE true
  ON CONFLICT(${[endUserTenant, ...END_USER_KEY_COLUMNS].join(", ")}) DO UPDATE SET
  ${END_USER_VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}`;

export function rollupTuple(r: RollupRecord): (string | number)[] {
  const s = r.sums;
  return [
    r.minute,
    r.model,
    r.provider,
    r.keyId,
    s.requests,
    s.errors,
    s.inputTokens,
    s.outputTokens,
    s.costMicros,
    s.latencyMsSum,
    ...s.latencyLe,
    ...CLASS_FIELDS.map((f) => s[f]),
  ];
}

export const endUserTuple = (r: EndUserRollup): (string | number)[] => [
  r.day,
  r.endUser,
  r.requests,
  r.errors,
  r.inputTokens,
  r.outputTokens,
  r.costMicros,
  r.lastSeenAt,
];

/** Splits rows into JSON arrays of at most `maxRows` rows and about `maxBytes` bytes each. */
export function jsonChunks(rows: readonly unknown[], maxRows = MAX_ROWS_PER_STATEMENT, maxBytes = MAX_BYTES_PER_STATEMENT): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (parts.length > 0 && (parts.length >= maxRows || bytes + text.length + 1 > maxBytes)) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(text);
    bytes += text.length + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}

export function flushStatements(db: D1Database, batch: FlushBatch): D1PreparedStatement[] {
  return [
    ...jsonChunks(batch.events).map((json) => db.prepare(INSERT_LOG).bind(json)),
    ...jsonChunks(batch.rollups.map(rollupTuple)).map((json) => db.prepare(UPSERT_ROLLUPS).bind(batch.tenantId, json)),
    ...jsonChunks(batch.endUsers.map(endUserTuple)).map((json) => db.prepare(UPSERT_END_USERS).bind(batch.tenantId, json)),
  ];
}

export function d1Sink(db: D1Database): HubSink {
  return {
    async write(batch) {
      const statements = flushStatements(db, batch);
      if (statements.length > 0) await db.batch(statements);
    },
  };
}
