// Side by side: the same mock OpenAI upstream reached (a) directly, (b) through our gateway as
// `npm start` serves it, (c) through a ~10-line pass-through Worker on bare workerd and (d) the
// same under Miniflare — the runtime's floors on this machine — and (e) through Portkey's
// open-source gateway from npm, in one run, on loopback only. Measured, not asserted.
//
//   npm run bench            (or: node bench/side-by-side.mjs)
//
// What it does:
//  1. Installs the peer on first run (npm install --prefix bench/peer --no-audit --no-fund: the
//     pinned @portkey-ai/gateway, @hono/node-server overridden to 1.13.8 for its streaming).
//  2. Starts the mock upstream (bench/lib/mock-openai.mjs, node:http in a worker thread,
//     keep-alive, answers at once), our gateway as `npm start` does (bench/lib/app.mjs: PORT, a
//     fresh PERSIST_DIR; an openai-compatible provider `bench` → the mock), the floors
//     (bench/lib/floors.mjs: bench/lib/passthrough/worker.js, which forwards each request to the
//     mock and streams the answer back, (c) in the workerd binary wrangler depends on with a
//     generated config.capnp, (d) under wrangler's Miniflare, its entry Worker in front, in a node
//     process of its own) and Portkey (node …/build/start-server.js --port=<p> --headless, with
//     this Node), which is told the upstream per request: `x-portkey-provider: openai`,
//     `x-portkey-custom-host: <mock>/v1`.
//  3. For each mode (json, stream) and concurrency (1, 16, 64) it measures the same request
//     against every target with the closed-loop load generator (bench/lib/load.mjs). At
//     concurrency 1 they take turns request by request, so a busy neighbour slows them alike; at
//     16 and 64 they run as points back to back (the order rotating per point). Latency: request
//     start → response end; TTFB: → first body chunk. Added latency = target − direct at the same
//     point (difference of percentiles). Saturation = the best requests/s over the concurrency
//     levels.
//  4. Samples the resident memory (VmRSS) of each gateway's process tree every 200 ms
//     (bench/lib/proc.mjs): for ours start.mjs (node) → workerd, for the Miniflare floor node →
//     workerd, for bare workerd one process, for Portkey one node. Reads each tree's CPU time
//     (utime + stime from /proc/<pid>/stat, members and reaped children) before and after the
//     measured requests of a point: process CPU per call = that time ÷ the calls the tree served,
//     in µs. It is the whole process tree's (runtime, Node host, GC), not only the isolate's; the
//     isolate's own CPU per call split by stage (admission, upstream, books, the rest) is
//     `npm run bench:profile`'s (bench/profile.mjs).
//  5. Checks every response (200, a chat.completion, a stream ending in `data: [DONE]`),
//     counts errors by kind, prints the comparison with the issue's goals — met or not, with the
//     figures (see GOALS below) — and writes bench/results/side-by-side.json.
//  6. Then the MCP row (bench/mcp.mjs, `npm run bench:mcp` alone): a tools/call direct to a mock MCP
//     server vs through our /mcp, c = 1 and 16 (settings MCP_BENCH_*), written to bench/results/mcp.json;
//     and the OTLP rows (bench/otlp.mjs, `npm run bench:otlp` alone): trace export off vs on.
//
// Caveats: the load generator, the mock and every gateway share this machine's 2 cores, and the
// machine may be shared: compare within one run (the load averages are printed). Our gateway
// runs as `npm start` serves it (whatever that is: bench/lib/app.mjs starts scripts/start.mjs);
// Portkey runs as a bare Node server. Portkey and the floors are not asked to do what ours does per
// call (key auth, limits and credit in a Durable Object, usage log): this compares what each
// costs as a user runs it out of the box. CPU times come in clock ticks (10 ms at CLK_TCK=100)
// per process: with few calls per point the per-call figure is coarse.
//
// Settings (environment variables):
//   SBS_REQUESTS=1000          measured requests per target and point
//   SBS_POINT_SECONDS=15       time cap per target and point (per interleaved mix at c=1)
//   SBS_WARMUP=100             unrecorded warm-up requests per target and point
//   SBS_CONCURRENCY=1,16,64    SBS_MODES=json,stream
//   SBS_REQUEST_TIMEOUT_MS=15000, SBS_TOTAL_SECONDS=900 (watchdog)
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
import { startBareWorkerd, startMiniflareFloor, workerdBinary } from "./lib/floors.mjs";
import { runInterleaved, runPoint } from "./lib/load.mjs";
import { startMockThread } from "./lib/mock-openai.mjs";
import { measureMcp } from "./mcp.mjs";
import { measureOtlp } from "./otlp.mjs";
import { ensurePeerInstalled, peerVersion, startPortkey } from "./lib/peer.mjs";
import { cpuMeter, rssSampler } from "./lib/proc.mjs";

requireNode22();

const config = {
  requests: intEnv("SBS_REQUESTS", 1000, 1),
  pointSeconds: intEnv("SBS_POINT_SECONDS", 15, 1),
  warmup: intEnv("SBS_WARMUP", 100),
  concurrency: listEnv("SBS_CONCURRENCY", "1,16,64").map(Number),
  modes: listEnv("SBS_MODES", "json,stream"),
  requestTimeoutMs: intEnv("SBS_REQUEST_TIMEOUT_MS", 15_000, 1),
  totalSeconds: intEnv("SBS_TOTAL_SECONDS", 900, 10),
  out: path.resolve(repoRoot, process.env.SBS_OUT || "bench/results/side-by-side.json"),
};
if (config.concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error("SBS_CONCURRENCY must be integers from 1 to 1024");
if (config.modes.some((m) => m !== "json" && m !== "stream")) throw new Error("SBS_MODES may hold json and stream");

// The issue's goals for ours (npm start).
const GOALS = {
  throughputAt: 64, // concurrency of the throughput and memory goals
  throughputVsPortkey: 3, // req/s ≥ 3× Portkey's, json and stream
  throughputVsFloor: 0.6, // req/s ≥ 0.6× the bare-workerd pass-through's, json and stream
  addedBelowPortkeyEverywhere: true, // added p50 and p99 below Portkey's at every point
  c1JsonAddedP50Ms: 1.0, // json c=1: added p50 ≤ 1.0 ms
  c1JsonAboveFloorP50Ms: 0.4, // json c=1: p50 ≤ 0.4 ms above the bare-workerd pass-through's
  peakRssMiB: 300, // peak RSS of what npm start runs, under c=throughputAt
};
const UPSTREAM_KEY = "sk-bench-upstream-not-a-real-key";
const TARGETS = ["direct", "ours", "workerd", "miniflare", "portkey"];
const GATEWAYS = TARGETS.filter((t) => t !== "direct");
const LABEL = { direct: "direct", ours: "ours (npm start)", workerd: "floor: bare workerd", miniflare: "floor: Miniflare", portkey: "portkey" };
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

  const upstreamOrigin = `http://127.0.0.1:${mock.port}`;
  const floorWorkerd = await startBareWorkerd({ port: await freePort(), upstream: upstreamOrigin, register: life.register });
  log(`floor: the pass-through Worker in bare workerd on ${floorWorkerd.origin} (${floorWorkerd.command})`);
  const floorMiniflare = await startMiniflareFloor({ port: await freePort(), upstream: upstreamOrigin, register: life.register });
  log(`floor: the pass-through Worker under Miniflare on ${floorMiniflare.origin}`);

  const peerPort = await freePort();
  log(`starting Portkey ${peerVersion()} (node …/@portkey-ai/gateway/build/start-server.js --port=${peerPort} --headless)`);
  const peer = await startPortkey({ port: peerPort, register: life.register });

  const pids = { ours: app.pid, workerd: floorWorkerd.pid, miniflare: floorMiniflare.pid, portkey: peer.pid };
  const samplers = Object.fromEntries(GATEWAYS.map((g) => [g, rssSampler(pids[g])]));
  const meters = Object.fromEntries(GATEWAYS.map((g) => [g, cpuMeter(pids[g])]));
  life.defer(() => {
    for (const s of Object.values(samplers)) s.stop();
  });

  const upstreamHeaders = { "content-type": "application/json", authorization: `Bearer ${UPSTREAM_KEY}` };
  const targets = {
    direct: { port: mock.port, model: "gpt-bench", headers: upstreamHeaders },
    ours: { port: ourPort, model: "bench/gpt-bench", headers: { "content-type": "application/json", authorization: `Bearer ${app.credentials.apiKey}` } },
    workerd: { port: floorWorkerd.port, model: "gpt-bench", headers: upstreamHeaders },
    miniflare: { port: floorMiniflare.port, model: "gpt-bench", headers: upstreamHeaders },
    portkey: {
      port: peerPort,
      model: "gpt-bench",
      headers: { ...upstreamHeaders, "x-portkey-provider": "openai", "x-portkey-custom-host": mock.url },
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
      const cpuSeconds = {};
      if (concurrency === 1) {
        const r = await runInterleaved({
          variants: TARGETS.map((t) => spec(t, stream)),
          requests: config.requests,
          maxSeconds: config.pointSeconds * TARGETS.length,
          warmup: Math.min(config.warmup, 50),
          timeoutMs: config.requestTimeoutMs,
          onMeasureStart: () => {
            for (const g of GATEWAYS) meters[g].start();
          },
        });
        for (const g of GATEWAYS) cpuSeconds[g] = meters[g].stop();
        Object.assign(results, r);
        for (const g of GATEWAYS) peaks[g] = samplers[g].mark();
      } else {
        const order = TARGETS.map((_, i) => TARGETS[(i + rotation) % TARGETS.length]);
        rotation++;
        for (const name of order) {
          const gateway = name !== "direct";
          if (gateway) samplers[name].mark();
          results[name] = await runPoint({
            ...spec(name, stream),
            concurrency,
            requests: config.requests,
            maxSeconds: config.pointSeconds,
            warmup: config.warmup,
            timeoutMs: config.requestTimeoutMs,
            onMeasureStart: gateway ? () => meters[name].start() : undefined,
          });
          if (gateway) {
            cpuSeconds[name] = meters[name].stop();
            peaks[name] = samplers[name].mark();
          }
        }
      }
      const added = {};
      const cpuUsPerCall = {};
      for (const name of GATEWAYS) {
        const g = results[name];
        const d = results.direct;
        added[name] = {
          p50: g.latencyMs.p50 - d.latencyMs.p50,
          p99: g.latencyMs.p99 - d.latencyMs.p99,
          ...(stream ? { ttfbP50: g.ttfbMs.p50 - d.ttfbMs.p50, ttfbP99: g.ttfbMs.p99 - d.ttfbMs.p99 } : {}),
        };
        cpuUsPerCall[name] = g.requests > 0 ? (cpuSeconds[name] * 1e6) / g.requests : NaN;
      }
      points.push({ mode, concurrency, results, added, peaks, cpuSeconds, cpuUsPerCall });
      log(
        `${padEnd(mode, 6)} c=${pad(concurrency, 2)}  ` +
          TARGETS.map(
            (t) => `${t} ${fmtRps(results[t].rps)} req/s p50 ${fmtMs(results[t].latencyMs.p50)} ms${results[t].errors ? red(` ${results[t].errors} err`) : ""}`,
          ).join(" · "),
      );
    }
  }
  const memory = Object.fromEntries(GATEWAYS.map((g) => [g, samplers[g].peak()]));
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
  const verdict = (goal, met, detail, figures = {}) => verdicts.push({ goal, met, detail, ...figures });
  const finite = (...vs) => vs.every(Number.isFinite);
  const at = (mode, concurrency) => points.find((p) => p.mode === mode && p.concurrency === concurrency);
  const c = GOALS.throughputAt;
  for (const mode of config.modes) {
    const p = at(mode, c);
    const rps = (t) => p?.results[t].rps ?? NaN;
    for (const [other, ratioGoal] of [
      ["portkey", GOALS.throughputVsPortkey],
      ["workerd", GOALS.throughputVsFloor],
    ]) {
      const ratio = rps("ours") / rps(other);
      verdict(
        `throughput ≥ ${ratioGoal}× ${other === "portkey" ? "Portkey's" : "bare workerd's"} (${mode} c=${c})`,
        p ? (finite(ratio) ? ratio >= ratioGoal : false) : null,
        p ? `ours ${fmtRps(rps("ours"))} vs ${LABEL[other]} ${fmtRps(rps(other))} req/s = ${finite(ratio) ? ratio.toFixed(2) : "–"}×` : `c=${c} not measured`,
        { ours_rps: round(rps("ours"), 1), [`${other}_rps`]: round(rps(other), 1), ratio: round(ratio, 3) },
      );
    }
  }
  for (const p of points) {
    for (const q of ["p50", "p99"]) {
      const ours = p.added.ours[q];
      const peer = p.added.portkey[q];
      verdict(
        `added ${q} below Portkey's (${p.mode} c=${p.concurrency})`,
        finite(ours, peer) ? ours < peer : null,
        `ours ${fmtAdded(ours)} ms vs Portkey ${fmtAdded(peer)} ms`,
        { ours_ms: round(ours), portkey_ms: round(peer) },
      );
    }
  }
  const c1 = at("json", 1);
  if (c1) {
    const added = c1.added.ours.p50;
    verdict(
      `added p50 ≤ ${GOALS.c1JsonAddedP50Ms.toFixed(1)} ms (json c=1)`,
      finite(added) ? added <= GOALS.c1JsonAddedP50Ms : null,
      `ours ${fmtAdded(added)} ms`,
      {
        ours_ms: round(added),
      },
    );
    const above = c1.results.ours.latencyMs.p50 - c1.results.workerd.latencyMs.p50;
    verdict(
      `p50 ≤ ${GOALS.c1JsonAboveFloorP50Ms} ms above bare workerd's (json c=1)`,
      finite(above) ? above <= GOALS.c1JsonAboveFloorP50Ms : null,
      `ours ${fmtMs(c1.results.ours.latencyMs.p50)} ms − bare workerd ${fmtMs(c1.results.workerd.latencyMs.p50)} ms = ${fmtAdded(above)} ms`,
      { ours_ms: round(c1.results.ours.latencyMs.p50), workerd_ms: round(c1.results.workerd.latencyMs.p50), above_ms: round(above) },
    );
  } else verdict("c=1 json latency goals", null, "json c=1 not measured");
  const underC = points.filter((p) => p.concurrency === c);
  const rssPeak = underC.length ? Math.max(...underC.map((p) => p.peaks.ours ?? 0)) : NaN;
  verdict(
    `peak RSS of npm start ≤ ${GOALS.peakRssMiB} MiB (c=${c})`,
    underC.length ? rssPeak <= GOALS.peakRssMiB * 2 ** 20 : null,
    underC.length ? `ours ${fmtMiB(rssPeak)} (${underC.map((p) => `${p.mode} ${fmtMiB(p.peaks.ours)}`).join(", ")})` : `c=${c} not measured`,
    { ours_rss_bytes: underC.length ? rssPeak : null },
  );

  // ------------------------------------------------------------------------------ report
  const totalErrors = points.reduce((s, p) => s + TARGETS.reduce((t, n) => t + p.results[n].errors, 0), 0);
  const totalRequests = points.reduce((s, p) => s + TARGETS.reduce((t, n) => t + p.results[n].requests, 0), 0);
  const workerd = workerdBinary();
  const lines = preamble(
    "AI Aggregator — side by side: direct vs ours (npm start) vs pass-through floors (bare workerd, Miniflare) vs Portkey (npm), POST /v1/chat/completions → one local mock",
    {
      loadBefore,
      loadAfter,
      extra: [
        `peer      @portkey-ai/gateway ${peerVersion()} on node ${process.version} (bare Node server); ours as npm start serves it`,
        `floors    bench/lib/passthrough/worker.js (forwards, streams the body through): in workerd ${workerd.version} alone (${floorWorkerd.command}); under Miniflare, entry Worker in front (node → workerd)`,
        `requests  ${config.requests} per target and point (cap ${config.pointSeconds} s), ${config.warmup} warm-up each; ${totalRequests} measured`,
      ],
    },
  );
  const out = (s = "") => lines.push(s);
  out();
  out("latency in ms; added = target − direct at the same point (difference of percentiles); at c=1 the targets take turns request by request");
  const header =
    `${padEnd("mode", 7)}${pad("conc", 4)}  ${padEnd("target", 20)}${pad("reqs", 6)}${pad("err", 5)}${pad("req/s", 8)}${pad("p50", 8)}${pad("p99", 8)}${pad("+p50", 8)}${pad("+p99", 8)}` +
    `${pad("ttfb p50", 10)}${pad("ttfb p99", 10)}${pad("+ttfb p50", 11)}${pad("peak RSS", 10)}${pad("CPU µs/call", 13)}`;
  out(header);
  out("─".repeat(header.length));
  for (const p of points) {
    for (const name of TARGETS) {
      const r = p.results[name];
      const a = p.added[name];
      const err = r.errors ? red(pad(r.errors, 5)) : pad(0, 5);
      const cpu = p.cpuUsPerCall[name];
      out(
        `${padEnd(name === "direct" ? p.mode : "", 7)}${pad(name === "direct" ? p.concurrency : "", 4)}  ${padEnd(LABEL[name], 20)}${pad(r.requests, 6)}${err}${pad(fmtRps(r.rps), 8)}${pad(fmtMs(r.latencyMs.p50), 8)}${pad(fmtMs(r.latencyMs.p99), 8)}` +
          `${pad(a ? fmtAdded(a.p50) : "", 8)}${pad(a ? fmtAdded(a.p99) : "", 8)}${pad(r.stream ? fmtMs(r.ttfbMs.p50) : "", 10)}${pad(r.stream ? fmtMs(r.ttfbMs.p99) : "", 10)}${pad(r.stream && a ? fmtAdded(a.ttfbP50) : "", 11)}` +
          `${pad(p.peaks[name] ? fmtMiB(p.peaks[name]) : "", 10)}${pad(cpu === undefined ? "" : Number.isFinite(cpu) ? Math.round(cpu) : "–", 13)}${r.truncatedByTime ? "  (time cap)" : ""}`,
      );
    }
  }
  out("(peak RSS: the gateway's whole process tree during that point)");
  out("(CPU µs/call: process CPU per call — user + system time of the gateway's whole process tree (/proc) during the measured requests ÷ the calls");
  out(" it served: runtime, Node host and GC included, not only the isolate. The isolate's own CPU per call, split into admission, upstream, books");
  out(" and the rest: npm run bench:profile, e.g. PROFILE_POINTS=json:1,json:64,stream:64)");
  out();
  for (const [mode, s] of Object.entries(saturation)) {
    out(
      `saturation (${mode})  ` +
        TARGETS.map((t) => `${t} ${fmtRps(s[t]?.rps)} at c=${s[t]?.concurrency}`).join(" · ") +
        `  → ours/portkey ${(s.ours.rps / s.portkey.rps).toFixed(2)}×, ours/bare workerd ${(s.ours.rps / s.workerd.rps).toFixed(2)}×`,
    );
  }
  const memLine = (name, m) => `${LABEL[name]} ${fmtMiB(m.rssBytes)} (${m.members.map((x) => `${x.comm} ${fmtMiB(x.rssBytes)}`).join(", ")})`;
  out(`peak RSS   ${GATEWAYS.map((g) => memLine(g, memory[g])).join(" · ")}`);
  out();
  out("goals (from the issue)");
  for (const v of verdicts) out(`  ${mark(v.met)} ${padEnd(v.goal, 54)} ${v.detail}`);
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
    versions: { ...versions(), portkey_gateway: peerVersion(), floor_workerd: workerd.version },
    config: { ...config, out: path.relative(repoRoot, config.out) },
    targets: LABEL,
    goals: GOALS,
    points: points.map((p) => ({
      mode: p.mode,
      concurrency: p.concurrency,
      ...Object.fromEntries(TARGETS.map((t) => [t, figures(p.results[t])])),
      added_ms: Object.fromEntries(Object.entries(p.added).map(([k, a]) => [k, Object.fromEntries(Object.entries(a).map(([q, v]) => [q, round(v)]))])),
      peak_rss_bytes: p.peaks,
      process_cpu_seconds: Object.fromEntries(Object.entries(p.cpuSeconds).map(([k, v]) => [k, round(v, 3)])),
      process_cpu_us_per_call: Object.fromEntries(Object.entries(p.cpuUsPerCall).map(([k, v]) => [k, round(v, 1)])),
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

  // The MCP row (bench/mcp.mjs): a tools/call direct to a mock MCP server vs through our /mcp.
  log("MCP: tools/call direct vs through our /mcp (bench/mcp.mjs; MCP_BENCH_* settings)");
  try {
    const mcp = await measureMcp({ app, token: await login(app) });
    console.log(mcp.lines.join("\n"));
    const otlp = await measureOtlp({ app, token: await login(app) });
    console.log(otlp.lines.join("\n"));
    return totalErrors + mcp.errors;
  } catch (error) {
    console.log(red(`the MCP or OTLP measurement failed: ${error.message}`));
    return totalErrors + 1;
  }
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
