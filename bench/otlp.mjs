// OTLP export overhead: the same chat call (demo/echo, non-streamed) through our gateway with
// trace export off and on, alternating rounds in one run, on loopback only. Measured, not asserted;
// the goal (issue 19) is throughput and p50 with export on within 5 % of off.
//
//   npm run bench:otlp       (or: node bench/otlp.mjs)
//
// What it does:
//  1. Starts a minimal OTLP/HTTP collector (node:http: POST …/v1/traces answers 200 and counts
//     the spans by their "spanId" keys, without parsing) and our gateway as `npm start` does (bench/lib/app.mjs).
//  2. Logs in as the seeded operator and creates an API key.
//  3. Runs OTLP_BENCH_ROUNDS rounds of [off, on] (or [on, off], alternating which goes first):
//     "on" sets the operator's tenant otlp_endpoint to the collector (PATCH /api/tenant), "off"
//     clears it; each round sends OTLP_BENCH_REQUESTS calls at OTLP_BENCH_CONCURRENCY over
//     keep-alive sockets, after a short warm-up. Spans received are counted per round.
//  4. Prints req/s and p50/p99 latency per mode (medians over rounds) and on/off ratios.
//
// Settings: OTLP_BENCH_REQUESTS=1500, OTLP_BENCH_CONCURRENCY=16, OTLP_BENCH_ROUNDS=3,
// OTLP_BENCH_TOTAL_SECONDS=600 (watchdog).
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import { freePort, startApp } from "./lib/app.mjs";
import { api, fmtMs, fmtRps, intEnv, lifecycle, loadavg, log, login, pad, padEnd, pool, preamble, requireNode22, stats } from "./lib/common.mjs";

const config = {
  requests: intEnv("OTLP_BENCH_REQUESTS", 1500, 10),
  concurrency: intEnv("OTLP_BENCH_CONCURRENCY", 16, 1, 256),
  rounds: intEnv("OTLP_BENCH_ROUNDS", 3, 1, 20),
  totalSeconds: intEnv("OTLP_BENCH_TOTAL_SECONDS", 600, 30),
};

function startCollector() {
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      // Counted without parsing: the collector shares this machine's cores with the gateway.
      const text = Buffer.concat(chunks).toString("latin1");
      for (let at = text.indexOf('"spanId"'); at >= 0; at = text.indexOf('"spanId"', at + 8)) spans++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        spans: () => spans,
        close: () => new Promise((r) => server.close(r)),
      }),
    );
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function chat(origin, key) {
  const body = JSON.stringify({ model: "demo/echo", messages: [{ role: "user", content: "hello bench" }] });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${origin}/v1/chat/completions`,
      { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function round(origin, key, n) {
  const latencies = [];
  const started = performance.now();
  await pool(n, config.concurrency, async () => {
    latencies.push(await chat(origin, key));
  });
  return { rps: n / ((performance.now() - started) / 1000), ...stats(latencies) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Export off vs on against one running app (npm run bench calls this after its other rows). */
export async function measureOtlp({ app, token }) {
  const collector = await startCollector();
  try {
    const { key } = await api(app.origin, "POST", "/api/keys", { token, body: { name: "bench-otlp" } });
    const setExport = (on) => api(app.origin, "PATCH", "/api/tenant", { token, body: { otlp_endpoint: on ? collector.url : null } });
    log("OTLP: warming up");
    await round(app.origin, key, 300);
    const results = { off: [], on: [] };
    for (let r = 0; r < config.rounds; r++) {
      for (const mode of r % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
        await setExport(mode === "on");
        await round(app.origin, key, 100);
        const before = collector.spans();
        const result = await round(app.origin, key, config.requests);
        await new Promise((resolve) => setTimeout(resolve, 300));
        results[mode].push({ ...result, spans: collector.spans() - before });
        log(`OTLP round ${r + 1} ${mode}: ${fmtRps(result.rps)} req/s, p50 ${fmtMs(result.p50)} ms, spans received ${collector.spans() - before}`);
      }
    }
    await setExport(false);
    const summary = (mode) => ({
      rps: median(results[mode].map((x) => x.rps)),
      p50: median(results[mode].map((x) => x.p50)),
      p99: median(results[mode].map((x) => x.p99)),
      spans: results[mode].reduce((s, x) => s + x.spans, 0),
    });
    const off = summary("off");
    const on = summary("on");
    return {
      lines: [
        "",
        "OTLP trace export off vs on (demo/echo chat)",
        `${padEnd("export", 8)}${pad("req/s", 10)}${pad("p50 ms", 10)}${pad("p99 ms", 10)}${pad("spans", 10)}`,
        `${padEnd("off", 8)}${pad(fmtRps(off.rps), 10)}${pad(fmtMs(off.p50), 10)}${pad(fmtMs(off.p99), 10)}${pad(off.spans, 10)}`,
        `${padEnd("on", 8)}${pad(fmtRps(on.rps), 10)}${pad(fmtMs(on.p50), 10)}${pad(fmtMs(on.p99), 10)}${pad(on.spans, 10)}`,
        "",
        `on/off throughput ${(on.rps / off.rps).toFixed(3)} (goal ≥ 0.95), p50 ${(on.p50 / off.p50).toFixed(3)} (goal ≤ 1.05); ` +
          `medians of ${config.rounds} alternating rounds of ${config.requests} calls at c=${config.concurrency}`,
      ],
    };
  } finally {
    await collector.close();
  }
}

async function main(life) {
  const loadBefore = loadavg();
  life.watchdog(config.totalSeconds, "OTLP_BENCH_TOTAL_SECONDS");
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-otlp-"));
  life.defer(() => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  log(`starting our gateway as npm start does (PORT=${port})`);
  const app = await startApp({ stateDir, port, register: life.register });
  const result = await measureOtlp({ app, token: await login(app) });
  const lines = preamble("AI Aggregator — OTLP trace export off vs on (demo/echo chat, npm start)", { loadBefore, loadAfter: loadavg() });
  console.log([...lines, ...result.lines].join("\n"));
}

const runAlone = isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runAlone) {
  requireNode22();
  const life = lifecycle();
  let exitCode = 0;
  try {
    await main(life);
  } catch (error) {
    console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
    exitCode = 1;
  } finally {
    await life.cleanup();
  }
  process.exit(exitCode);
}
