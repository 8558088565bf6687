// The hub's flush statements take request_log's, usage_rollups' and end_user_rollups' names from
// the schema: every column is written, each from the field it belongs to, and what D1 stores
// reads back as sent.
import { env } from "cloudflare:workers";
import { type Column, and, eq, getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CLASS_FIELDS, LATENCY_BUCKETS_MS } from "../../worker/core/sums.ts";
import { getDb } from "../../worker/db/client.ts";
import { endUserRollups, requestLog, usageRollups } from "../../worker/db/schema.ts";
import type { EndUserRollup } from "./end-users.ts";
import { LOG_COLUMNS, type LogEvent, type LogTuple, parseEvent, toTuple } from "./event.ts";
import { d1Sink, flushStatements } from "./flush.ts";
import type { RollupRecord } from "./pending.ts";

const uniq = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

/** Every field set, and no two numbers alike, so a column written from the wrong field shows. */
function distinctEvent(tenantId: string): LogEvent {
  return parseEvent({
    id: uniq("req"),
    tenantId,
    keyId: "key_flush",
    provider: "demo",
    model: "demo/echo",
    endpoint: "/v1/chat/completions",
    status: 201,
    errorType: "none_really",
    stream: true,
    latencyMs: 1234,
    ttfbMs: 56,
    inputTokens: 11,
    outputTokens: 22,
    cachedTokens: 3,
    cacheWrite5mTokens: 5,
    cacheWrite1hTokens: 6,
    reasoningTokens: 4,
    endUser: "user-flush",
    costMicros: 777,
    inputCostMicros: 101,
    cachedInputCostMicros: 102,
    cacheWriteCostMicros: 103,
    outputCostMicros: 104,
    reasoningCostMicros: 105,
    cacheSavedMicros: 106,
    uncollectedMicros: 88,
    estimated: true,
    attempts: ["demo/echo=ok"],
    createdAt: 1_700_000_000_123,
  });
}

function distinctRollup(base: number): RollupRecord {
  return {
    minute: 1_700_000_040_000,
    model: "demo/echo",
    provider: "demo",
    keyId: "key_flush",
    sums: {
      requests: base + 1,
      errors: base + 2,
      inputTokens: base + 3,
      outputTokens: base + 4,
      costMicros: base + 5,
      latencyMsSum: base + 6,
      latencyLe: LATENCY_BUCKETS_MS.map((_, i) => base + 10 + i),
      ...Object.fromEntries(CLASS_FIELDS.map((f, i) => [f, base + 30 + i])),
    } as RollupRecord["sums"],
  };
}

function distinctEndUser(base: number): EndUserRollup {
  return {
    day: 1_699_920_000_000,
    endUser: "user-flush",
    requests: base + 1,
    errors: base + 2,
    inputTokens: base + 3,
    outputTokens: base + 4,
    costMicros: base + 5,
    lastSeenAt: base + 6,
  };
}

/** The SQL of the statements a batch makes. */
function statementsOf(batch: { events?: LogTuple[]; rollups?: RollupRecord[]; endUsers?: EndUserRollup[] }): string[] {
  const seen: string[] = [];
  const recorder = { prepare: (sql: string) => (seen.push(sql), { bind: () => ({}) }) } as unknown as D1Database;
  flushStatements(recorder, { tenantId: "ten_flush", events: [], rollups: [], endUsers: [], ...batch });
  return seen;
}

const insertList = (statement: string | undefined) => (/\(([^)]*)\)/.exec(statement ?? "")?.[1]?.split(", ") ?? []).sort();
const columnsOf = (table: typeof usageRollups | typeof endUserRollups) =>
  Object.values(getTableColumns(table))
    .map((c) => c.name)
    .sort();

function rollupRow(tenantId: string, r: RollupRecord) {
  const histogram = Object.fromEntries(LATENCY_BUCKETS_MS.map((bound, i) => [`latencyLe${bound}`, r.sums.latencyLe[i]]));
  const { latencyLe: _, ...sums } = r.sums;
  return { tenantId, minute: r.minute, model: r.model, provider: r.provider, keyId: r.keyId, ...sums, ...histogram };
}

describe("hub flush SQL", () => {
  it("lists every request_log column once, each in the tuple slot of its own field", () => {
    const event = distinctEvent("ten_flush");
    const tuple = toTuple(event);
    const columns = Object.entries(getTableColumns(requestLog));
    expect([...LOG_COLUMNS].sort()).toEqual(columns.map(([, column]) => column.name).sort());
    const stored = (column: Column, value: unknown) => (value === null ? null : column.mapToDriverValue(value));
    for (const [field, column] of columns) {
      const slot = LOG_COLUMNS.indexOf(column.name as (typeof LOG_COLUMNS)[number]);
      expect(tuple[slot], column.name).toEqual(stored(column, event[field as keyof LogEvent]));
    }
  });

  it("upserts every usage_rollups and end_user_rollups column", () => {
    expect(insertList(statementsOf({ rollups: [distinctRollup(0)] })[0])).toEqual(columnsOf(usageRollups));
    expect(insertList(statementsOf({ endUsers: [distinctEndUser(0)] })[0])).toEqual(columnsOf(endUserRollups));
  });

  it("writes an event stored before the new columns with their defaults", async () => {
    const tenantId = uniq("ten_flush");
    const event = distinctEvent(tenantId);
    const old = toTuple(event).slice(0, LOG_COLUMNS.indexOf("uncollected_micros"));
    await d1Sink(env.DB).write({ tenantId, events: [old], rollups: [], endUsers: [] });
    const row = await getDb(env.DB).select().from(requestLog).where(eq(requestLog.id, event.id)).get();
    expect(row).toMatchObject({
      id: event.id,
      costMicros: 777,
      uncollectedMicros: 0,
      endUser: null,
      cacheWrite5mTokens: 0,
      cacheSavedMicros: 0,
      inputCostMicros: 0,
    });
  });

  it("stores an event and the rollups in D1 as sent, and rollups written again take the new values", async () => {
    const tenantId = uniq("ten_flush");
    const event = distinctEvent(tenantId);
    const sink = d1Sink(env.DB);
    await sink.write({ tenantId, events: [toTuple(event)], rollups: [distinctRollup(0)], endUsers: [distinctEndUser(0)] });
    const db = getDb(env.DB);
    expect(await db.select().from(requestLog).where(eq(requestLog.id, event.id)).get()).toEqual(event);

    const readRollup = () =>
      db
        .select()
        .from(usageRollups)
        .where(and(eq(usageRollups.tenantId, tenantId), eq(usageRollups.keyId, "key_flush")))
        .all();
    const readEndUser = () => db.select().from(endUserRollups).where(eq(endUserRollups.tenantId, tenantId)).all();
    expect(await readRollup()).toEqual([rollupRow(tenantId, distinctRollup(0))]);
    expect(await readEndUser()).toEqual([{ tenantId, ...distinctEndUser(0) }]);
    await sink.write({ tenantId, events: [toTuple(event)], rollups: [distinctRollup(100)], endUsers: [distinctEndUser(100)] });
    expect(await readRollup()).toEqual([rollupRow(tenantId, distinctRollup(100))]);
    expect(await readEndUser()).toEqual([{ tenantId, ...distinctEndUser(100) }]);
    expect(await db.select().from(requestLog).where(eq(requestLog.tenantId, tenantId)).all()).toHaveLength(1);
  });
});
