// Where the hub's events and rollups go: D1's request_log and usage_rollups, in one D1 batch
// (one transaction) per flush round.
//
// D1 binds at most 100 parameters per statement, and request_log has 20 columns: a classic
// multi-row VALUES list would carry 5 rows per statement. Instead each statement binds ONE
// parameter, a JSON array of row tuples, and expands it with json_each(): still a single
// parameterized statement, but hundreds of rows each. Chunks are capped by rows and bytes
// (D1 allows values up to 2 MB).
//
// Exactly once: request_log rows are inserted ON CONFLICT(id) DO NOTHING, and rollups are
// upserted with absolute values (the hub's stored rollup + the round's events), which the hub
// stores only after D1 committed; so replaying a flush that D1 already committed (the hub
// crashed or lost the answer before it marked the round) rewrites the same values.
import { getTableName } from "drizzle-orm";
import { columnName } from "../../worker/db/columns.ts";
import { requestLog, usageRollups } from "../../worker/db/schema.ts";
import { LOG_COLUMNS, type LogTuple } from "./event.ts";
import type { RollupRecord } from "./pending.ts";
import { LATENCY_BUCKETS_MS } from "../../worker/core/sums.ts";

export interface FlushBatch {
  tenantId: string;
  events: LogTuple[];
  rollups: RollupRecord[];
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
].map(columnName);
const ROLLUP_COLUMNS = [...ROLLUP_KEY_COLUMNS, ...ROLLUP_VALUE_COLUMNS];

const extract = (columns: readonly string[]) => columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
// Events stored before a column was added carry no value for it: its default, not NULL.
const extractLog = LOG_COLUMNS.map((column, i) =>
  column === columnName(requestLog.uncollectedMicros) ? `coalesce(json_extract(value, '$[${i}]'), 0)` : `json_extract(value, '$[${i}]')`,
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

export function rollupTuple(r: RollupRecord): (string | number)[] {
  const s = r.sums;
  return [r.minute, r.model, r.provider, r.keyId, s.requests, s.errors, s.inputTokens, s.outputTokens, s.costMicros, s.latencyMsSum, ...s.latencyLe];
}

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
