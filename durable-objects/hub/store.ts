// The hub's own SQLite: the durable truth it flushes from. Three tables:
//  events   one row per request id. Pending (flushed_at NULL) rows carry the request_log row;
//           once in D1 the payload is dropped and the id stays as a tombstone, so a repeated
//           ingest of the same id is recognised for TOMBSTONE_MS.
//  rollups  per (minute, model, provider, key): absolute sums. `version` counts changes and
//           `flushed_version` is the version D1 has; the flush upserts absolute values, so
//           writing the same version twice changes nothing.
//  totals   per (model, provider), cumulative since the hub began: /api/metrics' counters.
import { type LogEvent, type LogTuple, toTuple } from "./event.ts";
import { LATENCY_BUCKETS_MS, type Sums, emptySums, isError, latencyIncrements, minuteOf } from "./sums.ts";

/** Events older than this are refused: their id may no longer be remembered. */
export const ACCEPT_WINDOW_MS = 2 * 24 * 3600_000;
/** Or this far in the future (a broken clock). */
export const FUTURE_SKEW_MS = 3600_000;
/** Flushed ids and rollups are kept this long, longer than the accept window. */
export const TOMBSTONE_MS = 3 * 24 * 3600_000;

const LE = LATENCY_BUCKETS_MS.map((b) => `le_${b}`);
const SUM_COLUMNS = ["requests", "errors", "input_tokens", "output_tokens", "cost_micros", "latency_ms_sum", ...LE];
const sumDdl = SUM_COLUMNS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(", ");
const addExcluded = SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");
const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");
/** errors, tokens, cost, latency and its buckets: the values an event adds to its sums. */
const ADDED_VALUES = SUM_COLUMNS.length - 1;
const ROLLUP_UPSERT = `INSERT INTO rollups (minute, model, provider, key_id, ${SUM_COLUMNS.join(", ")}) VALUES (?, ?, ?, ?, 1, ${placeholders(ADDED_VALUES)})
   ON CONFLICT (minute, model, provider, key_id) DO UPDATE SET ${addExcluded}, version = version + 1`;
const TOTALS_UPSERT = `INSERT INTO totals (model, provider, ${SUM_COLUMNS.join(", ")}) VALUES (?, ?, 1, ${placeholders(ADDED_VALUES)})
   ON CONFLICT (model, provider) DO UPDATE SET ${addExcluded}`;

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS events (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     payload TEXT,
     flushed_at INTEGER
   )`,
  "CREATE INDEX IF NOT EXISTS events_flushed ON events (flushed_at)",
  "CREATE INDEX IF NOT EXISTS events_created ON events (created_at)",
  `CREATE TABLE IF NOT EXISTS rollups (
     minute INTEGER NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, key_id TEXT NOT NULL,
     ${sumDdl},
     version INTEGER NOT NULL DEFAULT 1,
     flushed_version INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (minute, model, provider, key_id)
   )`,
  "CREATE INDEX IF NOT EXISTS rollups_dirty ON rollups (minute) WHERE version > flushed_version",
  `CREATE TABLE IF NOT EXISTS totals (
     model TEXT NOT NULL, provider TEXT NOT NULL,
     ${sumDdl},
     PRIMARY KEY (model, provider)
   )`,
  "CREATE TABLE IF NOT EXISTS used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
];

export interface RollupRecord {
  minute: number;
  model: string;
  provider: string;
  keyId: string;
  sums: Sums;
  version: number;
}

export interface TotalsRecord {
  model: string;
  provider: string;
  sums: Sums;
}

export interface PendingEvent {
  id: string;
  tuple: LogTuple;
}

export type IngestOutcome =
  | { accepted: true; duplicate: boolean }
  | { accepted: false; reason: "too_old" | "in_the_future" | "invalid" | "wrong_tenant"; message?: string };

type Row = Record<string, SqlStorageValue>;

const num = (v: SqlStorageValue | undefined): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: SqlStorageValue | undefined): string => (typeof v === "string" ? v : String(v ?? ""));

function sumsFromRow(row: Row): Sums {
  return {
    requests: num(row.requests),
    errors: num(row.errors),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    costMicros: num(row.cost_micros),
    latencyMsSum: num(row.latency_ms_sum),
    latencyLe: LE.map((c) => num(row[c])),
  };
}

const sumsSelect = SUM_COLUMNS.map((c) => `coalesce(sum(${c}), 0) AS ${c}`).join(", ");

export class HubStore {
  private readonly storage: DurableObjectStorage;
  /** Events not yet in D1, counted once and then kept up to date (ingest asks on every event). */
  private pending: number | undefined = undefined;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  migrate(): void {
    for (const ddl of SCHEMA) this.sql.exec(ddl);
  }

  meta(key: string): string | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? row.value : null;
  }

  setMeta(key: string, value: string | number): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, String(value));
  }

  /**
   * The event, its rollup and its totals in one transaction: either all three are durable or
   * none is. A known id changes nothing.
   */
  ingest(e: LogEvent, now: number): IngestOutcome {
    if (e.createdAt < now - ACCEPT_WINDOW_MS) return { accepted: false, reason: "too_old" };
    if (e.createdAt > now + FUTURE_SKEW_MS) return { accepted: false, reason: "in_the_future" };
    const outcome = this.insertEvent(e);
    if (outcome.accepted && !outcome.duplicate && this.pending !== undefined) this.pending++;
    return outcome;
  }

  private insertEvent(e: LogEvent): IngestOutcome {
    return this.storage.transactionSync(() => {
      const inserted = this.sql.exec(
        "INSERT INTO events (id, created_at, payload) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING",
        e.id,
        e.createdAt,
        JSON.stringify(toTuple(e)),
      ).rowsWritten;
      if (inserted === 0) return { accepted: true, duplicate: true };
      const model = e.model ?? "";
      const provider = e.provider ?? "";
      const values = [isError(e.status) ? 1 : 0, e.inputTokens, e.outputTokens, e.costMicros, e.latencyMs, ...latencyIncrements(e.latencyMs)];
      this.sql.exec(
        ROLLUP_UPSERT,
        minuteOf(e.createdAt),
        model,
        provider,
        e.keyId ?? "",
        ...values,
      );
      this.sql.exec(
        TOTALS_UPSERT,
        model,
        provider,
        ...values,
      );
      return { accepted: true, duplicate: false };
    });
  }

  pendingEvents(limit: number): PendingEvent[] {
    return this.sql
      .exec<{ id: string; payload: string }>("SELECT id, payload FROM events WHERE flushed_at IS NULL ORDER BY rowid LIMIT ?", limit)
      .toArray()
      .map((r) => ({ id: r.id, tuple: JSON.parse(r.payload) as LogTuple }));
  }

  dirtyRollups(limit: number): RollupRecord[] {
    return this.sql
      .exec<Row>("SELECT * FROM rollups WHERE version > flushed_version ORDER BY minute LIMIT ?", limit)
      .toArray()
      .map((r) => ({ minute: num(r.minute), model: str(r.model), provider: str(r.provider), keyId: str(r.key_id), sums: sumsFromRow(r), version: num(r.version) }));
  }

  /** After D1 has them: the events become tombstones, the rollups clean at the version written. */
  markFlushed(eventIds: readonly string[], rollups: readonly RollupRecord[], now: number): void {
    this.pending = undefined;
    this.storage.transactionSync(() => {
      for (let i = 0; i < eventIds.length; i += 90) {
        const chunk = eventIds.slice(i, i + 90);
        this.sql.exec(`UPDATE events SET flushed_at = ?, payload = NULL WHERE id IN (${placeholders(chunk.length)})`, now, ...chunk);
      }
      for (const r of rollups) {
        this.sql.exec(
          "UPDATE rollups SET flushed_version = max(flushed_version, ?) WHERE minute = ? AND model = ? AND provider = ? AND key_id = ?",
          r.version,
          r.minute,
          r.model,
          r.provider,
          r.keyId,
        );
      }
    });
  }

  pendingCount(): number {
    this.pending ??= num(this.sql.exec<Row>("SELECT count(*) AS n FROM events WHERE flushed_at IS NULL").one().n);
    return this.pending;
  }

  dirtyCount(): number {
    return num(this.sql.exec<Row>("SELECT count(*) AS n FROM rollups WHERE version > flushed_version").one().n);
  }

  /** Drops tombstones, clean rollups and spent tickets past their time; returns when to prune next. */
  prune(now: number): number | null {
    const horizon = now - TOMBSTONE_MS;
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM events WHERE created_at < ? AND flushed_at IS NOT NULL", horizon);
      this.sql.exec("DELETE FROM rollups WHERE minute < ? AND version = flushed_version", minuteOf(horizon));
      this.sql.exec("DELETE FROM used_tickets WHERE expires_at < ?", now);
    });
    const oldest = this.sql
      .exec<Row>(
        `SELECT min(t) AS t FROM (
           SELECT min(created_at) AS t FROM events WHERE flushed_at IS NOT NULL
           UNION ALL SELECT min(minute) FROM rollups
           UNION ALL SELECT min(expires_at) - ? FROM used_tickets)`,
        TOMBSTONE_MS,
      )
      .one().t;
    return oldest === null || oldest === undefined ? null : num(oldest) + TOMBSTONE_MS;
  }

  /** The sums of one minute across every model, provider and key. */
  minuteSums(minute: number): Sums {
    const row = this.sql.exec<Row>(`SELECT ${sumsSelect} FROM rollups WHERE minute = ?`, minute).one();
    return row ? sumsFromRow(row) : emptySums();
  }

  totals(): TotalsRecord[] {
    return this.sql
      .exec<Row>("SELECT * FROM totals ORDER BY model, provider")
      .toArray()
      .map((r) => ({ model: str(r.model), provider: str(r.provider), sums: sumsFromRow(r) }));
  }

  /** Records a live ticket's id; false if it was used before. */
  useTicket(id: string, expiresAt: number): boolean {
    return this.sql.exec("INSERT INTO used_tickets (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", id, expiresAt).rowsWritten > 0;
  }
}
