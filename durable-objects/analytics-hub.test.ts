// AnalyticsHub: durable intake, exactly-once flushes to D1 under injected failures and
// restarts, and live fan-out over hibernating WebSockets and SSE.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLASS_FIELDS, type ClassSums, LATENCY_BUCKETS_MS, histogramQuantile, minuteOf } from "../worker/core/sums.ts";
import type { RequestLogRow } from "../worker/db/request-log.ts";
import { type AnalyticsHub, backoffMs } from "./analytics-hub.ts";
import { dayOf } from "./hub/end-users.ts";
import { LOG_COLUMNS } from "./hub/event.ts";
import { type HubSink, d1Sink, jsonChunks } from "./hub/flush.ts";
import { type LiveMessage, PUSH_INTERVAL_MS } from "./hub/live.ts";

let seq = 0;
const uniq = (prefix: string) => `${prefix}_${++seq}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const hubFor = (tenantId: string) => env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId));

function event(tenantId: string, overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id: uniq("req"),
    tenantId,
    keyId: "key_a",
    provider: "demo",
    model: "demo/echo",
    endpoint: "/v1/chat/completions",
    status: 200,
    errorType: null,
    stream: false,
    latencyMs: 120,
    ttfbMs: 40,
    inputTokens: 10,
    outputTokens: 20,
    cachedTokens: 0,
    reasoningTokens: 0,
    costMicros: 7,
    estimated: false,
    attempts: ["demo/echo=ok"],
    createdAt: Date.now(),
    ...overrides,
  };
}

/** A varied set: two models, two keys, errors, latencies across the buckets, three minutes. */
function variedEvents(tenantId: string, n: number): RequestLogRow[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) =>
    event(tenantId, {
      model: i % 3 === 0 ? "demo/lorem" : "demo/echo",
      keyId: i % 2 === 0 ? "key_a" : "key_b",
      status: i % 7 === 0 ? 502 : i % 11 === 0 ? 429 : 200,
      errorType: i % 7 === 0 ? "upstream_error" : i % 11 === 0 ? "rate_limited" : null,
      latencyMs: (i * 997) % 40_000,
      inputTokens: i,
      outputTokens: 2 * i + 1,
      costMicros: 3 * i,
      createdAt: now - (i % 3) * 60_000,
    }),
  );
}

interface Expected {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cost: number;
  latency: number;
}

function expectedSums(rows: readonly RequestLogRow[]): Expected {
  return rows.reduce<Expected>(
    (s, r) => ({
      requests: s.requests + 1,
      errors: s.errors + (r.status >= 400 ? 1 : 0),
      input: s.input + (r.inputTokens ?? 0),
      output: s.output + (r.outputTokens ?? 0),
      cost: s.cost + (r.costMicros ?? 0),
      latency: s.latency + r.latencyMs,
    }),
    { requests: 0, errors: 0, input: 0, output: 0, cost: 0, latency: 0 },
  );
}

async function d1Log(tenantId: string): Promise<{ id: string; cost_micros: number; attempts: string | null; stream: number }[]> {
  return (
    await env.DB.prepare("SELECT id, cost_micros, attempts, stream FROM request_log WHERE tenant_id = ? ORDER BY id")
      .bind(tenantId)
      .all<{ id: string; cost_micros: number; attempts: string | null; stream: number }>()
  ).results;
}

async function d1RollupSums(tenantId: string): Promise<Expected & { le: number[] }> {
  const le = LATENCY_BUCKETS_MS.map((b) => `coalesce(sum(latency_le_${b}), 0) AS le_${b}`).join(", ");
  const row = await env.DB.prepare(
    `SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors, coalesce(sum(input_tokens), 0) AS input,
            coalesce(sum(output_tokens), 0) AS output, coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(latency_ms_sum), 0) AS latency, ${le}
     FROM usage_rollups WHERE tenant_id = ?`,
  )
    .bind(tenantId)
    .first<Record<string, number>>();
  return {
    requests: row!.requests!,
    errors: row!.errors!,
    input: row!.input!,
    output: row!.output!,
    cost: row!.cost!,
    latency: row!.latency!,
    le: LATENCY_BUCKETS_MS.map((b) => row![`le_${b}`]!),
  };
}

const expectedLe = (rows: readonly RequestLogRow[]) => LATENCY_BUCKETS_MS.map((b) => rows.filter((r) => r.latencyMs <= b).length);

/** Replaces the hub's sink: `mode` decides, per write, whether D1 is reached and whether the write "fails". */
async function setSink(tenantId: string, mode: () => "ok" | "fail-before" | "fail-after"): Promise<void> {
  await runInDurableObject(hubFor(tenantId), (hub: AnalyticsHub) => {
    const real = d1Sink(env.DB);
    const sink: HubSink = {
      async write(batch) {
        const m = mode();
        if (m === "fail-before") throw new Error("injected: D1 unavailable");
        await real.write(batch);
        if (m === "fail-after") throw new Error("injected: D1 committed, acknowledgement lost");
      },
    };
    hub.sink = sink;
  });
}

/** Background alarms would flush on their own; holding makes "pending" observable. */
const holdFlushes = (tenantId: string) => setSink(tenantId, () => "fail-before");
const releaseFlushes = (tenantId: string) => setSink(tenantId, () => "ok");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ingestAll(tenantId: string, rows: readonly RequestLogRow[]): Promise<void> {
  for (const row of rows) expect((await hubFor(tenantId).ingest(row)).accepted).toBe(true);
  expect((await hubFor(tenantId).flush()).ok).toBe(true);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("ingest and flush", () => {
  it("stores, dedupes by request id, and flushes rows and rollups that add up to the events", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    await holdFlushes(tenant);
    const rows = variedEvents(tenant, 40);
    for (const row of rows) expect(await hub.ingest(row)).toEqual({ accepted: true, duplicate: false });
    // Repeats, even with different numbers, change nothing.
    for (const row of rows.slice(0, 10)) expect(await hub.ingest({ ...row, costMicros: 999_999 })).toEqual({ accepted: true, duplicate: true });
    expect((await hub.stats()).pendingEvents).toBe(40);

    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);
    const log = await d1Log(tenant);
    expect(log.map((r) => r.id)).toEqual(rows.map((r) => r.id).sort());
    expect(log.find((r) => r.id === rows[5]!.id)).toMatchObject({ cost_micros: 15, attempts: '["demo/echo=ok"]', stream: 0 });
    const sums = await d1RollupSums(tenant);
    expect(sums).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
    // Per (minute, model, provider, key): 3 minutes × 2 models × 2 keys at most.
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM usage_rollups WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())!;
    expect(n).toBeLessThanOrEqual(12);
    expect(await hub.stats()).toMatchObject({ pendingEvents: 0, dirtyRollups: 0 });

    // A repeat after the flush is still a repeat.
    expect(await hub.ingest(rows[0]!)).toEqual({ accepted: true, duplicate: true });
    await hub.flush();
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
  });

  it("refuses another tenant's rows, malformed rows, and rows too old to dedupe", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    expect(await hub.ingest(event(tenant, { status: 42 }))).toMatchObject({ accepted: false, reason: "invalid", message: expect.stringContaining("status") });
    expect(await hub.ingest(event("someone-else"))).toMatchObject({ accepted: false, reason: "wrong_tenant" });
    expect(await hub.ingest(event(tenant, { createdAt: Date.now() - 3 * 24 * 3600_000 }))).toEqual({ accepted: false, reason: "too_old" });
    expect((await hub.stats()).pendingEvents).toBe(0);
  });

  it("is exactly once when D1 fails before or after committing, and retries with backoff", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    await setSink(tenant, () => "fail-before");
    const first = variedEvents(tenant, 25);
    for (const row of first) await hub.ingest(row);

    const failed = await hub.flush();
    expect(failed).toMatchObject({ ok: false, events: 0 });
    expect(failed.error).toContain("D1 unavailable");
    expect(await d1Log(tenant)).toHaveLength(0);
    expect((await hub.stats()).pendingEvents).toBe(25);
    expect((await hub.stats()).failures).toBeGreaterThanOrEqual(1);
    // The retry is scheduled, later than an ordinary flush.
    const alarm = await runInDurableObject(hub, (_: AnalyticsHub, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - Date.now()).toBeGreaterThan(500);

    // D1 commits, but the hub never hears so: it must not double count on the retry.
    await setSink(tenant, () => "fail-after");
    expect((await hub.flush()).ok).toBe(false);
    expect(await d1Log(tenant)).toHaveLength(25);
    expect((await hub.stats()).pendingEvents).toBe(25);
    expect((await hub.stats()).failures).toBeGreaterThanOrEqual(2);

    // More events and duplicates arrive meanwhile; then D1 recovers.
    const second = variedEvents(tenant, 15);
    for (const row of [...second, ...first.slice(0, 5)]) await hub.ingest(row);
    await setSink(tenant, () => "ok");
    expect((await hub.flush()).ok).toBe(true);

    const all = [...first, ...second];
    expect((await d1Log(tenant)).map((r) => r.id)).toEqual(all.map((r) => r.id).sort());
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(all), le: expectedLe(all) });
    expect(await hub.stats()).toMatchObject({ pendingEvents: 0, dirtyRollups: 0, failures: 0 });
  });

  it("stays exactly once over many rounds of random failures", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    // A fixed pseudo-random sequence, so a failure reproduces.
    let state = 12345;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const modes = ["ok", "fail-before", "fail-after"] as const;
    await setSink(tenant, () => modes[Math.floor(rand() * 3)]!);
    const all: RequestLogRow[] = [];
    for (let round = 0; round < 12; round++) {
      const batch = variedEvents(tenant, 1 + Math.floor(rand() * 8));
      all.push(...batch);
      for (const row of batch) await hub.ingest(row);
      if (all.length > 3) await hub.ingest(all[Math.floor(rand() * all.length)]!); // a repeat
      await hub.flush();
    }
    await setSink(tenant, () => "ok");
    expect((await hub.flush()).ok).toBe(true);
    expect((await d1Log(tenant)).map((r) => r.id)).toEqual(all.map((r) => r.id).sort());
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(all), le: expectedLe(all) });
  });

  it("loses nothing when the object restarts between ingest and flush", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    const rows = variedEvents(tenant, 30);
    for (const row of rows) await hub.ingest(row);
    await evictDurableObject(hub);
    // The alarm survived the restart; run it now rather than wait.
    await runDurableObjectAlarm(hub);
    await until(async () => (await hub.stats()).pendingEvents === 0, "the flush after restart");
    expect((await d1Log(tenant)).map((r) => r.id)).toEqual(rows.map((r) => r.id).sort());
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
    // And it still knows the ids after the restart.
    expect(await hub.ingest(rows[3]!)).toEqual({ accepted: true, duplicate: true });
  });

  it("flushes more than a round and a statement hold, and reports throughput", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    const rows = variedEvents(tenant, 2500);
    await holdFlushes(tenant);
    await runInDurableObject(hub, async (instance: AnalyticsHub) => {
      for (const row of rows) await instance.ingest(row);
    });
    await releaseFlushes(tenant);
    const result = await hub.flush();
    expect(result).toMatchObject({ ok: true, events: 2500, rounds: 3 });
    console.warn(
      `[bench] AnalyticsHub flush: ${result.events} events + ${result.rollups} rollups in ${result.ms} ms (${Math.round((result.events / Math.max(1, result.ms)) * 1000)} rows/s)`,
    );
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM request_log WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())!;
    expect(n).toBe(2500);
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
  });

  it("prunes flushed ids and rollups only after the dedupe window", async () => {
    const tenant = uniq("ten_hub");
    const hub = hubFor(tenant);
    const old = event(tenant, { createdAt: Date.now() - 47 * 3600_000, endUser: "user-old" });
    await hub.ingest(old);
    await hub.flush();
    const counts = () =>
      runInDurableObject(hub, (_: AnalyticsHub, state) => ({
        events: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
        rollups: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM rollups").one().n,
        endUsers: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM end_user_rollups").one().n,
      }));
    expect(await counts()).toEqual({ events: 1, rollups: 1, endUsers: 1 });
    // Age the tombstone past the window, as if days had gone by (a whole day more for a day's row).
    await runInDurableObject(hub, (_: AnalyticsHub, state) => {
      state.storage.sql.exec("UPDATE events SET created_at = created_at - 2 * 86400000");
      state.storage.sql.exec("UPDATE rollups SET minute = minute - 2 * 86400000");
      state.storage.sql.exec("UPDATE end_user_rollups SET day = day - 3 * 86400000");
    });
    await evictDurableObject(hub); // forget when it last pruned
    await hub.ingest(event(tenant, { endUser: "user-new" }));
    await hub.flush();
    expect(await counts()).toEqual({ events: 1, rollups: 1, endUsers: 1 });
  });
});

describe("rollups derived from events at flush", () => {
  /** Sums as the live minute and /api/metrics report them. */
  const reported = (s: { requests: number; errors: number; input_tokens?: number; inputTokens?: number; cost_micros?: number; costMicros?: number }) => ({
    requests: s.requests,
    errors: s.errors,
    input: s.input_tokens ?? s.inputTokens,
    cost: s.cost_micros ?? s.costMicros,
  });
  const expectedReported = (rows: readonly RequestLogRow[]) => {
    const e = expectedSums(rows);
    return { requests: e.requests, errors: e.errors, input: e.input, cost: e.cost };
  };
  const metricsSum = async (tenant: string) => {
    const totals = (await hubFor(tenant).metrics()).totals;
    return reported(
      totals.reduce(
        (s, t) => ({
          requests: s.requests + t.sums.requests,
          errors: s.errors + t.sums.errors,
          inputTokens: s.inputTokens + t.sums.inputTokens,
          costMicros: s.costMicros + t.sums.costMicros,
        }),
        { requests: 0, errors: 0, inputTokens: 0, costMicros: 0 },
      ),
    );
  };
  const liveMinute = async (tenant: string) => {
    const hello = await hubFor(tenant).snapshot();
    return reported(hello.minute);
  };
  /** Live views are of the current minute: start well inside one. */
  const awayFromMinuteEdge = async () => {
    const into = Date.now() % 60_000;
    if (into > 50_000) await sleep(60_000 - into + 50);
  };

  it("after an eviction with events pending, live and metrics still count them and the next flush writes exact absolutes", async () => {
    await awayFromMinuteEdge();
    const tenant = uniq("ten_derive");
    const hub = hubFor(tenant);
    await holdFlushes(tenant);
    // Some flushed first, so the stored rollups are a non-zero base.
    const before = Array.from({ length: 12 }, (_, i) => event(tenant, { costMicros: i, status: i % 4 === 0 ? 500 : 200 }));
    for (const row of before) await hub.ingest(row);
    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);
    await holdFlushes(tenant);
    const pending = Array.from({ length: 20 }, (_, i) =>
      event(tenant, { costMicros: 100 + i, inputTokens: i, status: i % 5 === 0 ? 429 : 200, model: i % 2 ? "demo/lorem" : "demo/echo" }),
    );
    for (const row of pending) await hub.ingest(row);
    const all = [...before, ...pending];

    await evictDurableObject(hub);
    expect(await liveMinute(tenant)).toEqual(expectedReported(all));
    expect(await metricsSum(tenant)).toEqual(expectedReported(all));
    expect(await hub.stats()).toMatchObject({ pendingEvents: 20 });
    // A repeat after the restart changes nothing, the in-memory sums included.
    expect(await hub.ingest(pending[3]!)).toEqual({ accepted: true, duplicate: true });
    expect(await metricsSum(tenant)).toEqual(expectedReported(all));

    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(all), le: expectedLe(all) });
    // Now stored, no longer pending: still counted once.
    expect(await hub.stats()).toMatchObject({ pendingEvents: 0, dirtyRollups: 0 });
    expect(await liveMinute(tenant)).toEqual(expectedReported(all));
    expect(await metricsSum(tenant)).toEqual(expectedReported(all));
  }, 20_000);

  it("writes the sum of all events exactly once when D1 commits but the hub never hears, across a restart", async () => {
    const tenant = uniq("ten_derive");
    const hub = hubFor(tenant);
    await holdFlushes(tenant);
    const first = variedEvents(tenant, 30);
    for (const row of first) await hub.ingest(row);
    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);

    // The same keys again: D1 commits stored + these, the hub does not learn it.
    await setSink(tenant, () => "fail-after");
    const second = variedEvents(tenant, 30);
    for (const row of second) await hub.ingest(row);
    expect((await hub.flush()).ok).toBe(false);
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums([...first, ...second]), le: expectedLe([...first, ...second]) });

    await evictDurableObject(hub);
    const third = variedEvents(tenant, 10);
    for (const row of third) await hub.ingest(row);
    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);
    const all = [...first, ...second, ...third];
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(all), le: expectedLe(all) });
    expect(await metricsSum(tenant)).toEqual(expectedReported(all));
    expect(await hub.stats()).toMatchObject({ pendingEvents: 0, dirtyRollups: 0, failures: 0 });
  });

  it("sums many events of one rollup key in a round into one D1 row", async () => {
    const tenant = uniq("ten_derive");
    const hub = hubFor(tenant);
    await holdFlushes(tenant);
    const minute = minuteOf(Date.now() - 5 * 60_000);
    const rows = Array.from({ length: 600 }, (_, i) =>
      event(tenant, {
        createdAt: minute + (i % 60_000),
        latencyMs: (i * 131) % 35_000,
        status: i % 9 === 0 ? 503 : 200,
        inputTokens: i,
        outputTokens: 3 * i,
        costMicros: 7 * i,
      }),
    );
    await runInDurableObject(hub, async (instance: AnalyticsHub) => {
      for (const row of rows) await instance.ingest(row);
    });
    await releaseFlushes(tenant);
    expect(await hub.flush()).toMatchObject({ ok: true, events: 600, rollups: 1, rounds: 1 });
    const { results } = await env.DB.prepare("SELECT minute, model, provider, key_id FROM usage_rollups WHERE tenant_id = ?").bind(tenant).all();
    expect(results).toEqual([{ minute, model: "demo/echo", provider: "demo", key_id: "key_a" }]);
    expect(await d1RollupSums(tenant)).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
  });

  it("takes pending events out of the rollups and totals of a hub that counted them at ingest", async () => {
    const tenant = uniq("ten_derive");
    const hub = hubFor(tenant);
    await holdFlushes(tenant);
    const rows = classEvents(tenant, 15);
    for (const row of rows) await hub.ingest(row);
    const oldMinute = minuteOf(Date.now() - 30 * 60_000);
    // The layout before: every pending event already in rollups (dirty) and totals, and one
    // rollup counted but never written to D1 whose events were flushed long ago.
    await runInDurableObject(hub, (_: AnalyticsHub, state) => {
      const sql = state.storage.sql;
      const minute = "created_at - created_at % 60000";
      const model = "coalesce(json_extract(payload, '$[4]'), '')";
      const le = LATENCY_BUCKETS_MS.map((b) => `le_${b}`).join(", ");
      const leSums = LATENCY_BUCKETS_MS.map((b) => `sum(json_extract(payload, '$[9]') <= ${b})`).join(", ");
      const sums = `count(*), sum(json_extract(payload, '$[6]') >= 400), sum(json_extract(payload, '$[11]')), sum(json_extract(payload, '$[12]')), sum(json_extract(payload, '$[15]')), sum(json_extract(payload, '$[9]')), ${leSums}`;
      const cols = `requests, errors, input_tokens, output_tokens, cost_micros, latency_ms_sum, ${le}`;
      sql.exec(`INSERT INTO rollups (minute, model, provider, key_id, ${cols}, version, flushed_version)
        SELECT ${minute}, ${model}, 'demo', json_extract(payload, '$[2]'), ${sums}, 2, 1 FROM events WHERE flushed_at IS NULL GROUP BY 1, 2, 3, 4`);
      sql.exec(`INSERT INTO totals (model, provider, ${cols}) SELECT ${model}, 'demo', ${sums} FROM events WHERE flushed_at IS NULL GROUP BY 1, 2`);
      sql.exec(
        `INSERT INTO rollups (minute, model, provider, key_id, requests, cost_micros, version, flushed_version) VALUES (?, 'demo/old', 'demo', 'key_a', 5, 50, 3, 2)`,
        oldMinute,
      );
      sql.exec("DELETE FROM meta WHERE key = 'layout'");
    });
    await evictDurableObject(hub);
    expect(await metricsSum(tenant)).toEqual(expectedReported(rows));
    expect((await hub.stats()).dirtyRollups).toBeGreaterThan(0);

    await releaseFlushes(tenant);
    expect((await hub.flush()).ok).toBe(true);
    const old = await env.DB.prepare("SELECT requests, cost_micros FROM usage_rollups WHERE tenant_id = ? AND model = 'demo/old'").bind(tenant).first();
    expect(old).toEqual({ requests: 5, cost_micros: 50 });
    const d1 = await d1RollupSums(tenant);
    expect({ ...d1, requests: d1.requests - 5, cost: d1.cost - 50 }).toEqual({ ...expectedSums(rows), le: expectedLe(rows) });
    // That layout counted no token classes: none are taken out, the pending events' are written.
    expect(await d1RollupClasses(tenant)).toEqual(expectedClasses(rows));
    expect(await hub.stats()).toMatchObject({ pendingEvents: 0, dirtyRollups: 0 });
    expect(await metricsSum(tenant)).toEqual(expectedReported(rows));
  });
});

// ── token classes and end users ─────────────────────────────────────────────────────────────

/** Varied events with every token class and cost class set, most naming one of three end users. */
function classEvents(tenantId: string, n: number): RequestLogRow[] {
  return variedEvents(tenantId, n).map((row, i) => ({
    ...row,
    cachedTokens: i % 4,
    cacheWrite5mTokens: i % 3,
    cacheWrite1hTokens: i % 2,
    reasoningTokens: i % 5,
    inputCostMicros: 2 * i,
    cachedInputCostMicros: i % 7,
    cacheWriteCostMicros: 5 * (i % 3),
    outputCostMicros: 3 * i,
    reasoningCostMicros: 2 * (i % 5),
    cacheSavedMicros: 3 * (i % 4),
    unitsCostMicros: 11 * (i % 2),
    endUser: i % 4 === 3 ? null : `user-${i % 3}`,
  }));
}

function expectedClasses(rows: readonly RequestLogRow[]): ClassSums {
  const n = (v: number | null | undefined) => v ?? 0;
  const sums = Object.fromEntries(CLASS_FIELDS.map((f) => [f, 0])) as ClassSums;
  for (const r of rows) {
    sums.cachedTokens += n(r.cachedTokens);
    sums.cacheWriteTokens += n(r.cacheWrite5mTokens) + n(r.cacheWrite1hTokens);
    sums.reasoningTokens += n(r.reasoningTokens);
    sums.inputCostMicros += n(r.inputCostMicros);
    sums.cachedInputCostMicros += n(r.cachedInputCostMicros);
    sums.cacheWriteCostMicros += n(r.cacheWriteCostMicros);
    sums.outputCostMicros += n(r.outputCostMicros);
    sums.reasoningCostMicros += n(r.reasoningCostMicros);
    sums.cacheSavedMicros += n(r.cacheSavedMicros);
    sums.unitsCostMicros += n(r.unitsCostMicros);
  }
  return sums;
}

const CLASS_SELECT = `coalesce(sum(cached_tokens), 0) AS cachedTokens, coalesce(sum(cache_write_tokens), 0) AS cacheWriteTokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoningTokens, coalesce(sum(input_cost_micros), 0) AS inputCostMicros,
  coalesce(sum(cached_input_cost_micros), 0) AS cachedInputCostMicros, coalesce(sum(cache_write_cost_micros), 0) AS cacheWriteCostMicros,
  coalesce(sum(output_cost_micros), 0) AS outputCostMicros, coalesce(sum(reasoning_cost_micros), 0) AS reasoningCostMicros,
  coalesce(sum(cache_saved_micros), 0) AS cacheSavedMicros, coalesce(sum(units_cost_micros), 0) AS unitsCostMicros`;

const d1RollupClasses = async (tenantId: string) =>
  env.DB.prepare(`SELECT ${CLASS_SELECT} FROM usage_rollups WHERE tenant_id = ?`).bind(tenantId).first<ClassSums>();

/** request_log's class columns summed the same way (cache writes as 5m + 1h). */
const d1LogClasses = async (tenantId: string) =>
  env.DB.prepare(
    `SELECT ${CLASS_SELECT.replace("sum(cache_write_tokens)", "sum(cache_write_5m_tokens + cache_write_1h_tokens)")} FROM request_log WHERE tenant_id = ?`,
  )
    .bind(tenantId)
    .first<ClassSums>();

interface EndUserRow {
  day: number;
  end_user: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  last_seen_at: number;
}

function expectedEndUsers(rows: readonly RequestLogRow[]): EndUserRow[] {
  const byKey = new Map<string, EndUserRow>();
  for (const r of rows) {
    if (!r.endUser) continue;
    const day = dayOf(r.createdAt);
    const key = `${day}|${r.endUser}`;
    const u = byKey.get(key) ?? { day, end_user: r.endUser, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0, last_seen_at: 0 };
    byKey.set(key, {
      ...u,
      requests: u.requests + 1,
      errors: u.errors + (r.status >= 400 ? 1 : 0),
      input_tokens: u.input_tokens + (r.inputTokens ?? 0),
      output_tokens: u.output_tokens + (r.outputTokens ?? 0),
      cost_micros: u.cost_micros + (r.costMicros ?? 0),
      last_seen_at: Math.max(u.last_seen_at, r.createdAt),
    });
  }
  return [...byKey.values()].sort((a, b) => a.day - b.day || (a.end_user < b.end_user ? -1 : 1));
}

const d1EndUsers = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "SELECT day, end_user, requests, errors, input_tokens, output_tokens, cost_micros, last_seen_at FROM end_user_rollups WHERE tenant_id = ? ORDER BY day, end_user",
    )
      .bind(tenantId)
      .all<EndUserRow>()
  ).results;

const metricsClasses = async (tenantId: string): Promise<ClassSums> => {
  const sums = Object.fromEntries(CLASS_FIELDS.map((f) => [f, 0])) as ClassSums;
  for (const t of (await hubFor(tenantId).metrics()).totals) for (const f of CLASS_FIELDS) sums[f] += t.sums[f];
  return sums;
};

describe("token classes and end users", () => {
  it("flushes the class columns, their rollup sums and the end-user rollups exactly once across failed flushes and a restart", async () => {
    const tenant = uniq("ten_class");
    const hub = hubFor(tenant);
    await setSink(tenant, () => "fail-before");
    const first = classEvents(tenant, 20);
    for (const row of first) await hub.ingest(row);
    expect((await hub.flush()).ok).toBe(false);
    expect(await metricsClasses(tenant)).toEqual(expectedClasses(first));

    // D1 commits the round; the hub never hears so.
    await setSink(tenant, () => "fail-after");
    expect((await hub.flush()).ok).toBe(false);
    expect(await d1EndUsers(tenant)).toEqual(expectedEndUsers(first));

    // The same end users again, repeats, and a restart before D1 recovers.
    const second = classEvents(tenant, 15);
    for (const row of [...second, ...first.slice(0, 4)]) await hub.ingest(row);
    await evictDurableObject(hub);
    const third = classEvents(tenant, 6);
    for (const row of third) await hub.ingest(row);
    await setSink(tenant, () => "ok");
    expect((await hub.flush()).ok).toBe(true);

    const all = [...first, ...second, ...third];
    expect(await d1RollupClasses(tenant)).toEqual(expectedClasses(all));
    expect(await d1LogClasses(tenant)).toEqual(expectedClasses(all));
    expect(await d1EndUsers(tenant)).toEqual(expectedEndUsers(all));
    expect(await metricsClasses(tenant)).toEqual(expectedClasses(all));
    const named = await env.DB.prepare("SELECT count(*) AS n FROM request_log WHERE tenant_id = ? AND end_user = 'user-1'").bind(tenant).first<{ n: number }>();
    expect(named?.n).toBe(all.filter((r) => r.endUser === "user-1").length);
  });

  it("refuses an end user name over 128 characters and counts an empty one as none", async () => {
    const tenant = uniq("ten_class");
    const hub = hubFor(tenant);
    expect(await hub.ingest(event(tenant, { endUser: "u".repeat(129) }))).toMatchObject({
      accepted: false,
      reason: "invalid",
      message: expect.stringContaining("endUser"),
    });
    expect(await hub.ingest(event(tenant, { cacheSavedMicros: -1 }))).toMatchObject({
      accepted: false,
      reason: "invalid",
      message: expect.stringContaining("cacheSavedMicros"),
    });
    const rows = [event(tenant, { endUser: "" }), event(tenant, { endUser: "u".repeat(128) })];
    await ingestAll(tenant, rows);
    expect(await d1EndUsers(tenant)).toEqual(expectedEndUsers([rows[1]!]));
    const log = await env.DB.prepare("SELECT end_user FROM request_log WHERE id = ?").bind(rows[0]!.id).first();
    expect(log).toEqual({ end_user: null });
  });

  it("upgrades a hub from before the class columns, and writes events it stored then with the new columns' defaults", async () => {
    const tenant = uniq("ten_class");
    const hub = hubFor(tenant);
    await ingestAll(tenant, [event(tenant)]);
    await holdFlushes(tenant);
    const old = classEvents(tenant, 3);
    for (const row of old) await hub.ingest(row);
    // As the hub had them: tuples without the new slots, rollups and totals without the class columns.
    await runInDurableObject(hub, (_: AnalyticsHub, state) => {
      const sql = state.storage.sql;
      const slots = LOG_COLUMNS.indexOf("uncollected_micros") + 1;
      for (const { id, payload } of sql.exec<{ id: string; payload: string }>("SELECT id, payload FROM events WHERE flushed_at IS NULL").toArray()) {
        sql.exec("UPDATE events SET payload = ? WHERE id = ?", JSON.stringify((JSON.parse(payload) as unknown[]).slice(0, slots)), id);
      }
      for (const table of ["rollups", "totals"]) {
        for (const column of ["cached_tokens", "cache_write_tokens", "reasoning_tokens", "input_cost_micros", "cached_input_cost_micros"]) {
          sql.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
        }
        for (const column of ["cache_write_cost_micros", "output_cost_micros", "reasoning_cost_micros", "cache_saved_micros", "units_cost_micros"]) {
          sql.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
        }
      }
      sql.exec("DELETE FROM meta WHERE key = 'sum_columns'");
    });
    await evictDurableObject(hub);
    const fresh = classEvents(tenant, 4);
    await releaseFlushes(tenant);
    await ingestAll(tenant, fresh);

    // The old events count only in the classes request_log had before: cached and reasoning tokens.
    const expected = expectedClasses(fresh);
    for (const r of old) {
      expected.cachedTokens += r.cachedTokens ?? 0;
      expected.reasoningTokens += r.reasoningTokens ?? 0;
    }
    expect(await d1RollupClasses(tenant)).toEqual(expected);
    expect(await d1EndUsers(tenant)).toEqual(expectedEndUsers(fresh));
    const oldRow = await env.DB.prepare(
      "SELECT end_user, cache_write_5m_tokens, input_cost_micros, cache_saved_micros, cost_micros FROM request_log WHERE id = ?",
    )
      .bind(old[1]!.id)
      .first();
    expect(oldRow).toEqual({ end_user: null, cache_write_5m_tokens: 0, input_cost_micros: 0, cache_saved_micros: 0, cost_micros: old[1]!.costMicros });
    expect(await metricsClasses(tenant)).toEqual(expected);
  });
});

describe("pure parts", () => {
  it("chunks JSON by rows and bytes", () => {
    const rows = Array.from({ length: 1234 }, (_, i) => [i, "x".repeat(i % 50)]);
    const chunks = jsonChunks(rows, 500, 10_000);
    expect(chunks.flatMap((c) => JSON.parse(c) as unknown[])).toEqual(rows);
    for (const c of chunks) {
      expect((JSON.parse(c) as unknown[]).length).toBeLessThanOrEqual(500);
      expect(c.length).toBeLessThanOrEqual(10_000);
    }
  });

  it("interpolates percentiles inside histogram buckets and backs off exponentially", () => {
    // 10 requests: 5 ≤ 50 ms, 9 ≤ 100 ms, all ≤ 250 ms.
    const le = [5, 9, 10, 10, 10, 10, 10, 10, 10];
    expect(histogramQuantile(le, 10, 0.5)).toBe(50);
    expect(histogramQuantile(le, 10, 0.95)).toBe(175);
    expect(histogramQuantile([0, 0, 0, 0, 0, 0, 0, 0, 0], 4, 0.5)).toBe(30_000);
    expect(histogramQuantile(le, 0, 0.5)).toBeNull();
    expect(backoffMs(1, 0.5)).toBe(1000);
    expect(backoffMs(4, 0.5)).toBe(8000);
    expect(backoffMs(40, 0.5)).toBe(300_000);
    expect(minuteOf(Date.UTC(2026, 0, 1, 10, 5, 31, 7))).toBe(Date.UTC(2026, 0, 1, 10, 5));
  });
});

// ── live ────────────────────────────────────────────────────────────────────────────────────

/** `arrivedAt[i]` is when `messages[i]` arrived (Date.now(), which workerd moves on I/O). */
async function subscribe(tenantId: string): Promise<{ ws: WebSocket; messages: LiveMessage[]; arrivedAt: number[] }> {
  const res = await hubFor(tenantId).fetch("https://analytics-hub/ws", { headers: { upgrade: "websocket", "x-user-id": "usr_test" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: LiveMessage[] = [];
  const arrivedAt: number[] = [];
  ws.addEventListener("message", (e) => {
    if (e.data === "pong") return;
    messages.push(JSON.parse(String(e.data)) as LiveMessage);
    arrivedAt.push(Date.now());
  });
  ws.accept();
  return { ws, messages, arrivedAt };
}

const updates = (messages: LiveMessage[]) => messages.filter((m): m is Extract<LiveMessage, { type: "update" }> => m.type === "update");
const eventsSeen = (messages: LiveMessage[]) => updates(messages).reduce((n, m) => n + m.events, 0);

describe("live fan-out", () => {
  it("pushes one batched update to 100 WebSocket subscribers, drops a closed one, and keeps tenants apart", async () => {
    const tenant = uniq("ten_live");
    const other = uniq("ten_live");
    const hub = hubFor(tenant);
    const subs = await Promise.all(Array.from({ length: 100 }, () => subscribe(tenant)));
    const outsider = await subscribe(other);
    await until(() => subs.every((s) => s.messages.some((m) => m.type === "hello")), "hello on every socket");
    expect((await hub.stats()).websockets).toBe(100);

    const rows = [
      event(tenant, { model: "demo/echo", costMicros: 5 }),
      event(tenant, { model: "demo/lorem", costMicros: 6, status: 500 }),
      event(tenant, { costMicros: 7 }),
    ];
    // Events that arrive in the same turn go out together.
    await runInDurableObject(hub, (instance: AnalyticsHub) => Promise.all(rows.map((row) => instance.ingest(row))));
    await until(() => subs.every((s) => eventsSeen(s.messages) === 3), "3 events on every socket");
    const update = updates(subs[0]!.messages)[0]!;
    expect(updates(subs[0]!.messages)).toHaveLength(1); // batched, not one per event
    expect(update.delta.totals).toMatchObject({ requests: 3, errors: 1, cost_micros: 18 });
    expect(update.delta.by_model["demo/lorem"]).toMatchObject({ requests: 1, errors: 1 });
    expect(update.minute.requests).toBeGreaterThanOrEqual(3);

    // One closes: the hub drops it, the rest still get updates.
    subs[0]!.ws.close(1000, "bye");
    await until(async () => (await hub.stats()).websockets === 99, "the closed socket to be dropped");
    await hub.ingest(event(tenant));
    await until(() => subs.slice(1).every((s) => eventsSeen(s.messages) === 4), "the 4th event on the 99 open sockets");
    expect(eventsSeen(subs[0]!.messages)).toBe(3);

    // The other tenant's subscriber saw its hello and nothing else.
    await sleep(400);
    expect(outsider.messages.map((m) => m.type)).toEqual(["hello"]);
    for (const s of subs.slice(1)) s.ws.close(1000);
    outsider.ws.close(1000);
  });

  it("reaches 100 idle subscribers well within the push window, and again after each quiet window", async () => {
    const tenant = uniq("ten_live");
    const hub = hubFor(tenant);
    const subs = await Promise.all(Array.from({ length: 100 }, () => subscribe(tenant)));
    await until(() => subs.every((s) => s.messages.some((m) => m.type === "hello")), "hello on every socket");
    // The first event binds the tenant and warms the hub: not timed.
    await hub.ingest(event(tenant));
    await until(() => subs.every((s) => eventsSeen(s.messages) === 1), "the first event on every socket");
    const delays: number[] = [];
    for (let k = 2; k <= 4; k++) {
      await sleep(PUSH_INTERVAL_MS + 50);
      const start = Date.now();
      await hub.ingest(event(tenant));
      await until(() => subs.every((s) => eventsSeen(s.messages) === k), `event ${k} on every socket`);
      delays.push(Math.max(...subs.map((s) => s.arrivedAt.at(-1)!)) - start);
      for (const s of subs) expect(updates(s.messages).at(-1)!.events).toBe(1);
    }
    // Waiting out the window would take at least PUSH_INTERVAL_MS every time; the median is robust to one slow round.
    delays.sort((a, b) => a - b);
    expect(delays[1]).toBeLessThan(PUSH_INTERVAL_MS / 2);
    for (const s of subs) s.ws.close(1000);
  });

  it("coalesces a burst into a few updates, and sockets survive hibernation", async () => {
    const tenant = uniq("ten_live");
    const hub = hubFor(tenant);
    const sub = await subscribe(tenant);
    await runInDurableObject(hub, async (instance: AnalyticsHub) => {
      for (let i = 0; i < 50; i++) await instance.ingest(event(tenant));
    });
    await until(() => eventsSeen(sub.messages) === 50, "50 events");
    expect(updates(sub.messages).length).toBeLessThanOrEqual(2);

    await evictDurableObject(hub); // hibernates the socket, drops the instance
    await hub.ingest(event(tenant));
    await until(() => eventsSeen(sub.messages) === 51, "an update after hibernation");
    sub.ws.send("ping");
    sub.ws.close(1000);
  });

  it("streams the same updates over SSE and drops a reader that left", async () => {
    const tenant = uniq("ten_live");
    const hub = hubFor(tenant);
    const res = await hub.fetch("https://analytics-hub/sse", { headers: { "x-user-id": "usr_test" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil("event: hello");
    expect((await hub.stats()).sseStreams).toBe(1);
    await hub.ingest(event(tenant, { costMicros: 42 }));
    await readUntil("event: update");
    const data = /event: update\ndata: (.*)\n\n/.exec(text)![1]!;
    expect((JSON.parse(data) as Extract<LiveMessage, { type: "update" }>).delta.totals).toMatchObject({ requests: 1, cost_micros: 42 });

    await reader.cancel();
    await hub.ingest(event(tenant));
    await until(async () => (await hub.stats()).sseStreams === 0, "the SSE reader to be dropped");
  });

  it("accepts a ticket id once", async () => {
    const tenant = uniq("ten_live");
    const open = () =>
      hubFor(tenant).fetch("https://analytics-hub/ws", {
        headers: { upgrade: "websocket", "x-user-id": "usr_test", "x-ticket-id": "jti-1", "x-ticket-expires": String(Date.now() + 60_000) },
      });
    const first = await open();
    expect(first.status).toBe(101);
    first.webSocket!.accept();
    first.webSocket!.close(1000);
    const second = await open();
    expect(second.status).toBe(401);
    expect(await second.json()).toMatchObject({ error: { code: "ticket_used" } });
  });
});
