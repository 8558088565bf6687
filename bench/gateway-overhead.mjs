// Gateway overhead benchmark: how much latency the gateway adds to an OpenAI chat call, and
// how many calls a second it passes — measured, not asserted (this is not a timed test).
//
//   npm run bench:gateway            (or: node bench/gateway-overhead.mjs)
//
// What it does, in one run, on loopback only:
//  1. Starts a mock OpenAI upstream (bench/lib/mock-openai.mjs, node:http in a worker thread,
//     keep-alive, 127.0.0.1, random port) that answers POST /v1/chat/completions at once: a
//     small chat.completion with usage, or with `stream: true` a few chat.completion.chunk SSE
//     events (+ a usage chunk when stream_options.include_usage is set) and `data: [DONE]`.
//  2. Starts the gateway exactly as `npm start` does (node scripts/start.mjs, PORT = a free
//     port, PERSIST_DIR = a fresh temp dir), reads the seeded credentials, logs in, creates an
//     `openai-compatible` provider `bench` pointing at the mock, and warms up.
//  3. For each mode (non-stream "json", "stream") and concurrency (1, 16, 64) it measures the
//     same request (a) straight against the mock (model gpt-bench) and (b) through the gateway
//     (model bench/gpt-bench, Bearer = the seeded API key) with its own closed-loop load
//     generator (bench/lib/load.mjs: N workers sending back to back over a keep-alive
//     http.Agent with N sockets, timed with process.hrtime.bigint()). At concurrency 1 direct
//     and gateway calls take turns, request by request, so that noise from a busy neighbour
//     hits both alike; at 16 and 64 they run as two points back to back. Latency is request start
//     → response end; TTFB is request start → first body chunk. The gateway's added latency is
//     gateway − direct at the same point, for p50 and p99 (a difference of percentiles, not a
//     percentile of differences). Saturation = the best requests/s over the concurrency levels.
//  4. Diagnostics at concurrency 1, taking turns: the mock alone, a gateway call without a key
//     (401 before any D1 query: the floor of workerd + our middleware), one with
//     an unknown key (401 after the key's hash is looked up in D1) and a full call — their
//     differences split the added latency; then a "paced" stream whose upstream events are
//     20 ms apart, to see whether the gateway passes the first event on at once or holds it
//     back. The mock also counts the connections the gateway opens to it (keep-alive or not).
//  5. Every response is checked (200; a stream must end with `data: [DONE]`); errors are counted
//     and reported loudly (exit code 2). Prints one table, the machine, node / wrangler / workerd
//     versions, the request counts and the issue's targets (met or not), and writes the same
//     figures to bench/results/gateway-overhead.json. Stops everything it started, also on
//     failure and on Ctrl-C.
//
// Caveats: the client, the mock and workerd share this machine's cores (2 here), and the
// machine may be shared with other runs — compare figures from one run, not across runs; the
// load averages printed before and after say how busy it was. Miniflare's entry Worker sits in
// front of ours inside workerd, so the local "added" latency includes it (the no-key probe
// shows that floor).
//
// Settings (environment variables):
//   BENCH_REQUESTS=1000        measured requests per point (per target, mode and concurrency)
//   BENCH_POINT_SECONDS=15     time cap per point (an interleaved point or probe mix as a whole);
//                              a point stopped by it says "(time cap)"
//   BENCH_WARMUP=100           unrecorded warm-up requests before each point
//   BENCH_CONCURRENCY=1,16,64  concurrency levels
//   BENCH_MODES=json,stream    which modes
//   BENCH_PROBES=300           requests per diagnostic probe (0: none)
//   BENCH_PACED=20             paced-stream requests per target (0: none)
//   BENCH_MOCK_DELAY_MS=0      mock: delay before each answer
//   BENCH_MOCK_CHUNK_DELAY_MS=0  mock: delay between stream events
//   BENCH_REQUEST_TIMEOUT_MS=10000, BENCH_TOTAL_SECONDS=300 (watchdog for the whole run)
//   BENCH_OUT=bench/results/gateway-overhead.json
// With the defaults a run takes about 2–2.5 minutes on this 2-core machine, start-up included;
// the time caps bound it when the machine is slow. Exit code: 0 done, 1 failed, 2 had errors.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { freePort, projectNode, repoRoot, startApp } from "./lib/app.mjs";
import { lifecycle, log } from "./lib/common.mjs";
import { runInterleaved, runPoint } from "./lib/load.mjs";
import { startMockThread } from "./lib/mock-openai.mjs";

// ---------------------------------------------------------------------------------- settings

function intEnv(name, fallback, min = 0) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, not '${raw}'`);
  return value;
}

const config = {
  requests: intEnv("BENCH_REQUESTS", 1000, 1),
  pointSeconds: intEnv("BENCH_POINT_SECONDS", 15, 1),
  warmup: intEnv("BENCH_WARMUP", 100),
  concurrency: (process.env.BENCH_CONCURRENCY || "1,16,64").split(",").map((s) => Number(s.trim())),
  modes: (process.env.BENCH_MODES || "json,stream").split(",").map((s) => s.trim()),
  probes: intEnv("BENCH_PROBES", 300),
  paced: intEnv("BENCH_PACED", 20),
  pacedChunkMs: 20,
  mockDelayMs: intEnv("BENCH_MOCK_DELAY_MS", 0),
  mockChunkDelayMs: intEnv("BENCH_MOCK_CHUNK_DELAY_MS", 0),
  requestTimeoutMs: intEnv("BENCH_REQUEST_TIMEOUT_MS", 10_000, 1),
  totalSeconds: intEnv("BENCH_TOTAL_SECONDS", 300, 10),
  out: path.resolve(repoRoot, process.env.BENCH_OUT || "bench/results/gateway-overhead.json"),
};
if (config.concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error("BENCH_CONCURRENCY must be integers from 1 to 1024");
if (config.modes.some((m) => m !== "json" && m !== "stream")) throw new Error("BENCH_MODES may hold json and stream");

// The issue's targets, at concurrency 1.
const TARGETS = { addedP50Ms: 0.5, addedP99Ms: 2 };
// The key the gateway is given for the mock (the mock tells its calls apart by it).
const UPSTREAM_KEY = "sk-bench-upstream-not-a-real-key";

// ------------------------------------------------------------------------------- lifecycle

const { cleanup, defer, register, watchdog } = lifecycle();

// ---------------------------------------------------------------------------------- helpers

async function api(origin, method, pathname, { token, body } = {}) {
  const res = await fetch(`${origin}${pathname}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

function chatBody(model, stream) {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 16,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

function versionOf(pkg, from = repoRoot) {
  try {
    const require = createRequire(path.join(from, "package.json"));
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;
  } catch {
    return "unknown";
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

const loadavg = () => os.loadavg().map((v) => Number(v.toFixed(2)));
const round = (v, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
const fmtMs = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2));
const fmtAdded = (v) => (v === null || !Number.isFinite(v) ? "–" : `${v >= 0 ? "+" : ""}${v.toFixed(Math.abs(v) >= 10 ? 1 : 2)}`);
const fmtRps = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
const pad = (s, n) => String(s).padStart(n);
const padEnd = (s, n) => String(s).padEnd(n);

/** The figures of a point, rounded for the report. */
function figures(point) {
  return {
    requests: point.requests,
    ok: point.ok,
    errors: point.errors,
    error_kinds: point.errorKinds,
    stopped_by_time_cap: point.truncatedByTime,
    seconds: round(point.elapsedS, 2),
    rps: round(point.rps, 1),
    sockets: point.sockets,
    latency_ms: Object.fromEntries(Object.entries(point.latencyMs).map(([k, v]) => [k, round(v)])),
    ...(point.stream ? { ttfb_ms: Object.fromEntries(Object.entries(point.ttfbMs).map(([k, v]) => [k, round(v)])) } : {}),
  };
}

// ------------------------------------------------------------------------------------- main

async function main() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  watchdog(config.totalSeconds, "BENCH_TOTAL_SECONDS");

  // 1. The mock upstream.
  const mock = await startMockThread({
    delayMs: config.mockDelayMs,
    chunkDelayMs: config.mockChunkDelayMs,
    pacedChunkMs: config.pacedChunkMs,
    gatewayKey: UPSTREAM_KEY,
  });
  defer(() => mock.close());
  log(`mock OpenAI upstream on ${mock.url}`);

  // 2. The gateway, as `npm start` starts it.
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-"));
  defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  log(`starting the gateway as npm start does (node scripts/start.mjs, PORT=${port}, PERSIST_DIR=${stateDir})`);
  const appStarted = process.hrtime.bigint();
  const app = await startApp({
    stateDir,
    port,
    register,
  });
  const startupS = Number(process.hrtime.bigint() - appStarted) / 1e9;
  log(`gateway serving on ${app.origin} after ${startupS.toFixed(1)} s`);

  const { access_token: token } = await api(app.origin, "POST", "/api/auth/login", {
    body: { email: app.credentials.adminEmail, password: app.credentials.adminPassword },
  });
  await api(app.origin, "POST", "/api/providers", {
    token,
    body: { name: "bench", kind: "openai-compatible", base_url: mock.url, api_key: UPSTREAM_KEY, models: ["gpt-bench", "gpt-bench-paced"] },
  });
  log("logged in; created the openai-compatible provider 'bench' → the mock");

  const apiKey = app.credentials.apiKey;
  const gatewayUrl = new URL(app.origin);
  const targets = {
    direct: { host: "127.0.0.1", port: mock.port, model: "gpt-bench", pacedModel: "gpt-bench-paced" },
    gateway: { host: "127.0.0.1", port: Number(gatewayUrl.port), model: "bench/gpt-bench", pacedModel: "bench/gpt-bench-paced" },
  };
  // The same headers both ways (the mock ignores the key): only the hop differs.
  const headers = { "content-type": "application/json", authorization: `Bearer ${apiKey}` };
  const spec = (target, stream, model = targets[target].model) => ({
    name: target,
    host: targets[target].host,
    port: targets[target].port,
    path: "/v1/chat/completions",
    headers,
    body: chatBody(model, stream),
    stream,
  });
  const point = (target, stream, concurrency, extra = {}) =>
    runPoint({
      ...spec(target, stream),
      concurrency,
      requests: config.requests,
      maxSeconds: config.pointSeconds,
      warmup: config.warmup,
      timeoutMs: config.requestTimeoutMs,
      ...extra,
    });
  // At concurrency 1, direct and gateway calls take turns (see runInterleaved): a busy
  // neighbour then slows both alike. Higher concurrency runs them as separate points, back to back.
  const pair = async (stream, concurrency) => {
    if (concurrency === 1) {
      const r = await runInterleaved({
        variants: [spec("direct", stream), spec("gateway", stream)],
        requests: config.requests,
        maxSeconds: config.pointSeconds,
        warmup: Math.min(config.warmup, 100),
        timeoutMs: config.requestTimeoutMs,
      });
      return { direct: r.direct, gateway: r.gateway, interleaved: true };
    }
    const direct = await point("direct", stream, concurrency);
    const gateway = await point("gateway", stream, concurrency);
    return { direct, gateway, interleaved: false };
  };

  // One call first, to fail with the gateway's own words if the set-up is wrong.
  for (const stream of [false, true]) {
    const res = await fetch(`${app.origin}/v1/chat/completions`, { method: "POST", headers, body: chatBody(targets.gateway.model, stream) });
    const text = await res.text();
    if (res.status !== 200 || (stream && !text.trimEnd().endsWith("data: [DONE]"))) {
      throw new Error(`a first ${stream ? "streamed " : ""}call through the gateway answered ${res.status}: ${text.slice(0, 500)}`);
    }
  }

  // Warm-up: the first calls load the catalog, decrypt the provider key, JIT the paths.
  log("warming up (both modes, both targets)");
  for (const stream of [false, true]) {
    for (const target of ["direct", "gateway"]) {
      const w = await point(target, stream, 4, { requests: Math.max(100, config.warmup), warmup: 0 });
      if (w.errors) throw new Error(`warm-up through ${target} (${stream ? "stream" : "json"}) failed: ${JSON.stringify(w.errorKinds)}`);
    }
  }

  // 3. The measured points: for each mode and concurrency, direct then gateway, back to back.
  const points = [];
  for (const mode of config.modes) {
    const stream = mode === "stream";
    for (const concurrency of config.concurrency) {
      const before = await mock.stats();
      const { direct, gateway, interleaved } = await pair(stream, concurrency);
      const after = await mock.stats();
      // What the gateway did to the mock in this point (warm-up included): requests and new connections.
      const upstream = { requests: after.gatewayRequests - before.gatewayRequests, connections: after.gatewayConnections - before.gatewayConnections };
      const added = {
        p50_ms: round(gateway.latencyMs.p50 - direct.latencyMs.p50),
        p99_ms: round(gateway.latencyMs.p99 - direct.latencyMs.p99),
        ...(stream ? { ttfb_p50_ms: round(gateway.ttfbMs.p50 - direct.ttfbMs.p50), ttfb_p99_ms: round(gateway.ttfbMs.p99 - direct.ttfbMs.p99) } : {}),
      };
      points.push({ mode, concurrency, interleaved, direct, gateway, added, upstream });
      log(
        `${padEnd(mode, 6)} c=${pad(concurrency, 2)}  direct ${fmtRps(direct.rps)} req/s p50 ${fmtMs(direct.latencyMs.p50)} ms · gateway ${fmtRps(gateway.rps)} req/s p50 ${fmtMs(gateway.latencyMs.p50)} ms` +
          ` · gateway→mock ${upstream.requests} requests on ${upstream.connections} new connections` +
          (direct.errors + gateway.errors ? `  \x1b[31m${direct.errors + gateway.errors} errors\x1b[0m` : ""),
      );
    }
  }

  // 4. Diagnostics at concurrency 1.
  const probes = [];
  if (config.probes > 0) {
    log("diagnostics: the Worker with no upstream, with and without the key lookup, and a full call (taking turns)");
    const expect401 = (status) => (status === 401 ? null : `HTTP ${status} (expected 401)`);
    const mix = [
      { ...spec("direct", false), name: "direct (json)", description: "the mock alone, for reference" },
      {
        ...spec("gateway", false),
        name: "no key → 401",
        headers: { "content-type": "application/json" },
        check: expect401,
        description: "request id, body limit, auth rejects before any D1 query, JSON error, log line",
      },
      {
        ...spec("gateway", false),
        name: "unknown key → 401",
        headers: { "content-type": "application/json", authorization: `Bearer sk-agg-${randomBytes(30).toString("base64url")}` },
        check: expect401,
        description: "the same + SHA-256 of the key + one D1 SELECT by its hash",
      },
      { ...spec("gateway", false), name: "full call (json)", description: "a complete gateway call through to the mock" },
    ];
    const r = await runInterleaved({ variants: mix, requests: config.probes, maxSeconds: config.pointSeconds, warmup: 20, timeoutMs: config.requestTimeoutMs });
    for (const m of mix) probes.push({ name: m.name, description: m.description, result: r[m.name] });
  }
  let paced = null;
  if (config.paced > 0) {
    log(`diagnostics: paced stream (upstream events ${config.pacedChunkMs} ms apart) — is the first byte passed on at once?`);
    const r = await runInterleaved({
      variants: [spec("direct", true, targets.direct.pacedModel), spec("gateway", true, targets.gateway.pacedModel)],
      requests: config.paced,
      maxSeconds: config.pointSeconds,
      warmup: 2,
      timeoutMs: config.requestTimeoutMs,
    });
    paced = { chunkGapMs: config.pacedChunkMs, direct: r.direct, gateway: r.gateway };
  }

  const mockStats = await mock.stats();
  const loadAfter = loadavg();

  // ------------------------------------------------------------------------------ report
  const totalErrors =
    points.reduce((s, p) => s + p.direct.errors + p.gateway.errors, 0) +
    probes.reduce((s, p) => s + p.result.errors, 0) +
    (paced ? paced.direct.errors + paced.gateway.errors : 0);
  const totalRequests = points.reduce((s, p) => s + p.direct.requests + p.gateway.requests, 0);

  const saturation = {};
  for (const mode of config.modes) {
    const rows = points.filter((p) => p.mode === mode);
    const best = (side) => rows.reduce((b, p) => (p[side].rps > (b?.rps ?? -1) ? { rps: p[side].rps, concurrency: p.concurrency } : b), null);
    saturation[mode] = { direct: best("direct"), gateway: best("gateway") };
  }

  const at1 = (mode) => points.find((p) => p.mode === mode && p.concurrency === 1);
  const verdicts = [];
  const verdict = (label, value, limit) =>
    verdicts.push({ label, value_ms: round(value), limit_ms: limit, met: Number.isFinite(value) ? value <= limit : null });
  for (const mode of config.modes) {
    const p = at1(mode);
    if (!p) continue;
    verdict(`added p50 at concurrency 1 (${mode})`, p.gateway.latencyMs.p50 - p.direct.latencyMs.p50, TARGETS.addedP50Ms);
    verdict(`added p99 at concurrency 1 (${mode})`, p.gateway.latencyMs.p99 - p.direct.latencyMs.p99, TARGETS.addedP99Ms);
    if (mode === "stream") {
      verdict("no added delay before the first streamed byte: added TTFB p50, concurrency 1", p.gateway.ttfbMs.p50 - p.direct.ttfbMs.p50, TARGETS.addedP50Ms);
      verdict("no added delay before the first streamed byte: added TTFB p99, concurrency 1", p.gateway.ttfbMs.p99 - p.direct.ttfbMs.p99, TARGETS.addedP99Ms);
    }
  }
  if (paced) {
    // The mock sends a paced stream's events gap ms apart. Passed on as they come, the gateway's
    // first byte comes about as long before its last as the mock's does; held back (buffered),
    // that lead shrinks by up to (events − 1) × gap. The fixed per-call overhead cancels out.
    const lead = (r) => r.latencyMs.p50 - r.ttfbMs.p50;
    verdict(
      `first streamed byte not held back: paced upstream (${config.pacedChunkMs} ms gaps), lead of first byte over last lost`,
      lead(paced.direct) - lead(paced.gateway),
      config.pacedChunkMs / 2,
    );
  }
  const versions = {
    node: process.version,
    node_for_gateway: projectNode() === process.execPath ? process.version : `v${versionOf("node")} (the project's)`,
    wrangler: versionOf("wrangler"),
    workerd: versionOf("workerd", path.dirname(createRequire(path.join(repoRoot, "package.json")).resolve("wrangler/package.json"))),
  };
  const m = machine();

  const lines = [];
  const out = (s = "") => lines.push(s);
  out();
  out("\x1b[1mAI Aggregator — gateway overhead (POST /v1/chat/completions, openai-compatible → local mock)\x1b[0m");
  out(`machine   ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`);
  out(`load avg  ${loadBefore.join(" ")} before · ${loadAfter.join(" ")} after  (shared machine: expect noise; compare within one run)`);
  out(`versions  node ${versions.node} (bench), node ${versions.node_for_gateway} (gateway), wrangler ${versions.wrangler}, workerd ${versions.workerd}`);
  out(
    `requests  ${config.requests} per point (cap ${config.pointSeconds} s), ${config.warmup} warm-up each; ${totalRequests} measured in ${points.length * 2} points; ` +
      `mock delay ${config.mockDelayMs} ms, chunk gap ${config.mockChunkDelayMs} ms; gateway started in ${startupS.toFixed(1)} s`,
  );
  out();
  out("latency in ms; added = gateway − direct at the same point (difference of percentiles); at c=1 direct and gateway calls take turns");
  const header = `${padEnd("mode", 7)}${pad("conc", 4)}  ${padEnd("target", 8)}${pad("reqs", 6)}${pad("err", 5)}${pad("req/s", 8)}${pad("p50", 8)}${pad("p99", 8)}${pad("ttfb p50", 10)}${pad("ttfb p99", 10)}${pad("up conns", 10)}`;
  out(header);
  out("─".repeat(header.length));
  for (const p of points) {
    for (const side of ["direct", "gateway"]) {
      const r = p[side];
      const err = r.errors ? `\x1b[31m${pad(r.errors, 5)}\x1b[0m` : pad(0, 5);
      out(
        `${padEnd(side === "direct" ? p.mode : "", 7)}${pad(side === "direct" ? p.concurrency : "", 4)}  ${padEnd(side, 8)}${pad(r.requests, 6)}${err}${pad(fmtRps(r.rps), 8)}${pad(fmtMs(r.latencyMs.p50), 8)}${pad(fmtMs(r.latencyMs.p99), 8)}` +
          `${pad(r.stream ? fmtMs(r.ttfbMs.p50) : "", 10)}${pad(r.stream ? fmtMs(r.ttfbMs.p99) : "", 10)}${pad(side === "gateway" ? p.upstream.connections : "", 10)}${r.truncatedByTime ? "  (time cap)" : ""}`,
      );
    }
    out(
      `${padEnd("", 7)}${pad("", 4)}  ${padEnd("added", 8)}${pad("", 6)}${pad("", 5)}${pad(`${Math.round((100 * p.gateway.rps) / p.direct.rps)}%`, 8)}${pad(fmtAdded(p.added.p50_ms), 8)}${pad(fmtAdded(p.added.p99_ms), 8)}` +
        `${pad(p.direct.stream ? fmtAdded(p.added.ttfb_p50_ms) : "", 10)}${pad(p.direct.stream ? fmtAdded(p.added.ttfb_p99_ms) : "", 10)}`,
    );
  }
  out("(req/s on an 'added' row: the gateway's throughput as a share of the direct one; up conns: connections the gateway");
  out(" opened to the mock during the point, warm-up included — with keep-alive pooling at most the concurrency)");
  out();
  for (const [mode, s] of Object.entries(saturation)) {
    out(
      `saturation (${mode})  direct ${fmtRps(s.direct?.rps)} req/s at c=${s.direct?.concurrency} · gateway ${fmtRps(s.gateway?.rps)} req/s at c=${s.gateway?.concurrency}`,
    );
  }
  if (probes.length) {
    out();
    out("diagnostics, concurrency 1 (through the gateway port)");
    for (const p of probes) {
      out(
        `  ${padEnd(p.name, 20)} p50 ${pad(fmtMs(p.result.latencyMs.p50), 6)}  p99 ${pad(fmtMs(p.result.latencyMs.p99), 6)}  ${pad(fmtRps(p.result.rps), 6)} req/s  ${p.result.errors ? `\x1b[31m${p.result.errors} errors\x1b[0m  ` : ""}— ${p.description}`,
      );
    }
    const [direct1, noKey, badKey, full] = probes.map((p) => p.result.latencyMs.p50);
    out(
      `  → p50s: Worker floor over direct ≈ ${fmtAdded(noKey - direct1)} ms · key lookup (hash + D1) ≈ ${fmtAdded(badKey - noKey)} ms · ` +
        `rest of a call (catalog, plan, upstream fetch, response) ≈ ${fmtAdded(full - badKey)} ms`,
    );
  }
  if (paced) {
    out();
    out(`paced stream (upstream events ${paced.chunkGapMs} ms apart), concurrency 1, ${paced.direct.requests}+${paced.gateway.requests} requests`);
    for (const side of ["direct", "gateway"]) {
      const r = paced[side];
      out(
        `  ${padEnd(side, 8)} first byte p50 ${pad(fmtMs(r.ttfbMs.p50), 5)} ms, last byte p50 ${pad(fmtMs(r.latencyMs.p50), 5)} ms: the first byte leads by ${fmtMs(r.latencyMs.p50 - r.ttfbMs.p50)} ms`,
      );
    }
  }
  out();
  out("targets (from the issue)");
  for (const v of verdicts) {
    const mark = v.met === null ? "?" : v.met ? "\x1b[32mmet\x1b[0m    " : "\x1b[31mNOT met\x1b[0m";
    out(`  ${mark} ${padEnd(v.label, 84)} ${pad(fmtAdded(v.value_ms), 7)} ms  (≤ ${v.limit_ms} ms)`);
  }
  out();
  out(
    `mock upstream: ${mockStats.requests} requests (${mockStats.json} json, ${mockStats.stream} stream, ${mockStats.bad} bad) over ${mockStats.connections} connections; ` +
      `from the gateway ${mockStats.gatewayRequests} requests over ${mockStats.gatewayConnections} connections`,
  );
  if (totalErrors > 0) {
    out();
    out(`\x1b[41;97m  ${totalErrors} REQUESTS FAILED — these figures are not trustworthy  \x1b[0m`);
    for (const p of points) {
      for (const side of ["direct", "gateway"]) {
        if (p[side].errors) out(`  ${p.mode} c=${p.concurrency} ${side}: ${JSON.stringify(p[side].errorKinds)}`);
      }
    }
    for (const p of probes) if (p.result.errors) out(`  probe ${p.name}: ${JSON.stringify(p.result.errorKinds)}`);
    if (paced?.direct.errors || paced?.gateway.errors)
      out(`  paced: ${JSON.stringify({ direct: paced.direct.errorKinds, gateway: paced.gateway.errorKinds })}`);
  } else {
    out(`all ${totalRequests} measured requests (and every probe) answered correctly`);
  }

  const report = {
    benchmark: "gateway-overhead",
    started_at: startedAt.toISOString(),
    machine: m,
    load_average: { before: loadBefore, after: loadAfter },
    versions,
    config: { ...config, out: path.relative(repoRoot, config.out) },
    gateway_startup_s: round(startupS, 2),
    targets: TARGETS,
    points: points.map((p) => ({
      mode: p.mode,
      concurrency: p.concurrency,
      interleaved: p.interleaved,
      direct: figures(p.direct),
      gateway: figures(p.gateway),
      added: p.added,
      gateway_to_mock: p.upstream,
    })),
    saturation: Object.fromEntries(
      Object.entries(saturation).map(([mode, s]) => [
        mode,
        {
          direct: { rps: round(s.direct?.rps, 1), concurrency: s.direct?.concurrency },
          gateway: { rps: round(s.gateway?.rps, 1), concurrency: s.gateway?.concurrency },
        },
      ]),
    ),
    diagnostics: {
      probes: probes.map((p) => ({ name: p.name, description: p.description, ...figures(p.result) })),
      paced: paced ? { chunk_gap_ms: paced.chunkGapMs, direct: figures(paced.direct), gateway: figures(paced.gateway) } : null,
    },
    verdicts,
    mock: mockStats,
    total_requests: totalRequests,
    total_errors: totalErrors,
  };
  mkdirSync(path.dirname(config.out), { recursive: true });
  writeFileSync(config.out, `${JSON.stringify(report, null, 2)}\n`);
  out(`figures written to ${path.relative(process.cwd(), config.out) || config.out}`);
  console.log(lines.join("\n"));
  return totalErrors;
}

let exitCode = 0;
try {
  const errors = await main();
  if (errors > 0) exitCode = 2;
} catch (error) {
  console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  log("stopping the gateway and the mock");
  await cleanup();
}
process.exit(exitCode);
