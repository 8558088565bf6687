// The hub's flush statements take request_log's and usage_rollups' names from the schema: every
// column is written, each from the field it belongs to, and what D1 stores reads back as sent.
import { env } from "cloudflare:workers";
import { type Column, and, eq, getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../worker/core/sums.ts";
import { getDb } from "../../worker/db/client.ts";
import { requestLog, usageRollups } from "../../worker/db/schema.ts";
import { LOG_COLUMNS, type LogEvent, parseEvent, toTuple } from "./event.ts";
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
    reasoningTokens: 4,
    costMicros: 777,
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
    },
  };
}

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

  it("upserts every usage_rollups column", () => {
    const seen: string[] = [];
    const recorder = { prepare: (sql: string) => (seen.push(sql), { bind: () => ({}) }) } as unknown as D1Database;
    flushStatements(recorder, { tenantId: "ten_flush", events: [], rollups: [distinctRollup(0)] });
    const upsert = seen[0] ?? "";
    const insertList = /\(([^)]*)\)/.exec(upsert)?.[1]?.split(", ") ?? [];
    expect([...insertList].sort()).toEqual(
      Object.values(getTableColumns(usageRollups))
        .map((c) => c.name)
        .sort(),
    );
  });

  it("stores an event and a rollup in D1 as sent, and a rollup written again takes the new values", async () => {
    const tenantId = uniq("ten_flush");
    const event = distinctEvent(tenantId);
    const sink = d1Sink(env.DB);
    await sink.write({ tenantId, events: [toTuple(event)], rollups: [distinctRollup(0)] });
    const db = getDb(env.DB);
    expect(await db.select().from(requestLog).where(eq(requestLog.id, event.id)).get()).toEqual(event);

    const readRollup = () =>
      db
        .select()
        .from(usageRollups)
        .where(and(eq(usageRollups.tenantId, tenantId), eq(usageRollups.keyId, "key_flush")))
        .all();
    expect(await readRollup()).toEqual([rollupRow(tenantId, distinctRollup(0))]);
    await sink.write({ tenantId, events: [toTuple(event)], rollups: [distinctRollup(100)] });
    expect(await readRollup()).toEqual([rollupRow(tenantId, distinctRollup(100))]);
    expect(await db.select().from(requestLog).where(eq(requestLog.tenantId, tenantId)).all()).toHaveLength(1);
  });
});
