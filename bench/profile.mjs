// Where the gateway's CPU goes: CPU profiles of the app's Worker isolate while it serves
// gateway calls, as tables of the hottest functions, so that hot-path work can be found and cut.
//
//   npm run bench:profile            (or: node bench/profile.mjs)
//
// What it does, on loopback only:
//  1. Starts the mock OpenAI upstream (bench/lib/mock-openai.mjs, in a worker thread) and the app
//     exactly as `npm start` does, with INSPECTOR_PORT set (a free port): workerd's V8 inspector
//     listens there and the Worker bundle is built unminified, so functions keep their names.
//  2. Logs in, creates the `openai-compatible` provider `bench` → the mock (as
//     bench/gateway-overhead.mjs does), checks one call per mode and warms up.
//  3. Connects to the inspector target `core:user:<name in wrangler.toml>` (the Worker and its
//     Durable Objects: one isolate) and, for each point (mode json or stream, concurrency),
//     records a sampling CPU profile while the closed-loop load generator (bench/lib/load.mjs)
//     drives POST /v1/chat/completions (model bench/gpt-bench) for PROFILE_SECONDS.
//  4. Prints for each point: requests/s (under the profiler: lower than bench:gateway's), the
//     isolate's busy time and CPU per request, the top functions by self time and by inclusive
//     time (ms, % of the profile, % of the busy time, µs per request, and where: the repo's
//     file:line through the bundle's source map, else the bundle's own line), and self time by
//     bucket of source file: worker/<dir> (gateway, api, core, db, middleware, …),
//     durable-objects, node_modules/<package> (hono, zod, …), workerd's runtime JS, and native:
//     the profiler's (program) (workerd's C++ work: HTTP, I/O, storage), (garbage collector) and
//     built-ins and runtime APIs (JSON.parse, crypto, transactionSync, …). (idle) is the
//     isolate's thread waiting; it is in "% of the profile" but not in "busy". Then the busy time
//     per call by stage of the call (bench/lib/profiler.mjs stageOf): admission (admission.ts,
//     leases.ts, gate.ts, durable-objects/gate), upstream (upstream.ts, attempts.ts, pipe.ts,
//     providers/…), books (record.ts, books.ts, durable-objects/hub, settlement, the ledger), the
//     rest of the Worker, and runtime (no JS on the stack) — also as one table over all points
//     at the end (`npm run bench` points here for the split of its CPU per call).
//  5. Writes each raw profile to bench/results/profile-<mode>-c<concurrency>.cpuprofile (open it
//     in Chrome DevTools → Performance, or VS Code), a copy of the profiled bundle and its map to
//     bench/results/profile-bundle/ (the profiles' bundle lines point into it; the app deletes its
//     build when it stops) and the figures to bench/results/profile.json. Stops everything it
//     started, also on failure and on Ctrl-C.
//
// The profiler's sampling costs the isolate time too, and the load generator, the mock and
// workerd share this machine's cores: compare shares within one run, not absolute figures across runs.
//
// Settings (environment variables):
//   PROFILE_POINTS=json:1,json:32   mode:concurrency per point (modes: json, stream)
//   PROFILE_SECONDS=8               profiled load per point
//   PROFILE_WARMUP=500              unprofiled warm-up calls per mode used (concurrency 8)
//   PROFILE_INTERVAL_US=100         sampling interval, µs
//   PROFILE_TOP=25                  rows per table
//   PROFILE_SOURCE_MAP=1            0: print bundle lines, do not map them to the repo's files
//                                   (the buckets then hold the whole bundle as one)
//   PROFILE_REQUEST_TIMEOUT_MS=10000, PROFILE_TOTAL_SECONDS=300 (watchdog for the whole run)
//   PROFILE_OUT_DIR=bench/results
// With the defaults a run takes about a minute, start-up included. Exit code: 0 done, 1 failed,
// 2 some requests failed (reported).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, repoRoot, startApp } from "./lib/app.mjs";
import { api, fmtRps, intEnv, lifecycle, listEnv, loadavg, log, login, pad, padEnd, preamble, red, requireNode22, round, writeReport } from "./lib/common.mjs";
import { appConfig } from "./lib/do-harness.mjs";
import { runPoint } from "./lib/load.mjs";
import { startMockThread } from "./lib/mock-openai.mjs";
import { analyze, connectProfiler, STAGES, sourceMapper, top } from "./lib/profiler.mjs";

requireNode22();

// ---------------------------------------------------------------------------------- settings

function parsePoints(list) {
  return list.map((item) => {
    const [mode, c] = item.split(":");
    const concurrency = Number(c);
    if ((mode !== "json" && mode !== "stream") || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
      throw new Error(`PROFILE_POINTS: '${item}' is not mode:concurrency (json or stream, 1–1024)`);
    }
    return { mode, concurrency };
  });
}

const config = {
  points: parsePoints(listEnv("PROFILE_POINTS", "json:1,json:32")),
  seconds: intEnv("PROFILE_SECONDS", 8, 1, 600),
  warmup: intEnv("PROFILE_WARMUP", 500),
  intervalUs: intEnv("PROFILE_INTERVAL_US", 100, 10, 100_000),
  top: intEnv("PROFILE_TOP", 25, 1, 1000),
  sourceMap: process.env.PROFILE_SOURCE_MAP !== "0",
  requestTimeoutMs: intEnv("PROFILE_REQUEST_TIMEOUT_MS", 10_000, 1),
  totalSeconds: intEnv("PROFILE_TOTAL_SECONDS", 300, 10),
  outDir: path.resolve(repoRoot, process.env.PROFILE_OUT_DIR || "bench/results"),
};

const UPSTREAM_KEY = "sk-bench-upstream-not-a-real-key";
const MODEL = "bench/gpt-bench";

const { cleanup, defer, register, watchdog } = lifecycle();

// ------------------------------------------------------------------------------ the app

function chatBody(stream) {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 16,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** The mock and the app (with its inspector on), both stopped by cleanup(). */
async function startAll() {
  const mock = await startMockThread({ gatewayKey: UPSTREAM_KEY });
  defer(() => mock.close());
  log(`mock OpenAI upstream on ${mock.url}`);

  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-profile-"));
  defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const inspectorPort = await freePort();
  process.env.INSPECTOR_PORT = String(inspectorPort); // startApp passes our environment on
  const port = await freePort();
  log(`starting the app as npm start does (PORT=${port}, INSPECTOR_PORT=${inspectorPort}: unminified bundle)`);
  const app = await startApp({ stateDir, port, register });
  log(`app serving on ${app.origin}`);
  return { mock, app, inspectorPort };
}

/** The bench provider → the mock, one checked call per mode, then the warm-up. */
async function prepare(app, mock, modes) {
  const token = await login(app);
  await api(app.origin, "POST", "/api/providers", {
    token,
    body: { name: "bench", kind: "openai-compatible", base_url: mock.url, api_key: UPSTREAM_KEY, models: ["gpt-bench"] },
  });
  for (const mode of modes) {
    const res = await fetch(`${app.origin}/v1/chat/completions`, { method: "POST", headers: callHeaders(app), body: chatBody(mode === "stream") });
    const text = await res.text();
    if (res.status !== 200 || (mode === "stream" && !text.trimEnd().endsWith("data: [DONE]"))) {
      throw new Error(`a first ${mode} call through the gateway answered ${res.status}: ${text.slice(0, 500)}`);
    }
  }
  if (config.warmup === 0) return;
  log(`warming up: ${config.warmup} calls per mode (${modes.join(", ")}), concurrency 8, not profiled`);
  for (const mode of modes) {
    const r = await runPoint({ ...callSpec(app, mode), concurrency: 8, requests: config.warmup, maxSeconds: 60, timeoutMs: config.requestTimeoutMs });
    if (r.errors) throw new Error(`warm-up (${mode}): ${r.errors} failed calls: ${JSON.stringify(r.errorKinds)}`);
  }
}

const callHeaders = (app) => ({ "content-type": "application/json", authorization: `Bearer ${app.credentials.apiKey}` });

const callSpec = (app, mode) => ({
  name: mode,
  host: "127.0.0.1",
  port: app.port,
  path: "/v1/chat/completions",
  headers: callHeaders(app),
  body: chatBody(mode === "stream"),
  stream: mode === "stream",
});

// -------------------------------------------------------------------------- profiling

/** One point: load for config.seconds with the profiler on (stopped also when the load fails). */
async function profilePoint(profiler, app, { mode, concurrency }) {
  await profiler.start(config.intervalUs);
  const load = await runPoint({
    ...callSpec(app, mode),
    concurrency,
    requests: Number.MAX_SAFE_INTEGER,
    maxSeconds: config.seconds,
    timeoutMs: config.requestTimeoutMs,
  }).catch((error) => ({ error }));
  const profile = await profiler.stop();
  if (load.error) throw load.error;
  return { load, profile };
}

/**
 * locate(url, line, column) for analyze(): the bundle's source map, read once per bundle (while
 * the app runs: it deletes its build when it stops), which is also copied to outDir.
 */
function bundleLocator() {
  const mappers = new Map();
  const bundles = new Set();
  const locate = (url, line, column) => {
    const fileUrl = url.startsWith("file://");
    if (!url.endsWith(".js") || (!fileUrl && url.includes(":"))) return null; // workerd's own modules
    if (!mappers.has(url)) {
      const bundlePath = fileUrl ? fileURLToPath(url) : path.resolve(repoRoot, url); // workerd gives it relative to the app's root
      bundles.add(bundlePath);
      mappers.set(url, config.sourceMap && existsSync(bundlePath) ? sourceMapper(bundlePath) : null);
    }
    return mappers.get(url)?.(line, column) ?? null;
  };
  return { locate, bundles };
}

function keepBundle(bundlePath) {
  const dir = path.join(config.outDir, "profile-bundle");
  mkdirSync(dir, { recursive: true });
  for (const file of [bundlePath, `${bundlePath}.map`]) if (existsSync(file)) copyFileSync(file, path.join(dir, path.basename(file)));
  return path.relative(repoRoot, dir);
}

// ---------------------------------------------------------------------------- reporting

const ms = (us) => (us / 1000).toFixed(us >= 100_000 ? 0 : 1);
const pct = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "–");
const cut = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function functionTable(title, functions, by, a, requests) {
  const lines = [`  ${title}`, `  ${pad("ms", 8)}${pad("% all", 8)}${pad("% busy", 8)}${pad("µs/req", 8)}  ${padEnd("function", 38)} where`];
  for (const f of functions) {
    lines.push(
      `  ${pad(ms(f[by]), 8)}${pad(pct(f[by], a.totalUs), 8)}${pad(pct(f[by], a.busyUs), 8)}${pad((f[by] / requests).toFixed(1), 8)}  ${padEnd(cut(f.name, 38), 38)} ${f.where}`,
    );
  }
  return lines;
}

function bucketTable(a, requests) {
  const lines = ["  self time by source (bucket)", `  ${pad("ms", 8)}${pad("% all", 8)}${pad("% busy", 8)}${pad("µs/req", 8)}  bucket`];
  for (const b of a.buckets) {
    const busy = b.bucket === "(idle)" ? "" : pct(b.selfUs, a.busyUs);
    const parts = b.parts.length
      ? `  (${b.parts
          .slice(0, 6)
          .map((p) => `${p.name} ${pct(p.selfUs, a.busyUs)}`)
          .join(", ")})`
      : "";
    lines.push(`  ${pad(ms(b.selfUs), 8)}${pad(pct(b.selfUs, a.totalUs), 8)}${pad(busy, 8)}${pad((b.selfUs / requests).toFixed(1), 8)}  ${b.bucket}${parts}`);
  }
  return lines;
}

function printPoint(point, load, a) {
  const requests = Math.max(1, load.requests);
  const lines = [
    "",
    `\x1b[1m${point.mode} c=${point.concurrency}\x1b[0m  ${fmtRps(load.rps)} req/s under the profiler, ${load.requests} calls in ${load.elapsedS.toFixed(1)} s` +
      (load.errors ? `, ${red(`${load.errors} failed: ${JSON.stringify(load.errorKinds)}`)}` : ", all answered correctly"),
    `  profile ${ms(a.totalUs)} ms, ${a.samples} samples: isolate busy ${ms(a.busyUs)} ms (${pct(a.busyUs, a.totalUs)}), idle ${ms(a.idleUs)} ms; ` +
      `${(a.busyUs / requests).toFixed(0)} µs of isolate CPU per call`,
    "",
    ...functionTable(`top ${config.top} by self time`, top(a, "selfUs", config.top), "selfUs", a, requests),
    "",
    ...functionTable(`top ${config.top} by inclusive time (the function and what it calls)`, top(a, "totalUs", config.top), "totalUs", a, requests),
    "",
    ...bucketTable(a, requests),
    "",
    `  isolate CPU per call by stage: ${stageLine(a, requests)}`,
  ];
  console.log(lines.join("\n"));
}

/** "admission 41 µs · upstream 120 µs · … = 400 µs busy". */
function stageLine(a, requests) {
  return `${a.stages.map((s) => `${s.stage} ${(s.us / requests).toFixed(0)} µs`).join(" · ")} = ${(a.busyUs / requests).toFixed(0)} µs busy`;
}

/** One row per point: µs of isolate CPU per call in each stage, and its share of the busy time. */
function stageTable(points) {
  const w = 22;
  const lines = [
    "isolate CPU per call by stage (µs; a sample counts in the stage of a function on its stack: books > admission > upstream, else the rest)",
    `${padEnd("point", 12)}${pad("calls", 7)}${STAGES.map((s) => pad(s, w)).join("")}${pad("busy", 8)}`,
  ];
  for (const p of points) {
    const cells = STAGES.map((stage) => {
      const s = p.stages.find((x) => x.stage === stage);
      return pad(`${s.us_per_call.toFixed(0)} (${s.pct_busy.toFixed(0)}%)`, w);
    });
    lines.push(`${padEnd(`${p.mode} c=${p.concurrency}`, 12)}${pad(p.calls, 7)}${cells.join("")}${pad(p.isolate_cpu_us_per_call.toFixed(0), 8)}`);
  }
  lines.push(
    "(admission: worker/gateway/admission.ts, leases.ts, gate.ts, durable-objects/gate/*, TenantGate.admit/topUp/lease; books: worker/gateway/record.ts,",
    " books.ts, usage-event.ts, durable-objects/hub/*, analytics-hub.ts, the gate's settlement, ledger flush and alerts, TenantGate.settle/books/alarm;",
    " upstream: upstream.ts, attempts.ts, pipe.ts, stream-out.ts, sse.ts, providers/*, translate/*; rest of the Worker: routing, auth, plan,",
    " reading the body, the response…; runtime: no JS on the stack — bench/lib/profiler.mjs stageOf)",
  );
  return lines;
}

function summaryOf(point, load, a, file) {
  const requests = Math.max(1, load.requests);
  const row = (f, by) => ({
    function: f.name,
    where: f.where,
    bundle: f.bundle,
    bucket: f.bucket,
    ms: round(f[by] / 1000),
    pct_all: round((100 * f[by]) / a.totalUs, 2),
    pct_busy: round((100 * f[by]) / a.busyUs, 2),
    us_per_call: round(f[by] / requests, 2),
  });
  return {
    mode: point.mode,
    concurrency: point.concurrency,
    calls: load.requests,
    errors: load.errors,
    error_kinds: load.errorKinds,
    rps: round(load.rps, 1),
    profile: path.relative(repoRoot, file),
    profile_ms: round(a.totalUs / 1000),
    busy_ms: round(a.busyUs / 1000),
    idle_ms: round(a.idleUs / 1000),
    isolate_cpu_us_per_call: round(a.busyUs / requests, 1),
    stages: a.stages.map((x) => ({
      stage: x.stage,
      ms: round(x.us / 1000),
      pct_busy: round((100 * x.us) / a.busyUs, 2),
      us_per_call: round(x.us / requests, 2),
    })),
    samples: a.samples,
    buckets: a.buckets.map((b) => ({
      bucket: b.bucket,
      ms: round(b.selfUs / 1000),
      pct_all: round((100 * b.selfUs) / a.totalUs, 2),
      pct_busy: b.bucket === "(idle)" ? null : round((100 * b.selfUs) / a.busyUs, 2),
      us_per_call: round(b.selfUs / requests, 2),
      ...(b.parts.length ? { parts: b.parts.slice(0, 10).map((p) => ({ name: p.name, ms: round(p.selfUs / 1000) })) } : {}),
    })),
    top_self: top(a, "selfUs", config.top).map((f) => row(f, "selfUs")),
    top_inclusive: top(a, "totalUs", config.top).map((f) => row(f, "totalUs")),
  };
}

// ------------------------------------------------------------------------------------- main

async function main() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  watchdog(config.totalSeconds, "PROFILE_TOTAL_SECONDS");
  const { name } = appConfig();

  const { mock, app, inspectorPort } = await startAll();
  const modes = [...new Set(config.points.map((p) => p.mode))];
  await prepare(app, mock, modes);

  const profiler = await connectProfiler({ port: inspectorPort, targetId: `core:user:${name}` });
  defer(() => profiler.close());
  log(`profiler connected to core:user:${name}; sampling every ${config.intervalUs} µs, ${config.seconds} s per point`);

  mkdirSync(config.outDir, { recursive: true });
  const { locate, bundles } = bundleLocator();
  const points = [];
  for (const point of config.points) {
    log(`profiling ${point.mode} c=${point.concurrency} for ${config.seconds} s`);
    const { load, profile } = await profilePoint(profiler, app, point);
    const file = path.join(config.outDir, `profile-${point.mode}-c${point.concurrency}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const analysis = analyze(profile, locate);
    printPoint(point, load, analysis);
    points.push(summaryOf(point, load, analysis, file));
  }
  const kept = [...bundles].map(keepBundle);

  const loadAfter = loadavg();
  console.log(
    preamble("AI Aggregator — CPU profile of the Worker isolate (POST /v1/chat/completions → local mock)", {
      loadBefore,
      loadAfter,
      extra: [
        `settings  ${config.seconds} s per point, sampling every ${config.intervalUs} µs, ${config.warmup} warm-up calls per mode; µs/req = time ÷ calls in the point`,
      ],
    }).join("\n"),
  );
  console.log(["", ...stageTable(points)].join("\n"));
  const errors = points.reduce((s, p) => s + p.errors, 0);
  const report = {
    benchmark: "profile",
    started_at: startedAt.toISOString(),
    load_average: { before: loadBefore, after: loadAfter },
    config: { ...config, outDir: path.relative(repoRoot, config.outDir) },
    bundle_copy: kept[0] ?? null,
    points,
    total_errors: errors,
  };
  const written = writeReport(path.join(config.outDir, "profile.json"), report);
  console.log(`profiles  ${points.map((p) => p.profile).join(", ")} (Chrome DevTools → Performance → Load profile)`);
  console.log(`figures   ${written}${kept.length ? `; profiled bundle + map kept in ${kept.join(", ")}` : ""}`);
  if (errors) console.log(red(`${errors} calls failed during the profiles: the figures include failed calls`));
  return errors;
}

let exitCode = 0;
try {
  if ((await main()) > 0) exitCode = 2;
} catch (error) {
  console.error(`\x1b[31mthe profile run failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  log("stopping the app and the mock");
  await cleanup();
}
process.exit(exitCode);
