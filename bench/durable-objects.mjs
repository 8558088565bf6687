// Durable Objects benchmark: how long the gateway's one admission round trip to TenantGate
// takes, how long a usage event takes to reach live dashboards through AnalyticsHub, and how
// fast the hub writes the request log to D1 — measured locally, not asserted.
//
//   npm run bench:do            (or: node bench/durable-objects.mjs)
//
// Three parts, on loopback only:
//
// (a) Admission round trip. The app's Worker (wrangler.toml) runs in workerd under Miniflare,
//     through wrangler's test harness (bench/lib/do-harness.mjs: the same bundle and bindings as
//     `wrangler dev`, storage in memory), next to a bench driver Worker (bench/lib/do-driver.js)
//     bound to the same TenantGate class and D1. A seeded tenant, key and credit; each call is
//     admit() then settle() with a fresh request id, exactly the RPCs the gateway makes. Three
//     vantage points, each at concurrency 1, 16 and 64:
//       1. from Node, on the TenantGate stub Miniflare hands to Node (its Node↔workerd RPC
//          proxy): per-call admit and settle latency — includes the proxy's hop, which
//          dominates (compare its "health" probe, a no-op RPC);
//       2. from Node over HTTP (keep-alive) to the driver, which makes the two RPCs: per-call
//          latency, and the same for /noop (no Durable Object call) — their difference is the
//          admission round trip plus settle, without the HTTP hop's floor;
//       3. inside workerd: the driver runs n pairs back to back (`concurrency` at once) and
//          times them itself. The workerd clock only moves on I/O in millisecond steps, so this
//          gives means and the gate's throughput (pairs/s), not percentiles.
// (b) Event to dashboard. The app as `npm start` serves it (bench/lib/app.mjs); 100 WebSockets
//     on /api/analytics/live (each with its own single-use ticket); then gateway calls
//     (demo/echo, the seeded key) one at a time at a steady pace. Per call: from the end of its
//     response to the first subscriber's message that reflects it, and to the last of the 100
//     (message arrival in this Node process). A subscriber's updates carry how many events they
//     hold; the k-th call is reflected once a subscriber has seen k events (the bench is the only
//     traffic of its tenant). The hub sends at most one update per PUSH_INTERVAL_MS = 300 ms
//     (durable-objects/hub/live.ts), on the window's leading edge: a call after a quiet window
//     goes out at once, so at a pace slower than the window no call waits for it.
// (c) Flush throughput. In the harness, the driver ingests N usage events into a fresh tenant's
//     AnalyticsHub (16 at once), then calls flush() until nothing is pending and request_log holds
//     all N. Reports ingest rate, the hub's own flush timings (rows/s per flush) and the time
//     from the end of ingest until all N rows are in D1. The hub's alarm (1 s after the first
//     event) may flush part during the ingest; that part is counted apart.
//
// Settings (environment variables):
//   DO_CONCURRENCY=1,16,64     concurrency levels for (a)
//   DO_PROXY_CALLS=300         calls per point through the Node proxy (a1); it is slow
//   DO_HTTP_CALLS=1000         calls per point over HTTP (a2), and of /noop
//   DO_LOOP_CALLS=2000         pairs per point inside workerd (a3)
//   DO_POINT_SECONDS=30        time cap per point
//   DO_SUBSCRIBERS=100         WebSockets for (b)
//   DO_EVENTS=100              gateway calls for (b)
//   DO_EVENT_INTERVAL_MS=500   pace of (b): one call every … ms
//   DO_FLUSH_EVENTS=2000,10000 N for (c), one fresh tenant each
//   DO_PARTS=admission,live,flush
//   DO_TOTAL_SECONDS=600       watchdog for the whole run
//   DO_OUT=bench/results/durable-objects.json
// Exit code: 0 done, 1 failed, 2 some calls failed (reported).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot, startApp } from "./lib/app.mjs";
import {
  api,
  bold,
  requireNode22,
  fmtMs,
  fmtRps,
  intEnv,
  lifecycle,
  listEnv,
  loadavg,
  log,
  login,
  machine,
  pad,
  padEnd,
  pool,
  preamble,
  red,
  round,
  roundStats,
  sleep,
  stats,
  versions,
  writeReport,
} from "./lib/common.mjs";
import { startDoHarness } from "./lib/do-harness.mjs";
import { runInterleaved, runPoint } from "./lib/load.mjs";

requireNode22();

const config = {
  concurrency: listEnv("DO_CONCURRENCY", "1,16,64").map(Number),
  proxyCalls: intEnv("DO_PROXY_CALLS", 300, 1),
  httpCalls: intEnv("DO_HTTP_CALLS", 1000, 1),
  loopCalls: intEnv("DO_LOOP_CALLS", 2000, 1),
  pointSeconds: intEnv("DO_POINT_SECONDS", 30, 1),
  subscribers: intEnv("DO_SUBSCRIBERS", 100, 1, 1000),
  events: intEnv("DO_EVENTS", 100, 1),
  eventIntervalMs: intEnv("DO_EVENT_INTERVAL_MS", 500, 0),
  flushEvents: listEnv("DO_FLUSH_EVENTS", "2000,10000").map(Number),
  parts: listEnv("DO_PARTS", "admission,live,flush"),
  totalSeconds: intEnv("DO_TOTAL_SECONDS", 600, 10),
  out: path.resolve(repoRoot, process.env.DO_OUT || "bench/results/durable-objects.json"),
};
if (config.concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error("DO_CONCURRENCY must be integers from 1 to 1024");
if (config.flushEvents.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) throw new Error("DO_FLUSH_EVENTS must be integers from 1 to 1,000,000");

const life = lifecycle();
const TENANT = "ten_bench_gate";
const KEY = "key_bench_gate";
const CREDIT = 1_000_000_000_000; // $1,000,000: the bench never runs out
const COST = 100;

// ------------------------------------------------------------------------ (a) admission

async function admissionPart(harness) {
  const driver = { host: "127.0.0.1", port: harness.port };
  const post = async (pathname, body) => {
    const res = await fetch(`http://127.0.0.1:${harness.port}${pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const out = await res.json();
    if (!res.ok || out.error) throw new Error(`driver ${pathname}: ${res.status} ${out.error ?? JSON.stringify(out)}`);
    return out;
  };
  await post("/seed", { tenant: TENANT, key: KEY, credit: CREDIT });
  // First use loads the tenant, its config and the key from D1 (blockConcurrencyWhile): not timed.
  const first = await post("/admit-settle", { tenant: TENANT, key: KEY, cost: COST });
  if (!first.ok) throw new Error(`the first admission was refused: ${first.refusal}`);

  // 1. From Node, on the stub Miniflare gives Node.
  const ns = harness.appEnv.TENANT_GATE;
  const stub = ns.get(ns.idFromName(TENANT));
  let seq = 0;
  const viaProxy = [];
  for (const concurrency of config.concurrency) {
    const n = Math.max(config.proxyCalls, concurrency * 4);
    const admitMs = [];
    const settleMs = [];
    const pairMs = [];
    const healthMs = [];
    const errors = {};
    // Warm-up: not recorded.
    for (let i = 0; i < Math.min(20, n); i++) await stub.health();
    const deadline = performance.now() + config.pointSeconds * 1000;
    const t0 = performance.now();
    await pool(n, concurrency, async () => {
      if (performance.now() > deadline) return;
      const id = `req_bench_proxy_${process.pid}_${seq++}`;
      const a = performance.now();
      try {
        const r = await stub.admit(TENANT, { requestId: id, keyId: KEY, tokens: 50, maxCostMicros: 2_000 }, 0);
        const b = performance.now();
        if (!r.ok) {
          errors[`${r.status} ${r.code}`] = (errors[`${r.status} ${r.code}`] ?? 0) + 1;
          return;
        }
        await stub.settle(TENANT, { requestId: id, keyId: KEY, costMicros: COST, tokens: 40 });
        const c = performance.now();
        admitMs.push(b - a);
        settleMs.push(c - b);
        pairMs.push(c - a);
      } catch (error) {
        errors[String(error.message).slice(0, 80)] = (errors[String(error.message).slice(0, 80)] ?? 0) + 1;
      }
    });
    const elapsedS = (performance.now() - t0) / 1000;
    // The proxy's own floor: a no-op RPC (health), at the same concurrency.
    await pool(Math.min(n, 200), concurrency, async () => {
      const a = performance.now();
      await stub.health();
      healthMs.push(performance.now() - a);
    });
    const errorCount = Object.values(errors).reduce((s, v) => s + v, 0);
    viaProxy.push({
      concurrency,
      calls: pairMs.length + errorCount,
      errors: errorCount,
      errorKinds: errors,
      pairsPerS: pairMs.length / elapsedS,
      admit: stats(admitMs),
      settle: stats(settleMs),
      pair: stats(pairMs),
      noopRpc: stats(healthMs),
    });
    log(
      `proxy  c=${pad(concurrency, 2)}  admit p50 ${fmtMs(stats(admitMs).p50)} ms · settle p50 ${fmtMs(stats(settleMs).p50)} ms · no-op RPC p50 ${fmtMs(stats(healthMs).p50)} ms · ${fmtRps(pairMs.length / elapsedS)} pairs/s`,
    );
  }

  // 2. From Node over HTTP to the driver, which makes the two RPCs.
  const okCheck = (status, body) => (status === 200 && body.includes('"ok":true') ? null : `HTTP ${status} ${body.toString().slice(0, 120)}`);
  const spec = (name, pathname, body) => ({
    name,
    ...driver,
    path: pathname,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    check: okCheck,
  });
  const noopSpec = { ...spec("noop", "/noop", {}), method: "GET", body: undefined };
  const pairSpec = spec("admit+settle", "/admit-settle", { tenant: TENANT, key: KEY, cost: COST });
  const viaHttp = [];
  for (const concurrency of config.concurrency) {
    let noop;
    let pair;
    if (concurrency === 1) {
      const r = await runInterleaved({
        variants: [noopSpec, pairSpec],
        requests: config.httpCalls,
        maxSeconds: config.pointSeconds,
        warmup: 50,
        timeoutMs: 10_000,
      });
      noop = r.noop;
      pair = r["admit+settle"];
    } else {
      noop = await runPoint({ ...noopSpec, concurrency, requests: config.httpCalls, maxSeconds: config.pointSeconds, warmup: 100, timeoutMs: 10_000 });
      pair = await runPoint({ ...pairSpec, concurrency, requests: config.httpCalls, maxSeconds: config.pointSeconds, warmup: 100, timeoutMs: 10_000 });
    }
    viaHttp.push({ concurrency, noop, pair });
    log(
      `http   c=${pad(concurrency, 2)}  admit+settle p50 ${fmtMs(pair.latencyMs.p50)} ms (noop ${fmtMs(noop.latencyMs.p50)} ms) · ${fmtRps(pair.rps)} req/s${pair.errors ? red(`  ${pair.errors} errors`) : ""}`,
    );
  }

  // 3. Inside workerd.
  const inWorkerd = [];
  for (const concurrency of config.concurrency) {
    await post("/admit-loop", { tenant: TENANT, key: KEY, n: Math.min(200, config.loopCalls), concurrency, cost: COST }); // warm-up
    const r = await post("/admit-loop", { tenant: TENANT, key: KEY, n: config.loopCalls, concurrency, cost: COST });
    const refused = Object.values(r.refusals).reduce((s, v) => s + v, 0);
    inWorkerd.push({ ...r, refused, pairsPerS: (r.ok / r.elapsedMs) * 1000, meanPairMs: (r.elapsedMs / r.n) * concurrency });
    log(
      `inside c=${pad(concurrency, 2)}  ${r.n} pairs in ${r.elapsedMs} ms: ${fmtRps((r.ok / r.elapsedMs) * 1000)} pairs/s, mean admit ${fmtMs(r.meanAdmitMs)} ms, settle ${fmtMs(r.meanSettleMs)} ms${refused ? red(`  ${refused} refused`) : ""}`,
    );
  }
  return { viaProxy, viaHttp, inWorkerd };
}

// ------------------------------------------------------------------------ (c) flush

async function flushPart(harness) {
  const results = [];
  for (const [i, n] of config.flushEvents.entries()) {
    const tenant = `ten_bench_flush_${i}_${n}`;
    const res = await fetch(`http://127.0.0.1:${harness.port}/hub-flush`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant, key: KEY, n, concurrency: 16, timeoutMs: config.pointSeconds * 4 * 1000 }),
    });
    const r = await res.json();
    if (!res.ok || r.error) throw new Error(`hub-flush: ${res.status} ${r.error}`);
    const flushed = r.flushes.reduce((s, f) => s + f.events, 0);
    const flushMs = r.flushes.reduce((s, f) => s + f.ms, 0);
    const rounds = r.flushes.reduce((s, f) => s + f.rounds, 0);
    const afterIngest = r.n - r.loggedAtFlushStart;
    const row = {
      ...r,
      ingestPerS: (r.n / r.ingestMs) * 1000,
      flushedByCalls: flushed,
      flushCallRounds: rounds,
      flushRowsPerS: flushMs > 0 ? (flushed / flushMs) * 1000 : null,
      // From the end of ingest until D1 held every row that was not in it yet.
      drainRowsPerS: r.untilAllLoggedMs > 0 ? (afterIngest / r.untilAllLoggedMs) * 1000 : null,
      complete: r.logged === r.n,
    };
    // The product's own path: no explicit flush(), only the hub's alarm (1 s after an event).
    const alarmTenant = `ten_bench_alarm_${i}_${n}`;
    const res2 = await fetch(`http://127.0.0.1:${harness.port}/hub-flush`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: alarmTenant, key: KEY, n, concurrency: 16, flush: false }),
    });
    const ingestOnly = await res2.json();
    if (!res2.ok || ingestOnly.error) throw new Error(`hub-flush (ingest only): ${res2.status} ${ingestOnly.error}`);
    const tIngestEnd = performance.now();
    let inD1 = ingestOnly.loggedAfterIngest;
    while (inD1 < n && performance.now() - tIngestEnd < config.pointSeconds * 2000) {
      await sleep(50);
      inD1 = (await (await fetch(`http://127.0.0.1:${harness.port}/count?tenant=${alarmTenant}`)).json()).n;
    }
    row.alarmOnly = {
      ingestMs: ingestOnly.ingestMs,
      loggedDuringIngest: ingestOnly.loggedAfterIngest,
      pendingAfterIngest: ingestOnly.stats.pendingEvents,
      untilAllLoggedMs: round(performance.now() - tIngestEnd, 0),
      logged: inD1,
      complete: inD1 === n,
    };
    results.push(row);
    log(
      `flush  N=${n}: ingest ${fmtRps(row.ingestPerS)} events/s; ${r.loggedAtFlushStart} already in D1 by the alarm; flush() wrote ${flushed} rows in ${flushMs} ms (${fmtRps(row.flushRowsPerS)} rows/s); ` +
        `all ${r.logged}/${n} in D1 ${r.untilAllLoggedMs} ms after ingest; alarm only: ${row.alarmOnly.loggedDuringIngest} in D1 during a ${row.alarmOnly.ingestMs} ms ingest, ` +
        `${row.alarmOnly.logged}/${n} ${row.alarmOnly.untilAllLoggedMs} ms after it`,
    );
  }
  return results;
}

// ------------------------------------------------------------------------ (b) live

async function livePart() {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-do-"));
  life.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  log(`starting the app as npm start does (PORT=${port}, PERSIST_DIR=${stateDir})`);
  const app = await startApp({ stateDir, port, register: life.register });
  const token = await login(app);
  const chat = async () => {
    const res = await fetch(`${app.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.credentials.apiKey}` },
      body: JSON.stringify({ model: "demo/echo", messages: [{ role: "user", content: "live latency probe" }] }),
    });
    const text = await res.text();
    return { status: res.status, ok: res.status === 200 && text.includes('"chat.completion"'), text };
  };
  // Warm-up before anyone subscribes (not counted: nobody listens yet).
  for (let i = 0; i < 5; i++) {
    const r = await chat();
    if (!r.ok) throw new Error(`a warm-up gateway call answered ${r.status}: ${r.text.slice(0, 300)}`);
  }
  await sleep(1500); // let the warm-up events' update window pass

  // Subscribers: one single-use ticket and one WebSocket each.
  const subs = [];
  const wsOrigin = app.origin.replace(/^http/, "ws");
  const openErrors = [];
  await pool(config.subscribers, 10, async (i) => {
    const { ticket } = await api(app.origin, "POST", "/api/analytics/live/ticket", { token });
    const sub = { i, seen: 0, arrivals: [], hello: false, closed: false, messages: 0, bad: 0 };
    await new Promise((resolve) => {
      const ws = new WebSocket(`${wsOrigin}/api/analytics/live?ticket=${encodeURIComponent(ticket)}`);
      sub.ws = ws;
      const timer = setTimeout(() => {
        openErrors.push(`subscriber ${i}: no hello within 15 s`);
        resolve();
      }, 15_000);
      ws.onmessage = (e) => {
        const at = performance.now();
        sub.messages++;
        let msg;
        try {
          msg = JSON.parse(e.data);
        } catch {
          sub.bad++;
          return;
        }
        if (msg.type === "hello") {
          sub.hello = true;
          clearTimeout(timer);
          resolve();
        } else if (msg.type === "update" && Number.isInteger(msg.events)) {
          for (let k = 0; k < msg.events; k++) sub.arrivals.push(at);
          sub.seen += msg.events;
        } else sub.bad++;
      };
      ws.onerror = () => {
        openErrors.push(`subscriber ${i}: WebSocket error`);
        clearTimeout(timer);
        resolve();
      };
      ws.onclose = (e) => {
        sub.closed = true;
        sub.closedAt = performance.now();
        sub.closeCode = e.code;
        sub.closeReason = e.reason;
      };
    });
    subs.push(sub);
  });
  life.defer(() => {
    for (const s of subs) {
      try {
        s.ws.close();
      } catch {
        // gone
      }
    }
  });
  const connected = subs.filter((s) => s.hello).length;
  log(`${connected}/${config.subscribers} live WebSockets open${openErrors.length ? red(` (${openErrors.length} failed: ${openErrors[0]})`) : ""}`);

  // Steady pace: one call at a time, every eventIntervalMs.
  const calls = [];
  const t0 = performance.now();
  for (let k = 0; k < config.events; k++) {
    const due = t0 + k * config.eventIntervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    const r = await chat();
    calls.push({ k, sent, answered: performance.now(), status: r.status, ok: r.ok });
  }
  // Wait for the last updates (the batching window plus slack), up to 10 s.
  const waitUntil = performance.now() + 10_000;
  while (performance.now() < waitUntil && subs.some((s) => s.hello && !s.closed && s.seen < config.events)) await sleep(50);

  const first = [];
  const last = [];
  const lastFromStart = [];
  let missing = 0;
  for (const call of calls) {
    const arrivals = subs.filter((s) => s.hello).map((s) => s.arrivals[call.k]);
    const got = arrivals.filter((a) => a !== undefined);
    missing += arrivals.length - got.length;
    if (got.length === 0) continue;
    first.push(Math.min(...got) - call.answered);
    last.push(Math.max(...got) - call.answered);
    lastFromStart.push(Math.max(...got) - call.sent);
  }
  const extraEvents = subs.reduce((s, sub) => s + Math.max(0, sub.seen - config.events), 0);
  const result = {
    subscribers: config.subscribers,
    connected,
    openErrors,
    calls: calls.length,
    callErrors: calls.filter((c) => !c.ok).length,
    intervalMs: config.eventIntervalMs,
    callLatency: stats(calls.map((c) => c.answered - c.sent)),
    toFirst: stats(first),
    toLast: stats(last),
    toLastFromStart: stats(lastFromStart),
    missingDeliveries: missing,
    unexpectedEvents: extraEvents,
    closedEarly: subs.filter((s) => s.closed).length,
    closeCodes: subs
      .filter((s) => s.closed)
      .reduce((m, s) => ({ ...m, [`${s.closeCode} ${s.closeReason}`.trim()]: (m[`${s.closeCode} ${s.closeReason}`.trim()] ?? 0) + 1 }), {}),
    closedAfterMs: stats(subs.filter((s) => s.closed).map((s) => s.closedAt - t0)),
    eventsSeenBySubscriber: stats(subs.filter((s) => s.hello).map((s) => s.seen)),
    badMessages: subs.reduce((s, sub) => s + sub.bad, 0),
  };
  log(
    `live   ${calls.length} calls → first subscriber p50 ${fmtMs(result.toFirst.p50)} ms, last of ${connected} p50 ${fmtMs(result.toLast.p50)} ms${missing ? red(`  ${missing} deliveries missing`) : ""}`,
  );
  for (const s of subs) s.ws.close();
  await app.stop();
  return result;
}

// ---------------------------------------------------------------------------- report

function report({ admission, flush, live, failures, loadBefore, loadAfter, startedAt }) {
  const lines = preamble("AI Aggregator — Durable Objects (TenantGate admission, AnalyticsHub live and flush)", {
    loadBefore,
    loadAfter,
    extra: [
      `node for the app: ${process.version}; Miniflare harness: wrangler createTestHarness (storage in memory), app: npm start (PERSIST_DIR in a temp dir)`,
    ],
  });
  const out = (s = "") => lines.push(s);
  let errors = 0;
  if (admission) {
    out();
    out(bold("(a) admission round trip: admit() then settle(), a fresh request id each, one tenant's gate"));
    out("a1 — from Node on Miniflare's TenantGate stub (includes the Node↔workerd RPC proxy hop; no-op RPC = that hop alone), ms");
    const h1 = `${pad("conc", 5)}${pad("calls", 7)}${pad("err", 5)}${pad("pairs/s", 9)}${pad("admit p50", 11)}${pad("admit p99", 11)}${pad("settle p50", 12)}${pad("settle p99", 12)}${pad("no-op p50", 11)}${pad("no-op p99", 11)}`;
    out(h1);
    out("─".repeat(h1.length));
    for (const p of admission.viaProxy) {
      errors += p.errors;
      out(
        `${pad(p.concurrency, 5)}${pad(p.calls, 7)}${pad(p.errors, 5)}${pad(fmtRps(p.pairsPerS), 9)}${pad(fmtMs(p.admit.p50), 11)}${pad(fmtMs(p.admit.p99), 11)}${pad(fmtMs(p.settle.p50), 12)}${pad(fmtMs(p.settle.p99), 12)}${pad(fmtMs(p.noopRpc.p50), 11)}${pad(fmtMs(p.noopRpc.p99), 11)}`,
      );
    }
    out();
    out("a2 — from Node over keep-alive HTTP to a driver Worker in the same workerd that makes both RPCs (noop: the driver alone), ms");
    const h2 = `${pad("conc", 5)}${pad("calls", 7)}${pad("err", 5)}${pad("req/s", 8)}${pad("pair p50", 10)}${pad("pair p99", 10)}${pad("noop p50", 10)}${pad("noop p99", 10)}${pad("pair−noop p50", 15)}${pad("pair−noop p99", 15)}`;
    out(h2);
    out("─".repeat(h2.length));
    for (const p of admission.viaHttp) {
      errors += p.pair.errors + p.noop.errors;
      out(
        `${pad(p.concurrency, 5)}${pad(p.pair.requests, 7)}${pad(p.pair.errors + p.noop.errors, 5)}${pad(fmtRps(p.pair.rps), 8)}${pad(fmtMs(p.pair.latencyMs.p50), 10)}${pad(fmtMs(p.pair.latencyMs.p99), 10)}${pad(fmtMs(p.noop.latencyMs.p50), 10)}${pad(fmtMs(p.noop.latencyMs.p99), 10)}` +
          `${pad(fmtMs(p.pair.latencyMs.p50 - p.noop.latencyMs.p50), 15)}${pad(fmtMs(p.pair.latencyMs.p99 - p.noop.latencyMs.p99), 15)}${p.pair.truncatedByTime ? "  (time cap)" : ""}`,
      );
    }
    out("(at c=1 noop and admit+settle calls take turns; pair−noop is a difference of percentiles)");
    out();
    out("a3 — inside workerd: the driver times n pairs itself (ms clock that moves on I/O: means, not percentiles)");
    const h3 = `${pad("conc", 5)}${pad("pairs", 7)}${pad("refused", 9)}${pad("ms", 8)}${pad("pairs/s", 9)}${pad("admit mean", 12)}${pad("settle mean", 13)}`;
    out(h3);
    out("─".repeat(h3.length));
    for (const p of admission.inWorkerd) {
      errors += p.refused;
      out(
        `${pad(p.concurrency, 5)}${pad(p.n, 7)}${pad(p.refused, 9)}${pad(p.elapsedMs, 8)}${pad(fmtRps(p.pairsPerS), 9)}${pad(fmtMs(p.meanAdmitMs), 12)}${pad(fmtMs(p.meanSettleMs), 13)}`,
      );
    }
  }
  if (live) {
    errors += live.callErrors + live.missingDeliveries + (live.subscribers - live.connected) + live.closedEarly;
    out();
    out(
      bold(
        `(b) event to dashboard: ${live.connected}/${live.subscribers} WebSocket subscribers, ${live.calls} gateway calls (demo/echo) one every ${live.intervalMs} ms`,
      ),
    );
    out("from the end of a call's response to the arrival (in this Node process) of the first update reflecting it, and of the last of all subscribers, ms");
    const h = `${padEnd("", 26)}${pad("p50", 8)}${pad("p90", 8)}${pad("p99", 8)}${pad("max", 8)}`;
    out(h);
    out("─".repeat(h.length));
    const row = (label, s) => out(`${padEnd(label, 26)}${pad(fmtMs(s.p50), 8)}${pad(fmtMs(s.p90), 8)}${pad(fmtMs(s.p99), 8)}${pad(fmtMs(s.max), 8)}`);
    row("→ first subscriber", live.toFirst);
    row(`→ last of ${live.connected}`, live.toLast);
    row("the gateway call itself", live.callLatency);
    row(`call start → last of ${live.connected}`, live.toLastFromStart);
    out(
      `call errors ${live.callErrors} · deliveries missing ${live.missingDeliveries} · unexpected extra events ${live.unexpectedEvents} · sockets closed early ${live.closedEarly} · unparsable messages ${live.badMessages}` +
        (live.openErrors.length ? ` · ${live.openErrors.length} subscriptions failed` : ""),
    );
    if (live.closedEarly) {
      out(
        red(
          `${live.closedEarly} subscribers were disconnected during the run (${JSON.stringify(live.closeCodes)}, ~${fmtMs(live.closedAfterMs.p50)} ms after the first call).`,
        ),
      );
      out(
        "(wrangler dev rebuilds and reloads the Worker when one of its source files changes, dropping every WebSocket with 1006: was the tree being edited?)",
      );
    }
    out("(an update can arrive before this process has read the end of the response: then the figure is negative)");
    out(
      `(the hub sends at most one update per 300 ms (PUSH_INTERVAL_MS), at once after a quiet window: ${live.intervalMs >= 300 ? "at this pace no call waits for the window" : "at this pace some calls wait for the end of a window"})`,
    );
  }
  if (flush) {
    out();
    out(bold("(c) AnalyticsHub flush to D1 (request_log + usage_rollups): N events ingested 16 at once, then flush() until all N are in request_log"));
    const h = `${pad("N", 7)}${pad("ingest/s", 10)}${pad("by alarm", 10)}${pad("by flush()", 12)}${pad("rounds", 8)}${pad("flush ms", 10)}${pad("rows/s", 9)}${pad("drain ms", 10)}${pad("drain rows/s", 14)}${pad("in D1", 8)}`;
    out(h);
    out("─".repeat(h.length));
    for (const r of flush) {
      if (!r.complete) errors += r.n - r.logged;
      const flushMs = r.flushes.reduce((s, f) => s + f.ms, 0);
      out(
        `${pad(r.n, 7)}${pad(fmtRps(r.ingestPerS), 10)}${pad(r.loggedAtFlushStart, 10)}${pad(r.flushedByCalls, 12)}${pad(r.flushCallRounds, 8)}${pad(flushMs, 10)}${pad(fmtRps(r.flushRowsPerS), 9)}${pad(r.untilAllLoggedMs, 10)}${pad(fmtRps(r.drainRowsPerS), 14)}` +
          `${pad(r.complete ? "all" : red(`${r.logged}`), 8)}`,
      );
    }
    out("(by alarm: rows the hub's own alarm had written while the ingest ran; rows/s: rows written by the flush() calls over their own");
    out(" duration as the hub times it; drain: from the end of ingest until request_log held all N)");
    out("the product's path — no flush() call, the hub's alarm alone (due 1 s after the first event); a fresh tenant, the same ingest:");
    const h2 = `${pad("N", 7)}${pad("ingest ms", 11)}${pad("in D1 when ingest ended", 25)}${pad("pending then", 14)}${pad("all in D1 after", 17)}${pad("in D1", 8)}`;
    out(h2);
    out("─".repeat(h2.length));
    for (const r of flush) {
      const a = r.alarmOnly;
      if (!a.complete) errors += r.n - a.logged;
      out(
        `${pad(r.n, 7)}${pad(a.ingestMs, 11)}${pad(a.loggedDuringIngest, 25)}${pad(a.pendingAfterIngest, 14)}${pad(`${a.untilAllLoggedMs} ms`, 17)}${pad(a.complete ? "all" : red(`${a.logged}`), 8)}`,
      );
    }
    if (flush.some((r) => r.alarmOnly.ingestMs > 1500 && r.alarmOnly.loggedDuringIngest === 0)) {
      out(red("the alarm did not run while events kept arriving back to back: nothing reached D1 until the ingest stopped"));
    }
  }
  out();
  for (const f of failures) out(red(`part ${f.part} FAILED: ${f.error.split("\n")[0]}`));
  out(errors ? red(`${errors} calls, deliveries or rows failed — see above`) : "every call answered, every update arrived, every row reached D1");
  const json = {
    benchmark: "durable-objects",
    started_at: startedAt.toISOString(),
    machine: machine(),
    load_average: { before: loadBefore, after: loadAfter },
    versions: versions(),
    config: { ...config, out: path.relative(repoRoot, config.out) },
    admission: admission && {
      via_node_proxy: admission.viaProxy.map((p) => ({
        concurrency: p.concurrency,
        calls: p.calls,
        errors: p.errors,
        error_kinds: p.errorKinds,
        pairs_per_s: round(p.pairsPerS, 1),
        admit_ms: roundStats(p.admit),
        settle_ms: roundStats(p.settle),
        pair_ms: roundStats(p.pair),
        noop_rpc_ms: roundStats(p.noopRpc),
      })),
      via_http_driver: admission.viaHttp.map((p) => ({
        concurrency: p.concurrency,
        pair: {
          requests: p.pair.requests,
          errors: p.pair.errors,
          error_kinds: p.pair.errorKinds,
          rps: round(p.pair.rps, 1),
          latency_ms: roundStats(p.pair.latencyMs),
        },
        noop: { requests: p.noop.requests, errors: p.noop.errors, rps: round(p.noop.rps, 1), latency_ms: roundStats(p.noop.latencyMs) },
        pair_minus_noop_ms: { p50: round(p.pair.latencyMs.p50 - p.noop.latencyMs.p50), p99: round(p.pair.latencyMs.p99 - p.noop.latencyMs.p99) },
      })),
      inside_workerd: admission.inWorkerd.map((p) => ({
        concurrency: p.concurrency,
        pairs: p.n,
        ok: p.ok,
        refused: p.refused,
        refusals: p.refusals,
        elapsed_ms: p.elapsedMs,
        pairs_per_s: round(p.pairsPerS, 1),
        mean_admit_ms: round(p.meanAdmitMs),
        mean_settle_ms: round(p.meanSettleMs),
      })),
    },
    live: live && {
      ...live,
      callLatency: roundStats(live.callLatency),
      toFirst: roundStats(live.toFirst),
      toLast: roundStats(live.toLast),
      toLastFromStart: roundStats(live.toLastFromStart),
    },
    flush: flush?.map((r) => ({
      ...r,
      ingestPerS: round(r.ingestPerS, 1),
      flushRowsPerS: round(r.flushRowsPerS, 1),
      drainRowsPerS: round(r.drainRowsPerS, 1),
    })),
    errors,
    failed_parts: failures,
  };
  out(`figures written to ${writeReport(config.out, json)}`);
  console.log(lines.join("\n"));
  return errors;
}

async function main() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  life.watchdog(config.totalSeconds, "DO_TOTAL_SECONDS");
  let admission = null;
  let flush = null;
  let live = null;
  // A part that fails is reported, and the others still run.
  const failures = [];
  const part = async (name, fn) => {
    try {
      return await fn();
    } catch (error) {
      console.error(red(`part ${name} failed: ${error.stack ?? error.message}`));
      failures.push({ part: name, error: String(error.message ?? error).slice(0, 2000) });
      return null;
    }
  };
  if (config.parts.includes("admission") || config.parts.includes("flush")) {
    log("starting the app's Worker and Durable Objects in workerd (wrangler test harness, from wrangler.toml) with the bench driver");
    const harness = await part("harness", startDoHarness);
    if (harness) {
      life.defer(() => harness.close());
      log(`harness on ${harness.url}`);
      if (config.parts.includes("admission")) admission = await part("admission", () => admissionPart(harness));
      if (config.parts.includes("flush")) flush = await part("flush", () => flushPart(harness));
      await harness.close();
    }
  }
  if (config.parts.includes("live")) live = await part("live", livePart);
  const errors = report({ admission, flush, live, failures, loadBefore, loadAfter: loadavg(), startedAt });
  if (failures.length) throw new Error(`${failures.map((f) => f.part).join(", ")} failed (see above); the figures of the other parts were written`);
  return errors;
}

let exitCode = 0;
try {
  if ((await main()) > 0) exitCode = 2;
} catch (error) {
  console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  await life.cleanup();
}
process.exit(exitCode);
