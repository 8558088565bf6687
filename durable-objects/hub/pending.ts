// The sums of the events not yet flushed, by rollup key and by totals key, kept in memory.
// Rollups and totals in SQLite hold only flushed events; live views and /api/metrics add these
// sums on top. Rebuilt from the pending events in SQLite when the object starts, added to by
// every accepted ingest, and reduced by exactly the round a flush has marked.
import { CLASS_FIELDS, type Contribution, type Sums, addContribution, addSums, emptySums, minuteOf } from "../../worker/core/sums.ts";
import { LOG_COLUMNS, type LogTuple } from "./event.ts";

export interface RollupKey {
  minute: number;
  model: string;
  provider: string;
  keyId: string;
}

export interface RollupRecord extends RollupKey {
  sums: Sums;
}

export interface TotalsRecord {
  model: string;
  provider: string;
  sums: Sums;
}

/** Unambiguous whatever the labels contain. */
export const rollupKeyOf = (k: RollupKey): string => JSON.stringify([k.minute, k.model, k.provider, k.keyId]);
const totalsKeyOf = (model: string, provider: string): string => JSON.stringify([model, provider]);

const at = (column: (typeof LOG_COLUMNS)[number]): number => LOG_COLUMNS.indexOf(column);
const [MODEL, PROVIDER, KEY, STATUS, LATENCY, INPUT, OUTPUT, COST, CREATED] = (
  ["model", "provider", "key_id", "status", "latency_ms", "input_tokens", "output_tokens", "cost_micros", "created_at"] as const
).map(at) as [number, number, number, number, number, number, number, number, number];

const [CACHED, WRITE_5M, WRITE_1H, REASONING, INPUT_COST, CACHED_COST, WRITE_COST, OUTPUT_COST, REASONING_COST, SAVED, UNITS_COST] = (
  [
    "cached_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "input_cost_micros",
    "cached_input_cost_micros",
    "cache_write_cost_micros",
    "output_cost_micros",
    "reasoning_cost_micros",
    "cache_saved_micros",
    "units_cost_micros",
  ] as const
).map(at) as [number, number, number, number, number, number, number, number, number, number, number];

export const label = (v: string | number | null | undefined): string => (v === null || v === undefined ? "" : String(v));
/** A slot an older (shorter) tuple lacks reads as 0, the column's default. */
export const count = (v: string | number | null | undefined): number => Number(v ?? 0);

/** An event's rollup key and what it adds, from its request_log tuple. */
export function tupleRollup(t: LogTuple): { key: RollupKey; contribution: Contribution } {
  return {
    key: { minute: minuteOf(count(t[CREATED])), model: label(t[MODEL]), provider: label(t[PROVIDER]), keyId: label(t[KEY]) },
    contribution: {
      status: count(t[STATUS]),
      inputTokens: count(t[INPUT]),
      outputTokens: count(t[OUTPUT]),
      costMicros: count(t[COST]),
      latencyMs: count(t[LATENCY]),
      cachedTokens: count(t[CACHED]),
      cacheWrite5mTokens: count(t[WRITE_5M]),
      cacheWrite1hTokens: count(t[WRITE_1H]),
      reasoningTokens: count(t[REASONING]),
      inputCostMicros: count(t[INPUT_COST]),
      cachedInputCostMicros: count(t[CACHED_COST]),
      cacheWriteCostMicros: count(t[WRITE_COST]),
      outputCostMicros: count(t[OUTPUT_COST]),
      reasoningCostMicros: count(t[REASONING_COST]),
      cacheSavedMicros: count(t[SAVED]),
      unitsCostMicros: count(t[UNITS_COST]),
    },
  };
}

/** Events summed per rollup key. */
export function sumByRollup(tuples: Iterable<LogTuple>): RollupRecord[] {
  const byKey = new Map<string, RollupRecord>();
  for (const t of tuples) {
    const { key, contribution } = tupleRollup(t);
    const id = rollupKeyOf(key);
    let record = byKey.get(id);
    if (!record) byKey.set(id, (record = { ...key, sums: emptySums() }));
    addContribution(record.sums, contribution);
  }
  return [...byKey.values()];
}

/** Rollup sums folded into totals per (model, provider). */
export function totalsOf(rollups: readonly RollupRecord[]): TotalsRecord[] {
  const byKey = new Map<string, TotalsRecord>();
  for (const r of rollups) {
    const id = totalsKeyOf(r.model, r.provider);
    let record = byKey.get(id);
    if (!record) byKey.set(id, (record = { model: r.model, provider: r.provider, sums: emptySums() }));
    addSums(record.sums, r.sums);
  }
  return [...byKey.values()];
}

function subtractSums(a: Sums, b: Sums): void {
  a.requests -= b.requests;
  a.errors -= b.errors;
  a.inputTokens -= b.inputTokens;
  a.outputTokens -= b.outputTokens;
  a.costMicros -= b.costMicros;
  for (const f of CLASS_FIELDS) a[f] -= b[f];
  a.latencyMsSum -= b.latencyMsSum;
  for (let i = 0; i < a.latencyLe.length; i++) a.latencyLe[i] = (a.latencyLe[i] ?? 0) - (b.latencyLe[i] ?? 0);
}

export class PendingSums {
  private readonly rollups = new Map<string, RollupRecord>();
  private readonly totals = new Map<string, TotalsRecord>();

  constructor(rollups: readonly RollupRecord[] = []) {
    for (const r of rollups) this.addSums(r, r.sums);
  }

  /** Rollup keys with pending events: what the next flushes will write. */
  get size(): number {
    return this.rollups.size;
  }

  add(key: RollupKey, contribution: Contribution): void {
    addContribution(this.rollupOf(key).sums, contribution);
    addContribution(this.totalsOf(key.model, key.provider).sums, contribution);
  }

  /** Takes out a flushed round: its sums are in SQLite now. */
  subtract(round: readonly RollupRecord[]): void {
    for (const r of round) {
      this.drop(this.rollups, rollupKeyOf(r), r.sums);
      this.drop(this.totals, totalsKeyOf(r.model, r.provider), r.sums);
    }
  }

  /** One minute's pending sums across every model, provider and key. */
  minute(minute: number): Sums {
    const sums = emptySums();
    for (const r of this.rollups.values()) if (r.minute === minute) addSums(sums, r.sums);
    return sums;
  }

  totalsList(): TotalsRecord[] {
    return [...this.totals.values()];
  }

  private addSums(key: RollupKey, sums: Sums): void {
    addSums(this.rollupOf(key).sums, sums);
    addSums(this.totalsOf(key.model, key.provider).sums, sums);
  }

  private rollupOf(key: RollupKey): RollupRecord {
    const id = rollupKeyOf(key);
    let record = this.rollups.get(id);
    if (!record) this.rollups.set(id, (record = { minute: key.minute, model: key.model, provider: key.provider, keyId: key.keyId, sums: emptySums() }));
    return record;
  }

  private totalsOf(model: string, provider: string): TotalsRecord {
    const id = totalsKeyOf(model, provider);
    let record = this.totals.get(id);
    if (!record) this.totals.set(id, (record = { model, provider, sums: emptySums() }));
    return record;
  }

  private drop<T extends { sums: Sums }>(map: Map<string, T>, id: string, sums: Sums): void {
    const record = map.get(id);
    if (!record) return;
    subtractSums(record.sums, sums);
    if (record.sums.requests <= 0) map.delete(id);
  }
}

/** Stored (flushed) totals plus the pending ones, per (model, provider), in that order. */
export function mergeTotals(stored: readonly TotalsRecord[], pending: readonly TotalsRecord[]): TotalsRecord[] {
  const byKey = new Map<string, TotalsRecord>();
  for (const t of [...stored, ...pending]) {
    const id = totalsKeyOf(t.model, t.provider);
    const record = byKey.get(id);
    if (record) addSums(record.sums, t.sums);
    else byKey.set(id, { model: t.model, provider: t.provider, sums: addSums(emptySums(), t.sums) });
  }
  return [...byKey.values()].sort((a, b) => (a.model === b.model ? cmp(a.provider, b.provider) : cmp(a.model, b.model)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
