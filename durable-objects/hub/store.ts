// The hub's own SQLite: the durable truth it flushes from. Four tables:
//  events   one row per request id: the only write an ingest makes. Pending (flushed_at NULL)
//           rows carry the request_log row; once in D1 the payload is dropped and the id stays
//           as a tombstone, so a repeated ingest of the same id is recognised for TOMBSTONE_MS.
//  rollups  per (minute, model, provider, key): absolute sums of the FLUSHED events, the values
//           D1 has. A flush round computes stored + the round's events, writes that to D1 and
//           only then, in one transaction, stores it and marks the round's events flushed. Until
//           then nothing here changes, so a retry recomputes the same absolutes.
//  totals   per (model, provider), cumulative over the flushed events: /api/metrics' counters.
//  end_user_rollups  per (UTC day, end user), like rollups: the flushed absolutes D1 has.
// The pending events' share of rollups and totals is summed in memory (pending.ts).
//
// Hubs written before this layout (meta `layout` absent) counted every event into rollups and
// totals at ingest; migrate() takes the pending events back out once, and rollups such a hub
// had not yet written to D1 (version > flushed_version) are written by the next flush.
import { CLASS_FIELDS, type ClassSums, LATENCY_BUCKETS_MS, type Sums, addSums, emptyClassSums, emptySums, minuteOf } from "../../worker/core/sums.ts";
import { columnName } from "../../worker/db/columns.ts";
import { usageRollups } from "../../worker/db/schema.ts";
import { DAY_MS, type EndUserKey, type EndUserRollup, addEndUser, dayOf, emptyEndUserRollup, sumByEndUser } from "./end-users.ts";
import { type LogEvent, type LogTuple, toTuple } from "./event.ts";
import { type RollupKey, type RollupRecord, type TotalsRecord, rollupKeyOf, sumByRollup, totalsOf } from "./pending.ts";

/** Events older than this are refused: their id may no longer be remembered. */
export const ACCEPT_WINDOW_MS = 2 * 24 * 3600_000;
/** Or this far in the future (a broken clock). */
export const FUTURE_SKEW_MS = 3600_000;
/** Flushed ids and rollups are kept this long, longer than the accept window. */
export const TOMBSTONE_MS = 3 * 24 * 3600_000;

const LAYOUT = "derived";
const LE = LATENCY_BUCKETS_MS.map((b) => `le_${b}`);
/** In CLASS_FIELDS' order, named as in D1. */
const CLASS_COLUMNS = CLASS_FIELDS.map((f) => columnName(usageRollups[f]));
const SUM_COLUMNS = ["requests", "errors", "input_tokens", "output_tokens", "cost_micros", "latency_ms_sum", ...LE, ...CLASS_COLUMNS];
/** What a hub counted before the "derived" layout (and before token classes). */
const BASE_COLUMNS = SUM_COLUMNS.slice(0, SUM_COLUMNS.length - CLASS_COLUMNS.length);
const sumDdl = SUM_COLUMNS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(", ");
const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const KEY_MATCH = "minute = ? AND model = ? AND provider = ? AND key_id = ?";
const ROLLUP_WRITE = `INSERT INTO rollups (minute, model, provider, key_id, ${SUM_COLUMNS.join(", ")}, version, flushed_version)
   VALUES (?, ?, ?, ?, ${placeholders(SUM_COLUMNS.length)}, 1, 1)
   ON CONFLICT (minute, model, provider, key_id) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}, flushed_version = version`;
const END_USER_VALUES = ["requests", "errors", "input_tokens", "output_tokens", "cost_micros", "last_seen_at"];
const END_USER_WRITE = `INSERT INTO end_user_rollups (day, end_user, ${END_USER_VALUES.join(", ")}) VALUES (?, ?, ${placeholders(END_USER_VALUES.length)})
   ON CONFLICT (day, end_user) DO UPDATE SET ${END_USER_VALUES.map((c) => `${c} = excluded.${c}`).join(", ")}`;
const TOTALS_ADD = `INSERT INTO totals (model, provider, ${SUM_COLUMNS.join(", ")}) VALUES (?, ?, ${placeholders(SUM_COLUMNS.length)})
   ON CONFLICT (model, provider) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

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
  `CREATE TABLE IF NOT EXISTS end_user_rollups (
     day INTEGER NOT NULL, end_user TEXT NOT NULL,
     requests INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0, cost_micros INTEGER NOT NULL DEFAULT 0, last_seen_at INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (day, end_user)
   )`,
  "CREATE TABLE IF NOT EXISTS used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
];

export type { RollupRecord, TotalsRecord } from "./pending.ts";

export interface PendingEvent {
  id: string;
  tuple: LogTuple;
}

/** One flush round: its events, their sums per rollup key, and the absolute rollups for D1. */
export interface FlushRound {
  events: PendingEvent[];
  /** The round's events summed per rollup key: what committing the round adds. */
  added: RollupRecord[];
  /** Absolute values: stored + added, and rollups an older hub left unwritten. */
  rollups: RollupRecord[];
  /** Absolute values per (day, end user) the round's events name: stored + the round's. */
  endUsers: EndUserRollup[];
  /** A limit was reached: more may be waiting. */
  full: boolean;
}

export type IngestOutcome =
  | { accepted: true; duplicate: boolean }
  | { accepted: false; reason: "too_old" | "in_the_future" | "invalid" | "wrong_tenant"; message?: string };

type Row = Record<string, SqlStorageValue>;

const num = (v: SqlStorageValue | undefined): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: SqlStorageValue | undefined): string => (typeof v === "string" ? v : String(v ?? ""));

function classFromRow(row: Row): ClassSums {
  const sums = emptyClassSums();
  CLASS_FIELDS.forEach((f, i) => {
    sums[f] = num(row[CLASS_COLUMNS[i]!]);
  });
  return sums;
}

function sumsFromRow(row: Row): Sums {
  return {
    requests: num(row.requests),
    errors: num(row.errors),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    costMicros: num(row.cost_micros),
    ...classFromRow(row),
    latencyMsSum: num(row.latency_ms_sum),
    latencyLe: LE.map((c) => num(row[c])),
  };
}

const endUserFromRow = (r: Row): EndUserRollup => ({
  day: num(r.day),
  endUser: str(r.end_user),
  requests: num(r.requests),
  errors: num(r.errors),
  inputTokens: num(r.input_tokens),
  outputTokens: num(r.output_tokens),
  costMicros: num(r.cost_micros),
  lastSeenAt: num(r.last_seen_at),
});

function* mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Iterable<U> {
  for (const item of items) yield f(item);
}

const rollupFromRow = (r: Row): RollupRecord => ({
  minute: num(r.minute),
  model: str(r.model),
  provider: str(r.provider),
  keyId: str(r.key_id),
  sums: sumsFromRow(r),
});

/** In SUM_COLUMNS' order. */
const sumValues = (s: Sums): number[] => [
  s.requests,
  s.errors,
  s.inputTokens,
  s.outputTokens,
  s.costMicros,
  s.latencyMsSum,
  ...s.latencyLe,
  ...CLASS_FIELDS.map((f) => s[f]),
];

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
    if (this.meta("sum_columns") !== String(SUM_COLUMNS.length)) this.storage.transactionSync(() => this.addSumColumns());
    if (this.meta("layout") !== LAYOUT) this.storage.transactionSync(() => this.adoptLayout());
  }

  /** A hub from before a sum column was added gets it, 0 in every row (nothing was counted in it). */
  private addSumColumns(): void {
    for (const table of ["rollups", "totals"]) {
      const have = new Set(
        this.sql
          .exec<{ name: string }>(`PRAGMA table_info(${table})`)
          .toArray()
          .map((c) => c.name),
      );
      for (const c of SUM_COLUMNS) if (!have.has(c)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`);
    }
    this.setMeta("sum_columns", SUM_COLUMNS.length);
  }

  /** An older hub counted its pending events into rollups and totals at ingest: take them out. */
  private adoptLayout(): void {
    const pending = this.pendingRollups();
    const minus = BASE_COLUMNS.map((c) => `${c} = ${c} - ?`).join(", ");
    const base = (sums: Sums) => sumValues(sums).slice(0, BASE_COLUMNS.length);
    for (const r of pending) this.sql.exec(`UPDATE rollups SET ${minus} WHERE ${KEY_MATCH}`, ...base(r.sums), r.minute, r.model, r.provider, r.keyId);
    for (const t of totalsOf(pending)) this.sql.exec(`UPDATE totals SET ${minus} WHERE model = ? AND provider = ?`, ...base(t.sums), t.model, t.provider);
    this.setMeta("layout", LAYOUT);
  }

  meta(key: string): string | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? row.value : null;
  }

  setMeta(key: string, value: string | number): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, String(value));
  }

  /** Stores the event, one statement; a known id changes nothing. */
  ingest(e: LogEvent, now: number): IngestOutcome {
    if (e.createdAt < now - ACCEPT_WINDOW_MS) return { accepted: false, reason: "too_old" };
    if (e.createdAt > now + FUTURE_SKEW_MS) return { accepted: false, reason: "in_the_future" };
    const inserted = this.sql.exec(
      "INSERT INTO events (id, created_at, payload) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING",
      e.id,
      e.createdAt,
      JSON.stringify(toTuple(e)),
    ).rowsWritten;
    if (inserted === 0) return { accepted: true, duplicate: true };
    if (this.pending !== undefined) this.pending++;
    return { accepted: true, duplicate: false };
  }

  pendingEvents(limit: number): PendingEvent[] {
    return this.sql
      .exec<{ id: string; payload: string }>("SELECT id, payload FROM events WHERE flushed_at IS NULL ORDER BY rowid LIMIT ?", limit)
      .toArray()
      .map((r) => ({ id: r.id, tuple: JSON.parse(r.payload) as LogTuple }));
  }

  /** Every pending event summed per rollup key: the in-memory sums after a restart (streamed: there may be many). */
  pendingRollups(): RollupRecord[] {
    const payloads = this.sql.exec<{ payload: string }>("SELECT payload FROM events WHERE flushed_at IS NULL");
    return sumByRollup(mapIterable(payloads, (r) => JSON.parse(r.payload) as LogTuple));
  }

  /**
   * The next round: up to `eventLimit` pending events and the absolute rollups they lead to.
   * Reads only; nothing changes until commitRound(), so a failed round is recomputed the same.
   */
  nextRound(eventLimit: number, rollupLimit: number): FlushRound | null {
    const events = this.pendingEvents(eventLimit);
    const unwritten = this.unwrittenRollups(rollupLimit);
    if (events.length === 0 && unwritten.length === 0) return null;
    const added = sumByRollup(events.map((e) => e.tuple));
    const rollups = new Map(unwritten.map((r) => [rollupKeyOf(r), r]));
    for (const r of added)
      rollups.set(rollupKeyOf(r), { minute: r.minute, model: r.model, provider: r.provider, keyId: r.keyId, sums: addSums(this.storedSums(r), r.sums) });
    const endUsers = sumByEndUser(events.map((e) => e.tuple)).map((r) => addEndUser(this.storedEndUser(r), r));
    return { events, added, rollups: [...rollups.values()], endUsers, full: events.length === eventLimit || unwritten.length === rollupLimit };
  }

  private storedEndUser(k: EndUserKey): EndUserRollup {
    const row = this.sql.exec<Row>("SELECT * FROM end_user_rollups WHERE day = ? AND end_user = ?", k.day, k.endUser).toArray()[0];
    return row ? endUserFromRow(row) : emptyEndUserRollup(k);
  }

  private storedSums(k: RollupKey): Sums {
    const row = this.sql.exec<Row>(`SELECT * FROM rollups WHERE ${KEY_MATCH}`, k.minute, k.model, k.provider, k.keyId).toArray()[0];
    return row ? sumsFromRow(row) : emptySums();
  }

  /** Rollups an older hub counted but had not written to D1. */
  private unwrittenRollups(limit: number): RollupRecord[] {
    return this.sql.exec<Row>("SELECT * FROM rollups WHERE version > flushed_version ORDER BY minute LIMIT ?", limit).toArray().map(rollupFromRow);
  }

  unwrittenCount(): number {
    return num(this.sql.exec<Row>("SELECT count(*) AS n FROM rollups WHERE version > flushed_version").one().n);
  }

  /** After D1 has the round, in one transaction: its events become tombstones, its absolutes stored. */
  commitRound(round: FlushRound, now: number): void {
    this.pending = undefined;
    const ids = round.events.map((e) => e.id);
    this.storage.transactionSync(() => {
      for (let i = 0; i < ids.length; i += 90) {
        const chunk = ids.slice(i, i + 90);
        this.sql.exec(`UPDATE events SET flushed_at = ?, payload = NULL WHERE id IN (${placeholders(chunk.length)})`, now, ...chunk);
      }
      for (const r of round.rollups) this.sql.exec(ROLLUP_WRITE, r.minute, r.model, r.provider, r.keyId, ...sumValues(r.sums));
      for (const u of round.endUsers)
        this.sql.exec(END_USER_WRITE, u.day, u.endUser, u.requests, u.errors, u.inputTokens, u.outputTokens, u.costMicros, u.lastSeenAt);
      for (const t of totalsOf(round.added)) this.sql.exec(TOTALS_ADD, t.model, t.provider, ...sumValues(t.sums));
    });
  }

  pendingCount(): number {
    this.pending ??= num(this.sql.exec<Row>("SELECT count(*) AS n FROM events WHERE flushed_at IS NULL").one().n);
    return this.pending;
  }

  /**
   * Drops tombstones, written rollups and spent tickets past their time; returns when to prune
   * next. A rollup's stored value is the base its pending events are added to: never dropped
   * while its minute may still have some (a flush failing for longer than the window's slack).
   */
  prune(now: number): number | null {
    const horizon = now - TOMBSTONE_MS;
    const oldestPending = this.sql.exec<Row>("SELECT min(created_at) AS t FROM events WHERE flushed_at IS NULL").one().t;
    const rollupHorizon = oldestPending === null || oldestPending === undefined ? minuteOf(horizon) : Math.min(minuteOf(horizon), minuteOf(num(oldestPending)));
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM events WHERE created_at < ? AND flushed_at IS NOT NULL", horizon);
      this.sql.exec("DELETE FROM rollups WHERE minute < ? AND version = flushed_version", rollupHorizon);
      this.sql.exec("DELETE FROM end_user_rollups WHERE day < ?", dayOf(rollupHorizon));
      this.sql.exec("DELETE FROM used_tickets WHERE expires_at < ?", now);
    });
    const oldest = this.sql
      .exec<Row>(
        `SELECT min(t) AS t FROM (
           SELECT min(created_at) AS t FROM events WHERE flushed_at IS NOT NULL
           UNION ALL SELECT min(minute) FROM rollups
           UNION ALL SELECT min(day) + ? FROM end_user_rollups
           UNION ALL SELECT min(expires_at) - ? FROM used_tickets)`,
        DAY_MS,
        TOMBSTONE_MS,
      )
      .one().t;
    return oldest === null || oldest === undefined ? null : num(oldest) + TOMBSTONE_MS;
  }

  /** The flushed sums of one minute across every model, provider and key. */
  minuteSums(minute: number): Sums {
    const row = this.sql.exec<Row>(`SELECT ${sumsSelect} FROM rollups WHERE minute = ?`, minute).one();
    return row ? sumsFromRow(row) : emptySums();
  }

  /** The flushed totals. */
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
