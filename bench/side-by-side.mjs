// Side by side: the same mock OpenAI upstream reached (a) directly, (b) through our gateway as
// `npm start` serves it, (c) through Portkey's open-source gateway from npm — in one run, on
// loopback only. Measured, not asserted.
//
//   npm run bench            (or: node bench/side-by-side.mjs)
//
// What it does:
//  1. Installs the peer on first run (npm install --prefix bench/peer --no-audit --no-fund: the
//     pinned @portkey-ai/gateway, @hono/node-server overridden to 1.13.8 for its streaming).
//  2. Starts the mock upstream (bench/lib/mock-openai.mjs, node:http in a worker thread,
//     keep-alive, answers at once), our gateway as `npm start` does (bench/lib/app.mjs: PORT, a
//     fresh PERSIST_DIR; an openai-compatible provider `bench` → the mock), and Portkey
//     (node …/build/start-server.js --port=<p> --headless, with this Node), which is told the
//     upstream per request: `x-portkey-provider: openai`, `x-portkey-custom-host: <mock>/v1`.
//  3. For each mode (json, stream) and concurrency (1, 16, 64) it measures the same request
//     against the three targets with the closed-loop load generator (bench/lib/load.mjs). At
//     concurrency 1 the three take turns request by request, so a busy neighbour slows them
//     alike; at 16 and 64 they run as points back to back (the order rotating per point).
//     Latency: request start → response end; TTFB: → first body chunk. Added latency =
//     gateway − direct at the same point (difference of percentiles). Saturation = the best
//     requests/s over the concurrency levels.
//  4. Samples the resident memory (VmRSS) of each gateway's process tree every 200 ms
//     (bench/lib/proc.mjs): for ours start.mjs (node, Miniflare) → workerd, for Portkey one node.
//  5. Checks every response (200, a chat.completion, a stream ending in `data: [DONE]`),
//     counts errors by kind, prints the comparison with the goals (our added latency below
//     Portkey's at every point; our saturation throughput ≥ 5× Portkey's) — met or not — and
//     writes bench/results/side-by-side.json.
//
// Caveats: the load generator, the mock and both gateways share this machine's 2 cores, and the
// machine may be shared: compare within one run (the load averages are printed). Our gateway
// runs as `npm start` serves it: the deployed bundle in workerd through Miniflare (no wrangler
// dev proxy); Portkey runs as a bare Node server. Portkey is not asked to do what ours does per call
// (key auth, limits and credit in a Durable Object, usage log): this compares what each costs as
// a user runs it out of the box.
//
// Settings (environment variables):
//   SBS_REQUESTS=1000          measured requests per target and point
//   SBS_POINT_SECONDS=15       time cap per target and point (per interleaved mix at c=1)
//   SBS_WARMUP=100             unrecorded warm-up requests per target and point
//   SBS_CONCURRENCY=1,16,64    SBS_MODES=json,stream
//   SBS_REQUEST_TIMEOUT_MS=15000, SBS_TOTAL_SECONDS=600 (watchdog)
//   SBS_OUT=bench/results/side-by-side.json
// Exit code: 0 done, 1 failed, 2 some requests failed (reported).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot, startApp } from "./lib/app.mjs";
import {
  api,
  fmtAdded,
  fmtMiB,
  fmtMs,
  fmtRps,
  intEnv,
  lifecycle,
  listEnv,
  loadavg,
  log,
  login,
  machine,
  mark,
  pad,
  padEnd,
  preamble,
  red,
  requireNode22,
  round,
  versions,
  writeReport,
} from "./lib/common.mjs";
import { runInterleaved, runPoint } from "./lib/load.mjs";
import { startMockThread } from "./lib/mock-openai.mjs";
import { ensurePeerInstalled, peerVersion, startPortkey } from "./lib/peer.mjs";
import { rssSampler } from "./lib/proc.mjs";

requireNode22();

const config = {
  requests: intEnv("SBS_REQUESTS", 1000, 1),
  pointSeconds: intEnv("SBS_POINT_SECONDS", 15, 1),
  warmup: intEnv("SBS_WARMUP", 100),
  concurrency: listEnv("SBS_CONCURRENCY", "1,16,64").map(Number),
  modes: listEnv("SBS_MODES", "json,stream"),
  requestTimeoutMs: intEnv("SBS_REQUEST_TIMEOUT_MS", 15_000, 1),
  totalSeconds: intEnv("SBS_TOTAL_SECONDS", 600, 10),
  out: path.resolve(repoRoot, process.env.SBS_OUT || "bench/results/side-by-side.json"),
};
if (config.concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error("SBS_CONCURRENCY must be integers from 1 to 1024");
if (config.modes.some((m) => m !== "json" && m !== "stream")) throw new Error("SBS_MODES may hold json and stream");

const GOALS = { addedBelowPeerEverywhere: true, saturationRatio: 5 };
const UPSTREAM_KEY = "sk-bench-upstream-not-a-real-key";
const TARGETS = ["direct", "ours", "portkey"];
const LABEL = { direct: "direct", ours: "ours", portkey: "portkey" };
const life = lifecycle();

function chatBody(model, stream) {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: "Say hello to the benchmark." }],
    max_tokens: 16,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

async function main() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  life.watchdog(config.totalSeconds, "SBS_TOTAL_SECONDS");

  await ensurePeerInstalled(log);
  const mock = await startMockThread({ gatewayKey: UPSTREAM_KEY });
  life.defer(() => mock.close());
  log(`mock OpenAI upstream on ${mock.url}`);

  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-sbs-"));
  life.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const ourPort = await freePort();
  log(`starting our gateway as npm start does (PORT=${ourPort}, PERSIST_DIR=${stateDir})`);
  const app = await startApp({ stateDir, port: ourPort, register: life.register });
  const token = await login(app);
  await api(app.origin, "POST", "/api/providers", {
    token,
    body: { name: "bench", kind: "openai-compatible", base_url: mock.url, api_key: UPSTREAM_KEY, models: ["gpt-bench"] },
  });

  const peerPort = await freePort();
  log(`starting Portkey ${peerVersion()} (node …/@portkey-ai/gateway/build/start-server.js --port=${peerPort} --headless)`);
  const peer = await startPortkey({ port: peerPort, register: life.register });

  const samplers = { ours: rssSampler(app.pid), portkey: rssSampler(peer.pid) };
  life.defer(() => {
    for (const s of Object.values(samplers)) s.stop();
  });

  const targets = {
    direct: { port: mock.port, model: "gpt-bench", headers: { "content-type": "application/json", authorization: `Bearer ${UPSTREAM_KEY}` } },
    ours: { port: ourPort, model: "bench/gpt-bench", headers: { "content-type": "application/json", authorization: `Bearer ${app.credentials.apiKey}` } },
    portkey: {
      port: peerPort,
      model: "gpt-bench",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${UPSTREAM_KEY}`,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": mock.url,
      },
    },
  };
  const spec = (name, stream) => ({
    name,
    host: "127.0.0.1",
    port: targets[name].port,
    path: "/v1/chat/completions",
    headers: targets[name].headers,
    body: chatBody(targets[name].model, stream),
    stream,
  });

  // One call each first, to fail with the gateway's own words if the set-up is wrong.
  for (const name of TARGETS) {
    for (const stream of [false, true]) {
      const res = await fetch(`http://127.0.0.1:${targets[name].port}/v1/chat/completions`, {
        method: "POST",
        headers: targets[name].headers,
        body: spec(name, stream).body,
      });
      const text = await res.text();
      if (res.status !== 200 || (stream ? !text.trimEnd().endsWith("data: [DONE]") : !text.includes('"chat.completion"'))) {
        throw new Error(`a first ${stream ? "streamed " : ""}call to ${name} answered ${res.status}: ${text.slice(0, 400)}`);
      }
    }
  }
  log("warming up every target in both modes");
  for (const stream of [false, true]) {
    for (const name of TARGETS) {
      const w = await runPoint({
        ...spec(name, stream),
        concurrency: 4,
        requests: Math.max(100, config.warmup),
        maxSeconds: config.pointSeconds,
        timeoutMs: config.requestTimeoutMs,
      });
      if (w.errors) throw new Error(`warm-up of ${name} (${stream ? "stream" : "json"}) failed: ${JSON.stringify(w.errorKinds)}`);
    }
  }
  for (const s of Object.values(samplers)) s.mark();

  const points = [];
  let rotation = 0;
  for (const mode of config.modes) {
    const stream = mode === "stream";
    for (const concurrency of config.concurrency) {
      const results = {};
      const peaks = {};
      if (concurrency === 1) {
        const r = await runInterleaved({
          variants: TARGETS.map((t) => spec(t, stream)),
          requests: config.requests,
          maxSeconds: config.pointSeconds * TARGETS.length,
          warmup: Math.min(config.warmup, 50),
          timeoutMs: config.requestTimeoutMs,
        });
        Object.assign(results, r);
        for (const name of ["ours", "portkey"]) peaks[name] = samplers[name].mark();
      } else {
        const order = TARGETS.map((_, i) => TARGETS[(i + rotation) % TARGETS.length]);
        rotation++;
        for (const name of order) {
          if (name !== "direct") samplers[name].mark();
          results[name] = await runPoint({
            ...spec(name, stream),
            concurrency,
            requests: config.requests,
            maxSeconds: config.pointSeconds,
            warmup: config.warmup,
            timeoutMs: config.requestTimeoutMs,
          });
          if (name !== "direct") peaks[name] = samplers[name].mark();
        }
      }
      const added = {};
      for (const name of ["ours", "portkey"]) {
        const g = results[name];
        const d = results.direct;
        added[name] = {
          p50: g.latencyMs.p50 - d.latencyMs.p50,
          p99: g.latencyMs.p99 - d.latencyMs.p99,
          ...(stream ? { ttfbP50: g.ttfbMs.p50 - d.ttfbMs.p50, ttfbP99: g.ttfbMs.p99 - d.ttfbMs.p99 } : {}),
        };
      }
      points.push({ mode, concurrency, results, added, peaks });
      log(
        `${padEnd(mode, 6)} c=${pad(concurrency, 2)}  ` +
          TARGETS.map(
            (t) => `${t} ${fmtRps(results[t].rps)} req/s p50 ${fmtMs(results[t].latencyMs.p50)} ms${results[t].errors ? red(` ${results[t].errors} err`) : ""}`,
          ).join(" · "),
      );
    }
  }
  const memory = { ours: samplers.ours.peak(), portkey: samplers.portkey.peak() };
  const mockStats = await mock.stats();
  const loadAfter = loadavg();

  // ------------------------------------------------------------------------------ verdicts
  const saturation = {};
  for (const mode of config.modes) {
    const rows = points.filter((p) => p.mode === mode);
    saturation[mode] = Object.fromEntries(
      TARGETS.map((t) => [t, rows.reduce((b, p) => (p.results[t].rps > (b?.rps ?? -1) ? { rps: p.results[t].rps, concurrency: p.concurrency } : b), null)]),
    );
  }
  const verdicts = [];
  for (const p of points) {
    for (const q of ["p50", "p99"]) {
      const ours = p.added.ours[q];
      const peer = p.added.portkey[q];
      verdicts.push({
        goal: `added ${q} below Portkey's: ${p.mode} c=${p.concurrency}`,
        ours_ms: round(ours),
        portkey_ms: round(peer),
        met: Number.isFinite(ours) && Number.isFinite(peer) ? ours < peer : null,
      });
    }
  }
  for (const [mode, s] of Object.entries(saturation)) {
    const ratio = s.ours && s.portkey ? s.ours.rps / s.portkey.rps : NaN;
    verdicts.push({
      goal: `saturation throughput ≥ ${GOALS.saturationRatio}× Portkey's (${mode})`,
      ours_rps: round(s.ours?.rps, 1),
      portkey_rps: round(s.portkey?.rps, 1),
      ratio: round(ratio, 3),
      met: Number.isFinite(ratio) ? ratio >= GOALS.saturationRatio : null,
    });
  }

  // ------------------------------------------------------------------------------ report
  const totalErrors = points.reduce((s, p) => s + TARGETS.reduce((t, n) => t + p.results[n].errors, 0), 0);
  const totalRequests = points.reduce((s, p) => s + TARGETS.reduce((t, n) => t + p.results[n].requests, 0), 0);
  const lines = preamble("AI Aggregator — side by side: direct vs ours (npm start) vs Portkey (npm), POST /v1/chat/completions → one local mock", {
    loadBefore,
    loadAfter,
    extra: [
      `peer      @portkey-ai/gateway ${peerVersion()} on node ${process.version} (bare Node server); ours as npm start serves it (the deployed bundle in workerd via Miniflare)`,
      `requests  ${config.requests} per target and point (cap ${config.pointSeconds} s), ${config.warmup} warm-up each; ${totalRequests} measured`,
    ],
  });
  const out = (s = "") => lines.push(s);
  out();
  out("latency in ms; added = target − direct at the same point (difference of percentiles); at c=1 the three take turns request by request");
  const header = `${padEnd("mode", 7)}${pad("conc", 4)}  ${padEnd("target", 8)}${pad("reqs", 6)}${pad("err", 5)}${pad("req/s", 8)}${pad("p50", 8)}${pad("p99", 8)}${pad("+p50", 8)}${pad("+p99", 8)}${pad("ttfb p50", 10)}${pad("ttfb p99", 10)}${pad("+ttfb p50", 11)}${pad("peak RSS", 10)}`;
  out(header);
  out("─".repeat(header.length));
  for (const p of points) {
    for (const name of TARGETS) {
      const r = p.results[name];
      const a = p.added[name];
      const err = r.errors ? red(pad(r.errors, 5)) : pad(0, 5);
      out(
        `${padEnd(name === "direct" ? p.mode : "", 7)}${pad(name === "direct" ? p.concurrency : "", 4)}  ${padEnd(LABEL[name], 8)}${pad(r.requests, 6)}${err}${pad(fmtRps(r.rps), 8)}${pad(fmtMs(r.latencyMs.p50), 8)}${pad(fmtMs(r.latencyMs.p99), 8)}` +
          `${pad(a ? fmtAdded(a.p50) : "", 8)}${pad(a ? fmtAdded(a.p99) : "", 8)}${pad(r.stream ? fmtMs(r.ttfbMs.p50) : "", 10)}${pad(r.stream ? fmtMs(r.ttfbMs.p99) : "", 10)}${pad(r.stream && a ? fmtAdded(a.ttfbP50) : "", 11)}` +
          `${pad(p.peaks[name] ? fmtMiB(p.peaks[name]) : "", 10)}${r.truncatedByTime ? "  (time cap)" : ""}`,
      );
    }
  }
  out("(peak RSS: the gateway's whole process tree during that point)");
  out();
  for (const [mode, s] of Object.entries(saturation)) {
    out(
      `saturation (${mode})  ` +
        TARGETS.map((t) => `${t} ${fmtRps(s[t]?.rps)} req/s at c=${s[t]?.concurrency}`).join(" · ") +
        `  → ours/portkey ${(s.ours.rps / s.portkey.rps).toFixed(2)}×`,
    );
  }
  const memLine = (name, m) => `${name} peak ${fmtMiB(m.rssBytes)} (${m.members.map((x) => `${x.comm} ${fmtMiB(x.rssBytes)}`).join(", ")})`;
  out(`memory     ${memLine("ours", memory.ours)} · ${memLine("portkey", memory.portkey)}`);
  out();
  out("goals (from the issue)");
  for (const v of verdicts) {
    const detail =
      "ratio" in v
        ? `ours ${fmtRps(v.ours_rps)} vs Portkey ${fmtRps(v.portkey_rps)} req/s = ${v.ratio}×`
        : `ours ${fmtAdded(v.ours_ms)} ms vs Portkey ${fmtAdded(v.portkey_ms)} ms`;
    out(`  ${mark(v.met)} ${padEnd(v.goal, 50)} ${detail}`);
  }
  out();
  out(
    `mock upstream: ${mockStats.requests} requests (${mockStats.json} json, ${mockStats.stream} stream, ${mockStats.bad} bad) over ${mockStats.connections} connections`,
  );
  if (totalErrors) {
    out(red(`${totalErrors} REQUESTS FAILED — those points are not trustworthy`));
    for (const p of points)
      for (const t of TARGETS) if (p.results[t].errors) out(`  ${p.mode} c=${p.concurrency} ${t}: ${JSON.stringify(p.results[t].errorKinds)}`);
  } else out(`all ${totalRequests} measured requests answered correctly (200; chat.completion; streams ending in data: [DONE])`);

  const figures = (r) => ({
    requests: r.requests,
    ok: r.ok,
    errors: r.errors,
    error_kinds: r.errorKinds,
    stopped_by_time_cap: r.truncatedByTime,
    seconds: round(r.elapsedS, 2),
    rps: round(r.rps, 1),
    sockets: r.sockets,
    latency_ms: Object.fromEntries(Object.entries(r.latencyMs).map(([k, v]) => [k, round(v)])),
    ...(r.stream ? { ttfb_ms: Object.fromEntries(Object.entries(r.ttfbMs).map(([k, v]) => [k, round(v)])) } : {}),
  });
  const report = {
    benchmark: "side-by-side",
    started_at: startedAt.toISOString(),
    machine: machine(),
    load_average: { before: loadBefore, after: loadAfter },
    versions: { ...versions(), portkey_gateway: peerVersion() },
    config: { ...config, out: path.relative(repoRoot, config.out) },
    goals: GOALS,
    points: points.map((p) => ({
      mode: p.mode,
      concurrency: p.concurrency,
      ...Object.fromEntries(TARGETS.map((t) => [t, figures(p.results[t])])),
      added_ms: Object.fromEntries(Object.entries(p.added).map(([k, a]) => [k, Object.fromEntries(Object.entries(a).map(([q, v]) => [q, round(v)]))])),
      peak_rss_bytes: p.peaks,
    })),
    saturation: Object.fromEntries(
      Object.entries(saturation).map(([m, s]) => [
        m,
        Object.fromEntries(Object.entries(s).map(([t, v]) => [t, { rps: round(v?.rps, 1), concurrency: v?.concurrency }])),
      ]),
    ),
    memory_peak: Object.fromEntries(Object.entries(memory).map(([k, m]) => [k, { rss_bytes: m.rssBytes, members: m.members }])),
    verdicts,
    mock: mockStats,
    total_requests: totalRequests,
    total_errors: totalErrors,
  };
  out(`figures written to ${writeReport(config.out, report)}`);
  console.log(lines.join("\n"));
  return totalErrors;
}

let exitCode = 0;
try {
  if ((await main()) > 0) exitCode = 2;
} catch (error) {
  console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  log("stopping the gateways and the mock");
  await life.cleanup();
}
process.exit(exitCode);
