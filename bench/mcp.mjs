// MCP: one tool call (`tools/call` echo {text: "hi"}) sent directly to a mock MCP server and the
// same call through our gateway's /mcp, on loopback only. Measured, not asserted.
//
//   npm run bench:mcp        (or: node bench/mcp.mjs; npm run bench runs it at its end too)
//
// What it does:
//  1. Starts the tests' MCP mock (test/mocks/mcp-servers.ts, built with the official SDK, stateful
//     Streamable HTTP; /alpha/mcp needs `Authorization: Bearer alpha-secret`) in a worker thread,
//     and our gateway as `npm start` does (bench/lib/app.mjs: PORT, a fresh PERSIST_DIR).
//  2. Logs in as the seeded operator (owner), registers a platform MCP server `bench` → the mock's
//     /alpha/mcp with its bearer header (POST /api/mcp/servers), and creates an API key with
//     mcp_tools ["bench__echo"] (POST /api/keys).
//  3. Opens one session directly (initialize → Mcp-Session-Id, notifications/initialized) and one
//     through the gateway (the same, with the key), warms both up, then measures tools/call at
//     each concurrency: at 1 direct and gateway calls take turns request by request (so a busy
//     neighbour slows both alike); above 1 they run as points back to back. Every request has its
//     own JSON-RPC id (the SDK's server maps answers to requests by id within a session, so
//     concurrent calls on one session must not share one). Latency: request start → response
//     end, over keep-alive sockets. Added latency = gateway − direct at the same point
//     (difference of percentiles).
//  4. Checks every answer: HTTP 200, a JSON-RPC result for that request's id (the mock answers as
//     an SSE event, the gateway as JSON) whose content text is "hi" and not isError. Prints a
//     table and writes bench/results/mcp.json.
//
// Caveats: the mock closes each connection after one request (as the tests' mocks do, for
// workerd's connection pool), so a direct call includes a TCP connect to the mock, and so does
// the gateway's call to it; the client keeps its connection to the gateway alive. The load
// generator, the mock and the gateway share this machine's cores: compare within one run.
//
// Settings (environment variables):
//   MCP_BENCH_REQUESTS=500      measured calls per target and point
//   MCP_BENCH_WARMUP=100        unrecorded warm-up calls per target (and 20 rounds before c=1)
//   MCP_BENCH_CONCURRENCY=1,16
//   MCP_BENCH_POINT_SECONDS=30  time cap per target and point (per interleaved mix at c=1)
//   MCP_BENCH_REQUEST_TIMEOUT_MS=15000, MCP_BENCH_TOTAL_SECONDS=600 (watchdog, run alone)
//   MCP_BENCH_OUT=bench/results/mcp.json
// Exit code (run alone): 0 done, 1 failed, 2 some calls failed (reported).
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { freePort, repoRoot, startApp } from "./lib/app.mjs";
import {
  api,
  fmtAdded,
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
  preamble,
  red,
  requireNode22,
  round,
  versions,
  writeReport,
} from "./lib/common.mjs";
import { once, percentile } from "./lib/load.mjs";

const MOCK = pathToFileURL(path.join(repoRoot, "test/mocks/mcp-servers.ts")).href;
const SERVER = "bench";
const TOOL = `${SERVER}__echo`;
const TEXT = "hi";
const PROTOCOL_VERSION = "2025-06-18";
const TARGETS = ["direct", "gateway"];

export function mcpConfig() {
  const config = {
    requests: intEnv("MCP_BENCH_REQUESTS", 500, 1),
    warmup: intEnv("MCP_BENCH_WARMUP", 100),
    concurrency: listEnv("MCP_BENCH_CONCURRENCY", "1,16").map(Number),
    pointSeconds: intEnv("MCP_BENCH_POINT_SECONDS", 30, 1),
    requestTimeoutMs: intEnv("MCP_BENCH_REQUEST_TIMEOUT_MS", 15_000, 1),
    totalSeconds: intEnv("MCP_BENCH_TOTAL_SECONDS", 600, 10),
    out: path.resolve(repoRoot, process.env.MCP_BENCH_OUT || "bench/results/mcp.json"),
  };
  if (config.concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error("MCP_BENCH_CONCURRENCY must be integers from 1 to 1024");
  return config;
}

// ------------------------------------------------------------------------------ the mock

/** The MCP mock in a worker thread (its event loop apart from the load generator's). */
function startMcpMockThread() {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: "mcp-mock" } });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the MCP mock thread exited (${code}) before it listened`)));
    worker.on("message", (msg) => {
      if (msg.type !== "listening") return;
      worker.removeAllListeners("exit");
      worker.removeAllListeners("error");
      worker.on("error", (error) => console.error(`MCP mock: ${error.stack ?? error}`));
      resolve({
        port: msg.port,
        close: async () => {
          worker.postMessage({ type: "close" });
          const done = new Promise((r) => worker.once("exit", r));
          const timer = setTimeout(() => worker.terminate(), 3_000);
          await done;
          clearTimeout(timer);
        },
      });
    });
  });
}

if (!isMainThread && workerData?.role === "mcp-mock") {
  const { startMcpServers } = await import(MOCK);
  const mock = await startMcpServers();
  parentPort.on("message", async (msg) => {
    if (msg.type === "close") {
      await mock.close().catch(() => undefined);
      process.exit(0);
    }
  });
  parentPort.postMessage({ type: "listening", port: mock.port });
}

// ------------------------------------------------------------------------------ JSON-RPC over HTTP

/** The JSON-RPC messages of an answer: one JSON body, or the `data:` lines of SSE events. */
function messages(text) {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return [JSON.parse(t)].flat();
  return t
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .filter(Boolean)
    .map((data) => JSON.parse(data));
}

/** null when the answer is a good echo of TEXT for request `id`, else a short reason. */
function checkEcho(status, body, id) {
  if (status !== 200) return `HTTP ${status}`;
  let msgs;
  try {
    msgs = messages(body.toString("utf8"));
  } catch {
    return "not JSON / SSE JSON";
  }
  const answer = msgs.find((m) => m?.id === id);
  if (!answer) return "no answer for the request's id";
  if (answer.error) return `JSON-RPC error ${answer.error.code}`;
  const result = answer.result;
  if (!result || result.isError) return "isError result";
  const text = (result.content ?? []).map((c) => c.text ?? "").join("");
  return text === TEXT ? null : "content text is not the echo";
}

/** An MCP session's endpoint: initialize, then notifications/initialized, with the given headers. */
async function openSession(url, headers) {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  const init = await fetch(url, {
    method: "POST",
    headers: base,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "aggregator-bench", version: "1.0.0" } },
    }),
  });
  const text = await init.text();
  const session = init.headers.get("mcp-session-id");
  if (init.status !== 200 || !session) throw new Error(`initialize at ${url} answered ${init.status} (session ${session}): ${text.slice(0, 400)}`);
  const version = messages(text).find((m) => m.id === 0)?.result?.protocolVersion ?? PROTOCOL_VERSION;
  const sessionHeaders = { ...base, "mcp-session-id": session, "mcp-protocol-version": version };
  const note = await fetch(url, { method: "POST", headers: sessionHeaders, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  await note.arrayBuffer();
  if (note.status !== 202 && note.status !== 200) throw new Error(`notifications/initialized at ${url} answered ${note.status}`);
  return sessionHeaders;
}

// ------------------------------------------------------------------------------ the load

let nextId = 1;

/** A target with its own keep-alive agent and tallies. */
function target(name, { port, pathname, headers }, sockets, timeoutMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, keepAliveMsecs: 30_000 });
  return { name, agent, port, pathname, headers, timeoutMs, latencies: [], errors: new Map(), done: 0, busyNs: 0n };
}

/** One tools/call with a fresh id, checked and (when `record`) tallied. */
async function fire(t, record) {
  const id = nextId++;
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: t.tool, arguments: { text: TEXT } } }));
  const r = await once({
    agent: t.agent,
    host: "127.0.0.1",
    port: t.port,
    method: "POST",
    path: t.pathname,
    headers: { ...t.headers, "content-length": String(body.length) },
    body,
    timeoutMs: t.timeoutMs,
  });
  const reason = r.error ?? checkEcho(r.status, r.body, id);
  const key = record ? reason : `(warm-up) ${reason}`;
  if (reason) t.errors.set(key, (t.errors.get(key) ?? 0) + 1);
  if (!record) return;
  t.done++;
  if (r.latencyNs) t.busyNs += r.latencyNs;
  if (!reason) t.latencies.push(Number(r.latencyNs) / 1e6);
}

function summary(t, { concurrency, elapsedS, truncatedByTime }) {
  const sorted = Float64Array.from(t.latencies).sort();
  const sum = t.latencies.reduce((s, v) => s + v, 0);
  const errors = [...t.errors].filter(([k]) => !k.startsWith("(warm-up)")).reduce((s, [, n]) => s + n, 0);
  return {
    name: t.name,
    concurrency,
    requests: t.done,
    ok: t.latencies.length,
    errors,
    errorKinds: Object.fromEntries(t.errors),
    truncatedByTime,
    elapsedS,
    rps: t.done / elapsedS,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      mean: sorted.length ? sum / sorted.length : NaN,
      min: sorted[0] ?? NaN,
      max: sorted[sorted.length - 1] ?? NaN,
    },
  };
}

const deadlineIn = (seconds) => process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));

/** One target at `concurrency` (closed loop): `requests` calls after `warmup` unrecorded ones. */
async function runPoint(spec, { concurrency, requests, warmup, maxSeconds, timeoutMs }) {
  const t = Object.assign(target(spec.name, spec, concurrency, timeoutMs), { tool: spec.tool });
  const loop = async (budget, record, deadline) => {
    while (budget.left > 0 && process.hrtime.bigint() < deadline) {
      budget.left--;
      await fire(t, record);
    }
  };
  try {
    if (warmup > 0) {
      const budget = { left: warmup };
      const deadline = deadlineIn(maxSeconds);
      await Promise.all(Array.from({ length: concurrency }, () => loop(budget, false, deadline)));
    }
    const budget = { left: requests };
    const started = process.hrtime.bigint();
    const deadline = deadlineIn(maxSeconds);
    await Promise.all(Array.from({ length: concurrency }, () => loop(budget, true, deadline)));
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    return summary(t, { concurrency, elapsedS, truncatedByTime: budget.left > 0 });
  } finally {
    t.agent.destroy();
  }
}

/** The targets at concurrency 1, taking turns call by call; a target's req/s is over its own calls' time. */
async function runInterleaved(specs, { requests, warmup, maxSeconds, timeoutMs }) {
  const ts = specs.map((s) => Object.assign(target(s.name, s, 1, timeoutMs), { tool: s.tool }));
  try {
    for (let i = 0; i < warmup; i++) for (const t of ts) await fire(t, false);
    const deadline = deadlineIn(maxSeconds);
    let rounds = 0;
    while (rounds < requests && process.hrtime.bigint() < deadline) {
      for (const t of rounds % 2 === 0 ? ts : [...ts].reverse()) await fire(t, true);
      rounds++;
    }
    return Object.fromEntries(
      ts.map((t) => [t.name, summary(t, { concurrency: 1, elapsedS: Number(t.busyNs) / 1e9 || NaN, truncatedByTime: rounds < requests })]),
    );
  } finally {
    for (const t of ts) t.agent.destroy();
  }
}

// ------------------------------------------------------------------------------ the measurement

const figures = (r) => ({
  requests: r.requests,
  ok: r.ok,
  errors: r.errors,
  error_kinds: r.errorKinds,
  stopped_by_time_cap: r.truncatedByTime,
  seconds: round(r.elapsedS, 2),
  rps: round(r.rps, 1),
  latency_ms: Object.fromEntries(Object.entries(r.latencyMs).map(([k, v]) => [k, round(v)])),
});

/**
 * The MCP measurement against a running gateway (`app` from startApp, `token` an operator's
 * access token): starts the MCP mock, registers it as the platform server `bench`, creates a key,
 * measures, stops the mock. Resolves to { points, lines (the table), report (for mcp.json),
 * errors, requests }. bench/side-by-side.mjs calls this at its end.
 */
export async function measureMcp({ app, token, config = mcpConfig() }) {
  const mock = await startMcpMockThread();
  try {
    const mockUrl = `http://127.0.0.1:${mock.port}/alpha/mcp`;
    log(`MCP mock (test/mocks/mcp-servers.ts) on ${mockUrl}, in a worker thread`);
    await api(app.origin, "POST", "/api/mcp/servers", {
      token,
      body: { name: SERVER, url: mockUrl, headers: { Authorization: "Bearer alpha-secret" }, scope: "platform" },
    });
    const { key } = await api(app.origin, "POST", "/api/keys", { token, body: { name: "bench-mcp", mcp_tools: [TOOL] } });

    const direct = { name: "direct", port: mock.port, pathname: "/alpha/mcp", tool: "echo" };
    direct.headers = await openSession(mockUrl, { authorization: "Bearer alpha-secret" });
    const gateway = { name: "gateway", port: app.port, pathname: "/mcp", tool: TOOL };
    gateway.headers = await openSession(`${app.origin}/mcp`, { authorization: `Bearer ${key}` });
    const specs = { direct, gateway };

    // One call each first, to fail with the answer itself if the set-up is wrong.
    for (const spec of [direct, gateway]) {
      const id = nextId++;
      const res = await fetch(`http://127.0.0.1:${spec.port}${spec.pathname}`, {
        method: "POST",
        headers: spec.headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: spec.tool, arguments: { text: TEXT } } }),
      });
      const text = await res.text();
      const reason = checkEcho(res.status, Buffer.from(text), id);
      if (reason) throw new Error(`a first tools/call ${spec.name} failed (${reason}): ${text.slice(0, 400)}`);
    }
    const common = { maxSeconds: config.pointSeconds, timeoutMs: config.requestTimeoutMs };
    log("MCP: warming up both targets");
    for (const spec of [direct, gateway]) {
      const w = await runPoint(spec, { ...common, concurrency: 4, requests: Math.max(100, config.warmup), warmup: 0 });
      if (w.errors) throw new Error(`MCP warm-up of ${spec.name} failed: ${JSON.stringify(w.errorKinds)}`);
    }

    const loadBefore = loadavg();
    const points = [];
    for (const concurrency of config.concurrency) {
      let results;
      if (concurrency === 1) {
        results = await runInterleaved([direct, gateway], {
          ...common,
          maxSeconds: config.pointSeconds * 2,
          requests: config.requests,
          warmup: Math.min(config.warmup, 20),
        });
      } else {
        results = {};
        for (const name of TARGETS) {
          results[name] = await runPoint(specs[name], { ...common, concurrency, requests: config.requests, warmup: config.warmup });
        }
      }
      const d = results.direct.latencyMs;
      const g = results.gateway.latencyMs;
      const added = { p50: g.p50 - d.p50, p99: g.p99 - d.p99 };
      points.push({ concurrency, interleaved: concurrency === 1, results, added });
      log(
        `MCP c=${pad(concurrency, 2)}  ` +
          TARGETS.map(
            (t) => `${t} ${fmtRps(results[t].rps)} req/s p50 ${fmtMs(results[t].latencyMs.p50)} ms${results[t].errors ? red(` ${results[t].errors} err`) : ""}`,
          ).join(" · "),
      );
    }
    const loadAfter = loadavg();

    const errors = points.reduce((s, p) => s + p.results.direct.errors + p.results.gateway.errors, 0);
    const requests = points.reduce((s, p) => s + p.results.direct.requests + p.results.gateway.requests, 0);
    const lines = [];
    const out = (s = "") => lines.push(s);
    out();
    out(`MCP tools/call ${TOOL} {text:"${TEXT}"}: direct to the mock MCP server vs through our /mcp (${config.requests} calls per target and point)`);
    out("latency in ms; added = gateway − direct at the same point (difference of percentiles); at c=1 the targets take turns call by call");
    const header = `${pad("conc", 4)}  ${padEnd("target", 9)}${pad("reqs", 6)}${pad("err", 5)}${pad("req/s", 8)}${pad("p50", 8)}${pad("p99", 8)}${pad("+p50", 8)}${pad("+p99", 8)}`;
    out(header);
    out("─".repeat(header.length));
    for (const p of points) {
      for (const name of TARGETS) {
        const r = p.results[name];
        const gw = name === "gateway";
        out(
          `${pad(name === "direct" ? p.concurrency : "", 4)}  ${padEnd(name, 9)}${pad(r.requests, 6)}${r.errors ? red(pad(r.errors, 5)) : pad(0, 5)}${pad(fmtRps(r.rps), 8)}` +
            `${pad(fmtMs(r.latencyMs.p50), 8)}${pad(fmtMs(r.latencyMs.p99), 8)}${pad(gw ? fmtAdded(p.added.p50) : "", 8)}${pad(gw ? fmtAdded(p.added.p99) : "", 8)}` +
            `${r.truncatedByTime ? "  (time cap)" : ""}`,
        );
      }
    }
    if (errors) {
      out(red(`${errors} MCP CALLS FAILED — those points are not trustworthy`));
      for (const p of points) for (const t of TARGETS) if (p.results[t].errors) out(`  c=${p.concurrency} ${t}: ${JSON.stringify(p.results[t].errorKinds)}`);
    } else out(`all ${requests} measured MCP calls answered correctly (200; a JSON-RPC result for the call's id with content text "${TEXT}")`);

    const report = {
      benchmark: "mcp",
      started_at: new Date().toISOString(),
      machine: machine(),
      load_average: { before: loadBefore, after: loadAfter },
      versions: versions(),
      config: { ...config, out: path.relative(repoRoot, config.out) },
      tool: TOOL,
      points: points.map((p) => ({
        concurrency: p.concurrency,
        interleaved: p.interleaved,
        direct: figures(p.results.direct),
        gateway: figures(p.results.gateway),
        added_ms: { p50: round(p.added.p50), p99: round(p.added.p99) },
        gateway_rps_share: round(p.results.gateway.rps / p.results.direct.rps, 3),
      })),
      total_requests: requests,
      total_errors: errors,
    };
    out(`MCP figures written to ${writeReport(config.out, report)}`);
    return { points, lines, report, errors, requests, loadBefore, loadAfter };
  } finally {
    await mock.close();
  }
}

// ------------------------------------------------------------------------------ run alone

async function main(life, config) {
  const startedLoad = loadavg();
  life.watchdog(config.totalSeconds, "MCP_BENCH_TOTAL_SECONDS");
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-mcp-"));
  life.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  log(`starting our gateway as npm start does (PORT=${port}, PERSIST_DIR=${stateDir})`);
  const app = await startApp({ stateDir, port, register: life.register });
  const token = await login(app);
  const result = await measureMcp({ app, token, config });
  const lines = preamble("AI Aggregator — MCP: tools/call direct to a mock MCP server vs through our gateway's /mcp (npm start)", {
    loadBefore: startedLoad,
    loadAfter: loadavg(),
  });
  console.log([...lines, ...result.lines].join("\n"));
  return result.errors;
}

const runAlone = isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runAlone) {
  requireNode22();
  const life = lifecycle();
  let exitCode = 0;
  try {
    if ((await main(life, mcpConfig())) > 0) exitCode = 2;
  } catch (error) {
    console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
    exitCode = 1;
  } finally {
    log("stopping the gateway and the MCP mock");
    await life.cleanup();
  }
  process.exit(exitCode);
}
