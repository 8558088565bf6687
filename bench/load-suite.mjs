// Load suite: many gateway calls against a faulty upstream, a Worker restart in the middle, and
// then the books checked — every call answered in a well-formed way, logged exactly once, and
// billed exactly once. A test of correctness under load, not a benchmark (not part of npm test).
//
//   npm run test:load            (or: node bench/load-suite.mjs)
//
// What it does, on loopback only:
//  1. Starts the tests' provider mock (test/mocks/upstream.ts, in a worker thread: faults by model
//     name) and the app as `npm start` does (bench/lib/app.mjs: PORT, a fresh PERSIST_DIR).
//  2. As the seeded owner: creates two openai-compatible providers on the mock — `flaky`
//     (gpt-4o-mini and the fault models fail-500, fail-429, reset, truncate, slow-<ms>) and
//     `healthy` (gpt-4o-mini) — and route aliases (POST /api/routes, strategy fallback,
//     retries 0): `load-ok` = flaky/gpt-4o-mini → healthy/gpt-4o-mini and, per fault,
//     `load-<fault>` = flaky/<fault> → healthy/gpt-4o-mini. Reads the balance (GET /api/billing).
//  3. Sends LOAD_REQUESTS calls (POST /v1/chat/completions, the seeded key) from LOAD_CONCURRENCY
//     keep-alive workers, half streamed (stream_options.include_usage). LOAD_FAULT_PERCENT of
//     them (5 % by default, spread evenly over the five faults) name a fault model: most through
//     its alias (the healthy fallback should answer), LOAD_DIRECT_FAULT_PERCENT of those directly
//     as flaky/<fault> (no fallback: the failure must be passed on as a well-formed error). The
//     plan is drawn from a seeded generator (LOAD_SEED), so a run can be repeated.
//  4. At LOAD_RESTART_AT of the calls it stops sending, kills the app (its whole process group:
//     start.mjs and workerd — SIGTERM, or LOAD_KILL_SIGNAL=SIGKILL for a crash) while calls
//     are in flight, starts it again on the same port with the same PERSIST_DIR, and goes on.
//     After a SIGKILL, calls answered less than BOOKS_IN_FLIGHT_MS before it may be missing from
//     the log (their books were still in the isolate's batch: lost with it, and not charged);
//     the checks allow exactly those and say how many.
//  5. Checks every answer: 200 JSON must be a chat.completion; a 200 stream must be SSE whose
//     events are JSON and which ends in `data: [DONE]` or an error event; any other status must
//     be the JSON error envelope ({ error: { message, type, … } }), a 429 with Retry-After; a 5xx
//     only where an injected upstream failure had no fallback, and then coded upstream_*.
//  6. Waits for the AnalyticsHub to flush, then reads the request log (GET
//     /api/analytics/export?format=ndjson), the rollups (GET /api/analytics), and the books (GET
//     /api/billing/reconcile, which flushes the gate's journal to the ledger, and GET
//     /api/billing). Checks: every answered call (by its x-request-id) is in the log exactly once
//     with the status it was answered with; the log has no row that no call explains (only calls
//     that got no answer at the restart may or may not be there); the rollups count the same
//     requests and cost as the log; spend (balance before − after) = Σ cost_micros of the log;
//     the ledger equals the balance (drift 0).
//  Prints the outcome table and every check (pass or FAIL), writes bench/results/load-suite.json.
//
// Settings (environment variables):
//   LOAD_REQUESTS=20000  LOAD_CONCURRENCY=64  LOAD_FAULT_PERCENT=5  LOAD_DIRECT_FAULT_PERCENT=30
//   LOAD_STREAM_PERCENT=50  LOAD_SLOW_MS=1500  LOAD_SEED=42
//   LOAD_RESTART_AT=50   percent of the calls after which the Worker is restarted (0: never)
//   LOAD_KILL_SIGNAL=SIGTERM (or SIGKILL)
//   LOAD_MAX_SECONDS=480   stop sending after this long (the report says so)
//   LOAD_FLUSH_WAIT_SECONDS=60, LOAD_REQUEST_TIMEOUT_MS=30000, LOAD_TOTAL_SECONDS=900 (watchdog)
//   LOAD_OUT=bench/results/load-suite.json
// Exit code: 0 every check passed, 1 the run failed, 2 a check failed.
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot, startApp } from "./lib/app.mjs";
import {
  api,
  bold,
  fmtMs,
  fmtRps,
  green,
  intEnv,
  lifecycle,
  loadavg,
  log,
  login,
  machine,
  pad,
  padEnd,
  preamble,
  red,
  requireNode22,
  round,
  roundStats,
  sleep,
  stats,
  versions,
  writeReport,
} from "./lib/common.mjs";
import { startFaultMockThread } from "./lib/fault-mock.mjs";
import { once } from "./lib/load.mjs";

requireNode22();

const config = {
  requests: intEnv("LOAD_REQUESTS", 20_000, 1),
  concurrency: intEnv("LOAD_CONCURRENCY", 64, 1, 1024),
  faultPercent: intEnv("LOAD_FAULT_PERCENT", 5, 0, 100),
  clientErrorPercent: intEnv("LOAD_CLIENT_ERROR_PERCENT", 1, 0, 100),
  directFaultPercent: intEnv("LOAD_DIRECT_FAULT_PERCENT", 30, 0, 100),
  streamPercent: intEnv("LOAD_STREAM_PERCENT", 50, 0, 100),
  endUserPercent: intEnv("LOAD_END_USER_PERCENT", 30, 0, 100),
  slowMs: intEnv("LOAD_SLOW_MS", 1500, 1, 20_000),
  seed: intEnv("LOAD_SEED", 42),
  restartAtPercent: intEnv("LOAD_RESTART_AT", 50, 0, 99),
  killSignal: process.env.LOAD_KILL_SIGNAL || "SIGTERM",
  maxSeconds: intEnv("LOAD_MAX_SECONDS", 480, 1),
  flushWaitSeconds: intEnv("LOAD_FLUSH_WAIT_SECONDS", 60, 1),
  requestTimeoutMs: intEnv("LOAD_REQUEST_TIMEOUT_MS", 30_000, 1),
  totalSeconds: intEnv("LOAD_TOTAL_SECONDS", 900, 10),
  out: path.resolve(repoRoot, process.env.LOAD_OUT || "bench/results/load-suite.json"),
};
if (!["SIGTERM", "SIGKILL"].includes(config.killSignal)) throw new Error("LOAD_KILL_SIGNAL must be SIGTERM or SIGKILL");

const life = lifecycle();
/** How long before a SIGKILL an answered call's books may still be in its isolate's batch (one delivery, with room). */
const BOOKS_IN_FLIGHT_MS = 50;
const FAULTS = ["fail-500", "fail-429", "reset", "truncate", `slow-${config.slowMs}`];
const faultName = (f) => (f.startsWith("slow-") ? "slow" : f);

// ---------------------------------------------------------------------------- the plan

/** mulberry32: a small seeded generator, so that a run's plan can be repeated. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The caller's own mistakes, refused by the gateway before any upstream call: an unknown model
// (404) and an invalid body (400).
const CLIENT_ERRORS = ["unknown-model", "invalid-body"];

/**
 * End users some calls name (`user`), each with a daily budget of its own: END_USER_BUDGET_STEP
 * µ$ times its number, so the first ones run out during the run and the last ones do not.
 */
const END_USERS = 8;
const END_USER_BUDGET_STEP = 300;
const endUserName = (k) => `load-user-${k}`;

function plan(n) {
  const random = rng(config.seed);
  const users = rng(config.seed + 1);
  return Array.from({ length: n }, (_, i) => {
    const endUser = users() * 100 < config.endUserPercent ? endUserName(1 + Math.floor(users() * END_USERS)) : null;
    const stream = random() * 100 < config.streamPercent;
    const faulty = random() * 100 < config.faultPercent;
    const fault = faulty ? FAULTS[Math.floor(random() * FAULTS.length)] : null;
    const direct = faulty && random() * 100 < config.directFaultPercent;
    const clientError = !faulty && random() * 100 < config.clientErrorPercent ? CLIENT_ERRORS[Math.floor(random() * CLIENT_ERRORS.length)] : null;
    const model = clientError === "unknown-model" ? "flaky/no-such-model" : !fault ? "load-ok" : direct ? `flaky/${fault}` : `load-${faultName(fault)}`;
    return { i, stream, fault, direct, clientError, model, endUser };
  });
}

const category = (p) =>
  `${p.clientError ? `${p.clientError} (client error)` : p.fault ? `${faultName(p.fault)} ${p.direct ? "direct" : "via alias"}` : "healthy via alias"} (${p.stream ? "stream" : "json"})`;

// ------------------------------------------------------------------------- the checker

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isEnvelope = (j) =>
  j && typeof j === "object" && j.error && typeof j.error === "object" && typeof j.error.message === "string" && typeof j.error.type === "string";

/**
 * What a call got, and whether it is well-formed:
 * { outcome: ok-json | ok-stream | sse-error | http-<status> | no-response, wellFormed, why?, code? }
 */
function judge(p, r) {
  if (r.error && r.status === undefined) return { outcome: "no-response", wellFormed: false, why: r.error };
  const type = String(r.headers?.["content-type"] ?? "");
  const text = r.body ? r.body.toString("utf8") : "";
  if (r.error) return { outcome: `cut-${r.status}`, wellFormed: false, why: `body cut: ${r.error}`, partial: true };
  if (r.status === 200 && !p.stream) {
    const j = parseJson(text);
    if (!type.startsWith("application/json")) return { outcome: "ok-json", wellFormed: false, why: `content-type ${type}` };
    if (j?.object !== "chat.completion" || !Array.isArray(j.choices) || typeof j.choices[0]?.message?.content !== "string")
      return { outcome: "ok-json", wellFormed: false, why: "not a chat.completion" };
    return { outcome: "ok-json", wellFormed: true };
  }
  if (r.status === 200 && p.stream) {
    if (!type.startsWith("text/event-stream")) return { outcome: "ok-stream", wellFormed: false, why: `content-type ${type}` };
    const datas = [];
    for (const block of text.split(/\r?\n\r?\n/)) {
      const lines = block.split(/\r?\n/).filter((l) => l.startsWith("data:"));
      if (lines.length) datas.push(lines.map((l) => l.slice(5).trimStart()).join("\n"));
    }
    let errorEvent = null;
    for (const [k, d] of datas.entries()) {
      if (d === "[DONE]") {
        if (k !== datas.length - 1) return { outcome: "ok-stream", wellFormed: false, why: "events after [DONE]" };
        continue;
      }
      const j = parseJson(d);
      if (j === undefined) return { outcome: "ok-stream", wellFormed: false, why: "an event that is not JSON" };
      if (isEnvelope(j)) errorEvent = j;
    }
    const last = datas.at(-1);
    if (last === "[DONE]")
      return errorEvent ? { outcome: "sse-error", wellFormed: true, code: errorEvent.error.code ?? null } : { outcome: "ok-stream", wellFormed: true };
    if (errorEvent && last !== undefined && isEnvelope(parseJson(last))) return { outcome: "sse-error", wellFormed: true, code: errorEvent.error.code ?? null };
    return { outcome: "ok-stream", wellFormed: false, why: "stream ended without [DONE] or an error event" };
  }
  const j = parseJson(text);
  const outcome = `http-${r.status}`;
  if (!type.startsWith("application/json") || !isEnvelope(j))
    return { outcome, wellFormed: false, why: `not the JSON error envelope (${type}): ${text.slice(0, 120)}` };
  if (r.status === 429 && !r.headers["retry-after"]) return { outcome, wellFormed: false, why: "429 without Retry-After", code: j.error.code ?? null };
  return { outcome, wellFormed: true, code: j.error.code ?? null };
}

/** A 5xx is acceptable only as an injected upstream failure with no fallback, coded upstream_*. */
function unexpected5xx(p, verdict) {
  if (!verdict.outcome.startsWith("http-5")) return false;
  const upstreamFault = p.fault && p.direct && !p.fault.startsWith("slow-");
  return !(upstreamFault && typeof verdict.code === "string" && verdict.code.startsWith("upstream_"));
}

// ------------------------------------------------------------------------------- main

function chatBody(p) {
  return JSON.stringify({
    model: p.model,
    messages: [{ role: "user", content: `load suite call ${p.i}: say something short` }],
    max_tokens: p.clientError === "invalid-body" ? -1 : 32,
    ...(p.endUser ? { user: p.endUser } : {}),
    ...(p.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

async function getJson(origin, pathname, token) {
  const res = await fetch(`${origin}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: parseJson(text), text };
}

async function exportRows(origin, token, fromMs) {
  const res = await fetch(`${origin}/api/analytics/export?format=ndjson&from=${fromMs}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${text.slice(0, 300)}`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function main() {
  const startedAt = new Date();
  const runFrom = Date.now() - 60_000;
  const loadBefore = loadavg();
  life.watchdog(config.totalSeconds, "LOAD_TOTAL_SECONDS");

  const mock = await startFaultMockThread();
  life.defer(() => mock.close());
  log(`provider mock (test/mocks/upstream.ts) on ${mock.openaiBaseUrl}`);

  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-load-"));
  life.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  log(`starting the app as npm start does (PORT=${port}, PERSIST_DIR=${stateDir})`);
  let app = await startApp({ stateDir, port, register: life.register });
  const token = await login(app);
  const key = app.credentials.apiKey;

  // Providers and routes, as the seeded owner.
  const openaiKey = mock.keys.openai;
  await api(app.origin, "POST", "/api/providers", {
    token,
    body: { name: "flaky", kind: "openai-compatible", base_url: mock.openaiBaseUrl, api_key: openaiKey, models: ["gpt-4o-mini", ...FAULTS] },
  });
  await api(app.origin, "POST", "/api/providers", {
    token,
    body: { name: "healthy", kind: "openai-compatible", base_url: mock.openaiBaseUrl, api_key: openaiKey, models: ["gpt-4o-mini"] },
  });
  const aliases = { "load-ok": "flaky/gpt-4o-mini", ...Object.fromEntries(FAULTS.map((f) => [`load-${faultName(f)}`, `flaky/${f}`])) };
  for (const [alias, first] of Object.entries(aliases)) {
    await api(app.origin, "POST", "/api/routes", {
      token,
      body: { alias, strategy: "fallback", targets: [{ model: first }, { model: "healthy/gpt-4o-mini" }], retries: 0, timeout_ms: 10_000 },
    });
  }
  log(`created providers flaky + healthy and ${Object.keys(aliases).length} fallback aliases (${Object.keys(aliases).join(", ")})`);
  for (let k = 1; k <= END_USERS; k++) {
    await api(app.origin, "PUT", `/api/end-users/${endUserName(k)}`, { token, body: { budget_micros: k * END_USER_BUDGET_STEP, budget_period: "daily" } });
  }
  log(
    `${END_USERS} end users with daily budgets of ${END_USER_BUDGET_STEP}–${END_USERS * END_USER_BUDGET_STEP} µ$, named by ${config.endUserPercent}% of calls`,
  );

  const billingBefore = await getJson(app.origin, "/api/billing", token);
  const billingApi = billingBefore.status === 200;
  let balanceBefore = billingApi ? billingBefore.body.balance_micros : null;
  if (!billingApi) {
    const diag = await getJson(app.origin, "/api/diagnostics", token);
    balanceBefore = diag.body?.gate?.balanceMicros ?? null;
    log(red(`GET /api/billing answered ${billingBefore.status}: using /api/diagnostics' gate balance (${balanceBefore}) instead`));
  }

  // ---------------------------------------------------------------------------- the load
  const calls = plan(config.requests);
  const results = new Array(calls.length);
  let agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency, maxFreeSockets: config.concurrency });
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const restartAt = config.restartAtPercent > 0 ? Math.floor((calls.length * config.restartAtPercent) / 100) : -1;
  let restart = null; // { killAt, killedMs, upAt, downS } once done
  let pause = null; // a promise the workers wait on while the app restarts
  let next = 0;
  let done = 0;
  const inFlight = new Set();
  const t0 = performance.now();
  const deadline = t0 + config.maxSeconds * 1000;
  let stoppedByTime = false;

  const doRestart = async () => {
    const inFlightAtKill = inFlight.size;
    const killAt = performance.now();
    log(`restart: ${next} calls issued, ${inFlightAtKill} in flight — killing the app (${config.killSignal} to its process group)`);
    if (config.killSignal === "SIGKILL") app.kill();
    await app.stop();
    const killedMs = performance.now() - killAt;
    // Whatever was in flight has failed or finished by now.
    while (inFlight.size > 0 && performance.now() - killAt < 30_000) await sleep(20);
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency, maxFreeSockets: config.concurrency });
    log("restart: starting the app again (same port, same PERSIST_DIR)");
    const startAt = performance.now();
    app = await startApp({ stateDir, port, register: life.register });
    restart = { afterCalls: next, inFlightAtKill, killAt, killedMs, downS: (performance.now() - killAt) / 1000, startS: (performance.now() - startAt) / 1000 };
    log(`restart: serving again after ${restart.downS.toFixed(1)} s down`);
  };

  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    log(`${done}/${calls.length} answered in ${s.toFixed(0)} s (${fmtRps(done / s)} calls/s), ${inFlight.size} in flight`);
  }, 15_000);
  progress.unref();

  const worker = async () => {
    for (;;) {
      if (pause) await pause;
      if (next >= calls.length) return;
      if (performance.now() > deadline) {
        stoppedByTime = true;
        return;
      }
      if (next === restartAt && !pause && !restart) {
        pause = doRestart().finally(() => {
          pause = null;
        });
        continue;
      }
      const p = calls[next++];
      const body = Buffer.from(chatBody(p));
      const started = performance.now();
      const token = {};
      inFlight.add(token);
      const r = await once({
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/v1/chat/completions",
        headers: { ...headers, "content-length": String(body.length) },
        body,
        timeoutMs: config.requestTimeoutMs,
      });
      inFlight.delete(token);
      const ended = performance.now();
      const verdict = judge(p, r);
      results[p.i] = {
        ...verdict,
        status: r.status ?? null,
        requestId: r.headers?.["x-request-id"] ?? null,
        started,
        ended,
        latencyMs: ended - started,
        upstreamAttempts: r.headers?.["x-aggregator-attempts"] ?? null,
      };
      done++;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  if (pause) await pause;
  clearInterval(progress);
  agent.destroy();
  const loadSeconds = (performance.now() - t0) / 1000;
  const sent = results.filter(Boolean).length;
  log(`load done: ${sent} calls in ${loadSeconds.toFixed(1)} s${stoppedByTime ? red(` (stopped by LOAD_MAX_SECONDS=${config.maxSeconds})`) : ""}`);

  // Calls at the restart: in flight when the kill began.
  const atRestart = (r) => restart && r.started < restart.killAt && r.ended > restart.killAt;

  // ------------------------------------------------------------------ the log and the books
  const answered = [];
  for (const [i, r] of results.entries()) if (r?.requestId && r.outcome !== "no-response" && !r.partial) answered.push({ i, r });
  const expectedLogged = answered.length;
  log(`waiting for the AnalyticsHub to flush (up to ${config.flushWaitSeconds} s): ${expectedLogged} answered calls to find in the request log`);
  let rows = [];
  const flushDeadline = performance.now() + config.flushWaitSeconds * 1000;
  let lastCount = -1;
  let stableSince = performance.now();
  const answeredIds = new Set(answered.map((a) => a.r.requestId));
  for (;;) {
    rows = await exportRows(app.origin, token, runFrom);
    const found = rows.filter((row) => answeredIds.has(row.id)).length;
    if (rows.length !== lastCount) {
      lastCount = rows.length;
      stableSince = performance.now();
    }
    // Done when every answered call is there, or when nothing new has come for 10 s.
    if (found === expectedLogged && performance.now() - stableSince > 3000) break;
    if (performance.now() - stableSince > 10_000) break;
    if (performance.now() > flushDeadline) break;
    await sleep(1000);
  }
  const rowById = new Map();
  let duplicateRows = 0;
  for (const row of rows) {
    if (rowById.has(row.id)) duplicateRows++;
    rowById.set(row.id, row);
  }
  const missing = [];
  const statusMismatch = [];
  for (const { i, r } of answered) {
    const row = rowById.get(r.requestId);
    if (!row) {
      missing.push({
        i,
        requestId: r.requestId,
        outcome: r.outcome,
        code: r.code ?? null,
        category: category(calls[i]),
        atRestart: atRestart(r),
        msFromKill: restart ? round(r.ended - restart.killAt, 1) : null,
      });
      continue;
    }
    // What the log should say: the HTTP status, but 502 for a stream that ended in an error event.
    const want = r.outcome === "sse-error" ? 502 : r.status;
    if (row.status !== want) statusMismatch.push({ i, requestId: r.requestId, outcome: r.outcome, logged: row.status, errorType: row.error_type });
  }
  const unexplained = rows.filter((row) => !answeredIds.has(row.id));
  const noResponse = results.filter((r) => r && (r.outcome === "no-response" || r.partial));
  const costSum = rows.reduce((s, row) => s + (row.cost_micros ?? 0), 0);

  const report = await getJson(app.origin, `/api/analytics?from=${runFrom}&interval=minute`, token);
  const rollups = report.status === 200 ? report.body.totals : null;
  const reconcile = billingApi ? await getJson(app.origin, "/api/billing/reconcile", token) : null;
  const billingAfter = billingApi ? await getJson(app.origin, "/api/billing", token) : null;
  const diagAfter = await getJson(app.origin, "/api/diagnostics", token);
  const balanceAfter = billingApi ? billingAfter.body?.balance_micros : (diagAfter.body?.gate?.balanceMicros ?? null);
  const spend = balanceBefore !== null && balanceAfter !== null ? balanceBefore - balanceAfter : null;
  const loadAfter = loadavg();

  // ------------------------------------------------------------------------------ checks
  const verdicts = results.filter(Boolean);
  const malformed = verdicts.filter((r) => !r.wellFormed && r.outcome !== "no-response" && !r.partial);
  const bad5xx = [];
  for (const [i, r] of results.entries())
    if (r && unexpected5xx(calls[i], r)) bad5xx.push({ i, category: category(calls[i]), outcome: r.outcome, code: r.code ?? null });
  const noResponseOutsideRestart = noResponse.filter((r) => !atRestart(r));
  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok, detail });
  check("every call was sent", sent === calls.length, `${sent} of ${calls.length}`);
  check(
    "every answer well-formed (chat.completion; SSE ending in [DONE] or an error event; JSON error envelope; 429 with Retry-After)",
    malformed.length === 0,
    `${malformed.length} malformed`,
  );
  check("no 5xx but an injected upstream failure without fallback, coded upstream_*", bad5xx.length === 0, `${bad5xx.length} other 5xx`);
  check(
    "every call got an answer, but those in flight at the restart",
    noResponseOutsideRestart.length === 0,
    `${noResponse.length} without an answer, ${noResponse.length - noResponseOutsideRestart.length} of them in flight at the kill`,
  );
  // A crash (SIGKILL) loses the books of the calls whose batch had not left the isolate yet: those
  // answered in the last moments before the kill are neither logged nor charged, and their
  // reservations are released by the gate's alarm (docs/limits-and-credit.md, "Settlement in batches").
  const lostWithIsolate = config.killSignal === "SIGKILL" ? missing.filter((m) => m.msFromKill !== null && m.msFromKill > -BOOKS_IN_FLIGHT_MS) : [];
  const missingBy = {};
  for (const m of missing) {
    const k = `${m.outcome}${m.code ? ` ${m.code}` : ""}`;
    missingBy[k] = (missingBy[k] ?? 0) + 1;
  }
  check(
    `every answered call is in the request log (2xx, 4xx and 5xx alike)${config.killSignal === "SIGKILL" ? `, but those answered < ${BOOKS_IN_FLIGHT_MS} ms before the SIGKILL` : ""}`,
    missing.length === lostWithIsolate.length,
    `${missing.length} of ${expectedLogged} missing${
      missing.length
        ? `: ${Object.entries(missingBy)
            .map(([k, v]) => `${k} ×${v}`)
            .join(
              ", ",
            )}; ${missing.filter((m) => m.atRestart).length} in flight at the kill, ${lostWithIsolate.length} answered < ${BOOKS_IN_FLIGHT_MS} ms before it`
        : ""
    }`,
  );
  check("no request logged twice", duplicateRows === 0, `${duplicateRows} duplicate ids in the export`);
  check(
    "the log holds nothing no call explains (rows beyond the answered calls: only calls unanswered at the restart)",
    unexplained.length <= noResponse.length - noResponseOutsideRestart.length,
    `${unexplained.length} rows of unanswered calls (≤ ${noResponse.length - noResponseOutsideRestart.length} allowed)`,
  );
  check(
    "each logged status is the status answered (502 for a stream ending in an error event)",
    statusMismatch.length === 0,
    `${statusMismatch.length} differ`,
  );
  check(
    "request_log rows = calls sent (all statuses), less unanswered ones not logged",
    rows.length === expectedLogged - lostWithIsolate.length + unexplained.length,
    `${rows.length} rows for ${sent} calls (${expectedLogged} answered)`,
  );
  if (rollups) {
    check(
      "rollups (GET /api/analytics) count the same requests as the log",
      rollups.requests === rows.length,
      `rollups ${rollups.requests} vs log ${rows.length}`,
    );
    check("rollups hold the same cost as the log", rollups.cost_micros === costSum, `rollups ${rollups.cost_micros} vs log ${costSum} µ$`);
  } else check("rollups readable", false, `GET /api/analytics answered ${report.status}`);
  if (spend !== null)
    check(
      `spend (balance before − after, ${billingApi ? "GET /api/billing" : "gate balance in /api/diagnostics"}) = Σ cost_micros of the log`,
      spend === costSum,
      `spend ${spend} vs Σ cost ${costSum} µ$`,
    );
  else check("balance readable before and after", false, "no balance");
  if (reconcile) {
    const rc = reconcile.body;
    check(
      "ledger = balance after reconcile (drift 0, nothing unflushed)",
      reconcile.status === 200 && rc.drift_micros === 0 && rc.unflushed_entries === 0,
      reconcile.status === 200
        ? `balance ${rc.balance_micros}, ledger ${rc.ledger_micros}, drift ${rc.drift_micros}, unflushed ${rc.unflushed_entries}`
        : `GET /api/billing/reconcile answered ${reconcile.status}`,
    );
  }
  // A call killed between admission and settlement leaves its reservation until the gate's alarm
  // releases it (15 minutes, by design): at most one per call in flight at the kill.
  const openReservations = diagAfter.body?.gate?.openReservations ?? null;
  const allowedOpen = restart ? restart.inFlightAtKill : 0;
  if (openReservations !== null) {
    check(
      "no reservation left open but by calls in flight at the kill (those expire after 15 min)",
      openReservations <= allowedOpen,
      `${openReservations} open (${billingAfter?.body?.reserved_micros ?? diagAfter.body?.gate?.reservedMicros ?? "?"} µ$ reserved), ≤ ${allowedOpen} allowed`,
    );
  }
  const endUsers = await getJson(app.origin, "/api/end-users", token);
  if (endUsers.status === 200) {
    const logged = new Map();
    for (const row of rows) if (row.end_user) logged.set(row.end_user, (logged.get(row.end_user) ?? 0) + (row.cost_micros ?? 0));
    const wrong = [];
    for (let k = 1; k <= END_USERS; k++) {
      const u = endUsers.body.data.find((x) => x.end_user === endUserName(k));
      const spent = u?.budget_spent_micros ?? 0;
      if (spent !== (logged.get(endUserName(k)) ?? 0) || spent > k * END_USER_BUDGET_STEP)
        wrong.push(`${endUserName(k)}: gate ${spent}, log ${logged.get(endUserName(k)) ?? 0}, budget ${k * END_USER_BUDGET_STEP}`);
    }
    const refused = verdicts.filter((r) => r.code === "budget_exceeded").length;
    check(
      "each end user's spend in the gate = Σ cost of their calls in the log, within their budget",
      wrong.length === 0,
      wrong.length ? wrong.join("; ") : `${END_USERS} end users agree; ${refused} calls refused 402 budget_exceeded`,
    );
    if (config.endUserPercent > 0) check("end users past their budget are refused (402 budget_exceeded)", refused > 0, `${refused} refused`);
  } else check("end users readable", false, `GET /api/end-users answered ${endUsers.status}`);
  const failed = checks.filter((c) => !c.ok).length;

  // ------------------------------------------------------------------------------ report
  const byCategory = new Map();
  for (const [i, r] of results.entries()) {
    if (!r) continue;
    const c = category(calls[i]);
    let row = byCategory.get(c);
    if (!row) byCategory.set(c, (row = { sent: 0, outcomes: {}, malformed: 0, latencies: [] }));
    row.sent++;
    const key = r.code && !r.outcome.startsWith("ok") ? `${r.outcome} ${r.code}` : r.outcome;
    row.outcomes[key] = (row.outcomes[key] ?? 0) + 1;
    if (!r.wellFormed && r.outcome !== "no-response" && !r.partial) row.malformed++;
    row.latencies.push(r.latencyMs);
  }
  const lines = preamble("AI Aggregator — load suite: faulty upstream, fallback, a Worker restart, and the books", {
    loadBefore,
    loadAfter,
    extra: [
      `calls     ${sent} (${config.streamPercent} % streamed) at concurrency ${config.concurrency} in ${loadSeconds.toFixed(1)} s (${fmtRps(sent / loadSeconds)} calls/s, restart included); ` +
        `${config.faultPercent} % name a fault (${FAULTS.join(", ")}), ${config.directFaultPercent} % of those without fallback; ` +
        `${config.clientErrorPercent} % of the rest are the caller's mistakes (${CLIENT_ERRORS.join(", ")}); seed ${config.seed}`,
      restart
        ? `restart   after ${restart.afterCalls} calls: ${config.killSignal} to the app's process group with ${restart.inFlightAtKill} calls in flight; down ${restart.downS.toFixed(1)} s (start-up ${restart.startS.toFixed(1)} s)`
        : "restart   none",
    ],
  });
  const out = (s = "") => lines.push(s);
  out();
  const h = `${padEnd("calls", 34)}${pad("sent", 7)}${pad("p50 ms", 8)}${pad("p99 ms", 8)}  outcomes`;
  out(h);
  out("─".repeat(100));
  const order = [...byCategory.keys()].sort((a, b) => (a.startsWith("healthy") ? -1 : b.startsWith("healthy") ? 1 : a.localeCompare(b)));
  for (const c of order) {
    const row = byCategory.get(c);
    const s = stats(row.latencies);
    const outcomes = Object.entries(row.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    out(
      `${padEnd(c, 34)}${pad(row.sent, 7)}${pad(fmtMs(s.p50), 8)}${pad(fmtMs(s.p99), 8)}  ${outcomes}${row.malformed ? red(`  (${row.malformed} malformed)`) : ""}`,
    );
  }
  out("(ok-json / ok-stream: 200 answers; sse-error: a 200 stream that ended in an error event; http-N CODE: an error answer;");
  out(" no-response / cut-N: no answer, or an answer cut off — only calls in flight at the restart may end so)");
  out();
  out(
    `request log ${rows.length} rows · answered ${expectedLogged} · no answer ${noResponse.length} · Σ cost ${costSum} µ$ · spend ${spend ?? "?"} µ$` +
      (rollups ? ` · rollups ${rollups.requests} requests, ${rollups.cost_micros} µ$` : ""),
  );
  if (reconcile?.status === 200)
    out(
      `books       reconcile: balance ${reconcile.body.balance_micros}, ledger ${reconcile.body.ledger_micros}, drift ${reconcile.body.drift_micros}, unflushed ${reconcile.body.unflushed_entries}; balance before ${balanceBefore}`,
    );
  out();
  out(bold("checks"));
  for (const c of checks) out(`  ${c.ok ? green("pass") : red("FAIL")}  ${padEnd(c.name, 110)} ${c.detail}`);
  const show = (title, list) => {
    if (!list.length) return;
    out(
      `  ${title} (first 5): ${list
        .slice(0, 5)
        .map((x) => JSON.stringify(x))
        .join(" ")}`,
    );
  };
  show(
    "malformed",
    malformed.map((r) => ({ outcome: r.outcome, why: r.why, requestId: r.requestId })),
  );
  show("unexpected 5xx", bad5xx);
  show("missing from the log", missing);
  show("status differs", statusMismatch);
  show(
    "no answer outside the restart",
    noResponseOutsideRestart.map((r) => ({ why: r.why, status: r.status })),
  );
  out();
  out(failed ? red(`${failed} of ${checks.length} checks FAILED`) : green(`all ${checks.length} checks passed`));

  const json = {
    suite: "load-suite",
    started_at: startedAt.toISOString(),
    machine: machine(),
    load_average: { before: loadBefore, after: loadAfter },
    versions: versions(),
    config: { ...config, out: path.relative(repoRoot, config.out), faults: FAULTS },
    load: {
      sent,
      seconds: round(loadSeconds, 2),
      calls_per_s: round(sent / loadSeconds, 1),
      stopped_by_time_cap: stoppedByTime,
      latency_ms: roundStats(stats(verdicts.map((r) => r.latencyMs))),
    },
    restart: restart && {
      after_calls: restart.afterCalls,
      signal: config.killSignal,
      in_flight_at_kill: restart.inFlightAtKill,
      down_s: round(restart.downS, 2),
      startup_s: round(restart.startS, 2),
    },
    outcomes: Object.fromEntries(
      order.map((c) => [
        c,
        {
          sent: byCategory.get(c).sent,
          outcomes: byCategory.get(c).outcomes,
          malformed: byCategory.get(c).malformed,
          latency_ms: roundStats(stats(byCategory.get(c).latencies)),
        },
      ]),
    ),
    request_log: {
      rows: rows.length,
      answered: expectedLogged,
      no_answer: noResponse.length,
      unexplained_rows: unexplained.length,
      duplicate_rows: duplicateRows,
      missing: missing.slice(0, 100),
      missing_count: missing.length,
      missing_by_outcome: missingBy,
      status_mismatch: statusMismatch.slice(0, 100),
      status_mismatch_count: statusMismatch.length,
      cost_micros: costSum,
    },
    rollups,
    billing: {
      api: billingApi,
      balance_before: balanceBefore,
      balance_after: balanceAfter,
      spend,
      reconcile: reconcile?.body ?? null,
      after: billingAfter?.body ?? null,
    },
    malformed: malformed.slice(0, 100).map((r) => ({ outcome: r.outcome, why: r.why, requestId: r.requestId })),
    unexpected_5xx: bad5xx.slice(0, 100),
    checks,
    failed_checks: failed,
  };
  out(`results written to ${writeReport(config.out, json)}`);
  console.log(lines.join("\n"));
  return failed;
}

let exitCode = 0;
try {
  if ((await main()) > 0) exitCode = 2;
} catch (error) {
  console.error(`\x1b[31mthe load suite failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  log("stopping the app and the mock");
  await life.cleanup();
}
process.exit(exitCode);
