// The request explorer (GET /api/requests) on a tenant with a million logged calls: how long a
// page takes under each filter, on loopback only. Measured, not asserted.
//
//   npm run bench:requests   (or: node bench/request-explorer.mjs)
//
// What it does:
//  1. Starts the app's Worker under Miniflare through wrangler's test harness (as
//     bench/lib/do-harness.mjs does: wrangler.toml's bundle and bindings, storage in memory; `npm
//     start` cannot serve the LOGS R2 bucket on bare workerd yet), applies the D1 migrations and
//     runs the first-start seed (worker/seed.ts) through the app's D1 binding.
//  2. Writes the log straight into that D1: REQ_BENCH_ROWS rows for the seeded tenant and
//     REQ_BENCH_OTHER_ROWS for another, by recursive-CTE INSERT … SELECT statements of 100,000
//     rows, spread over the last 30 days (two rows per created_at, so pages cross ties). The
//     seeded tenant's rows: 20 keys, 10 models, 1 % 5xx and 3 % 429, an end user on every other
//     row (1,000 of them), costs 0–19,999 µ$. Then logs in as the seeded owner.
//  3. Sends REQ_BENCH_REQUESTS requests of each query one after another (c = 1, keep-alive),
//     varying the key, model, end user and request id from request to request, after a short
//     warm-up; checks each answer is 200 with the rows it should have.
//  4. Prints p50/p95 per query and writes bench/results/request-explorer.json. Each request also
//     passes Miniflare's entry Worker (about +0.7 ms over bare workerd, docs/architecture.md).
//
// Settings: REQ_BENCH_ROWS=1000000, REQ_BENCH_OTHER_ROWS=100000, REQ_BENCH_REQUESTS=200,
// REQ_BENCH_SLOW_REQUESTS=10 (the unindexed trace_id lookup), REQ_BENCH_TOTAL_SECONDS=300,
// REQ_BENCH_OUT=bench/results/request-explorer.json.
// Exit code: 0 done, 1 failed, 2 some answers were wrong (reported).
import { existsSync } from "node:fs";
import path from "node:path";
import { bin, run } from "../scripts/lib/run.mjs";
import { repoRoot } from "./lib/app.mjs";
import { appConfig } from "./lib/do-harness.mjs";
import { api, fmtMs, intEnv, lifecycle, loadavg, log, pad, padEnd, preamble, requireNode22, round, writeReport } from "./lib/common.mjs";

const config = {
  rows: intEnv("REQ_BENCH_ROWS", 1_000_000, 1000),
  otherRows: intEnv("REQ_BENCH_OTHER_ROWS", 100_000, 0),
  requests: intEnv("REQ_BENCH_REQUESTS", 200, 1),
  slowRequests: intEnv("REQ_BENCH_SLOW_REQUESTS", 10, 0),
  totalSeconds: intEnv("REQ_BENCH_TOTAL_SECONDS", 300, 30),
  out: process.env.REQ_BENCH_OUT || path.join(repoRoot, "bench/results/request-explorer.json"),
};

const TENANT = "ten_default";
const OTHER = "ten_bench_other";
const CHUNK = 100_000;
const SPAN_MS = 30 * 24 * 3_600_000;
const PAGE = 50;

/** One INSERT … SELECT of `count` rows from row `start` on; every column a function of the row number i. */
function insertChunk(tenant, prefix, start, count, total, now) {
  const step = Math.floor((2 * SPAN_MS) / total);
  return `WITH RECURSIVE seq(i) AS (SELECT ${start} UNION ALL SELECT i + 1 FROM seq WHERE i < ${start + count - 1})
INSERT INTO request_log (id, tenant_id, key_id, provider, model, endpoint, status, error_type, stream, latency_ms, ttfb_ms,
  input_tokens, output_tokens, cost_micros, end_user, attempts, created_at, trace_id, detail)
SELECT printf('${prefix}%08d', i), '${tenant}', 'key_' || (i % 20), 'prov-' || (i % 5), 'bench/model-' || (i * 7 % 10),
  CASE WHEN i % 10 = 0 THEN 'embeddings' ELSE 'chat.completions' END,
  CASE WHEN i % 100 = 0 THEN 500 + (i / 100 % 4) WHEN i % 100 < 4 THEN 429 ELSE 200 END,
  CASE WHEN i % 100 = 0 THEN 'upstream_error' WHEN i % 100 < 4 THEN 'rate_limited' END,
  i % 2, 50 + (i * 13 % 3000), 20, i % 500, i % 700, i * 37 % 20000,
  CASE WHEN i % 2 = 0 THEN 'user-' || (i / 2 % 1000) END,
  '["prov-' || (i % 5) || '/m=ok"]', ${now - SPAN_MS} + (i / 2) * ${step}, printf('%032x', i),
  '{"timings":{"queueMs":1,"admissionMs":0,"ttfbMs":40,"totalMs":95},"attempts":[{"target":"p/m","provider":"p","outcome":"ok","startMs":1,"ms":90}],"cache":"miss"}'
FROM seq;`;
}

async function fillLog(db) {
  const now = Date.now();
  const started = performance.now();
  for (const [tenant, prefix, total] of [
    [TENANT, "req_b", config.rows],
    [OTHER, "req_o", config.otherRows],
  ]) {
    for (let start = 0; start < total; start += CHUNK) await db.prepare(insertChunk(tenant, prefix, start, Math.min(CHUNK, total - start), total, now)).run();
  }
  return (performance.now() - started) / 1000;
}

const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");

/** The app under Miniflare (wrangler's test harness), migrated and seeded; its D1 binding from Node. */
async function startHarness(life) {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  process.env.WRANGLER_SEND_METRICS = "false";
  // wrangler.toml serves web/dist as assets: build it as npm start would.
  if (!existsSync(path.join(repoRoot, "web/dist/index.html")))
    await run([bin("vite"), "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { quiet: true });
  const { createTestHarness } = await import("wrangler");
  const server = createTestHarness({ root: repoRoot, workers: [{ configPath: "./wrangler.toml", secrets: { JWT_SECRET: secret(), SECRETS_KEY: secret() } }] });
  life.defer(() => server.close());
  const { url } = await server.listen();
  const worker = server.getWorker(appConfig().name);
  await worker.applyD1Migrations("DB");
  const env = await worker.getEnv();
  const creds = { adminEmail: "bench@example.com", adminPassword: secret(), apiKey: `sk-agg-${secret().replace(/\W/g, "")}` };
  await seed(env.DB, creds);
  return { origin: url.origin, db: env.DB, creds };
}

/** worker/seed.ts's statements, rendered by drizzle and run through the binding. */
async function seed(db, creds) {
  const { drizzle } = await import("drizzle-orm/d1");
  const schema = await import("../worker/db/schema.ts");
  const { seedQueries } = await import("../worker/seed.ts");
  for (const query of await seedQueries(drizzle({}, { schema }), { ...creds, resetPassword: false })) {
    const { sql, params } = query.toSQL();
    await db
      .prepare(sql)
      .bind(...params)
      .run();
  }
}

const pick = (i, n) => (i * 7919) % n;

/** Each query: its path for request i, and how many rows its page must have. */
function queries(secondPageCursor, fifteenDaysAgo) {
  return [
    // What every signed-in call pays before its own work: the token, the member's row, routing, Miniflare.
    { name: "floor: GET /api/auth/me", path: () => "", pathname: "/api/auth/me", rows: 1 },
    { name: "first page, no filter", path: () => "", rows: PAGE },
    { name: "key_id", path: (i) => `key_id=key_${i % 20}`, rows: PAGE },
    { name: "model", path: (i) => `model=bench%2Fmodel-${i % 10}`, rows: PAGE },
    { name: "status=5xx", path: () => "status=5xx", rows: PAGE },
    { name: "status=2xx", path: () => "status=2xx", rows: PAGE },
    { name: "end_user", path: (i) => `end_user=user-${pick(i, 1000)}`, rows: PAGE },
    { name: "cost 1,000–1,200 µ$", path: () => "min_cost_micros=1000&max_cost_micros=1200", rows: PAGE },
    { name: "second page (cursor)", path: () => `cursor=${secondPageCursor}`, rows: PAGE },
    { name: "a page 15 days back (to=)", path: () => `to=${fifteenDaysAgo}`, rows: PAGE },
    { name: "model + 15 days back", path: (i) => `model=bench%2Fmodel-${i % 10}&to=${fifteenDaysAgo}`, rows: PAGE },
    { name: "request_id", path: (i) => `request_id=req_b${String(pick(i, config.rows)).padStart(8, "0")}`, rows: 1 },
    {
      name: "trace_id (no index)",
      path: (i) =>
        `trace_id=${pick(i + 1, Math.floor(config.rows / 3))
          .toString(16)
          .padStart(32, "0")}`,
      rows: 1,
      count: config.slowRequests,
    },
  ];
}

async function getPage(origin, token, query, pathname = `/api/requests?limit=${PAGE}${query ? `&${query}` : ""}`) {
  const started = performance.now();
  const res = await fetch(`${origin}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const ms = performance.now() - started;
  return { ms, status: res.status, body: res.ok ? JSON.parse(text) : text };
}

/** Nearest-rank percentile. */
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

async function measure(origin, token, q) {
  const count = q.count ?? config.requests;
  for (let i = 0; i < Math.min(5, count); i++) await getPage(origin, token, q.path(i + count), q.pathname);
  const times = [];
  const wrong = [];
  for (let i = 0; i < count; i++) {
    const answer = await getPage(origin, token, q.path(i), q.pathname);
    times.push(answer.ms);
    const rows = q.pathname ? q.rows : answer.body?.data?.length;
    if (answer.status !== 200 || rows !== q.rows) wrong.push(`${q.name} #${i}: ${answer.status}, ${rows ?? String(answer.body).slice(0, 200)} rows`);
  }
  times.sort((a, b) => a - b);
  return { name: q.name, n: count, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1), wrong };
}

async function main(life) {
  const loadBefore = loadavg();
  life.watchdog(config.totalSeconds, "REQ_BENCH_TOTAL_SECONDS");
  log("starting the app under Miniflare (wrangler's test harness), migrating and seeding its D1");
  const app = await startHarness(life);
  log(`writing ${config.rows.toLocaleString("en-US")} + ${config.otherRows.toLocaleString("en-US")} request_log rows into its D1`);
  const fillSeconds = await fillLog(app.db);
  log(`written in ${fillSeconds.toFixed(1)} s (${Math.round((config.rows + config.otherRows) / fillSeconds).toLocaleString("en-US")} rows/s)`);
  const { access_token: token } = await api(app.origin, "POST", "/api/auth/login", {
    body: { email: app.creds.adminEmail, password: app.creds.adminPassword },
  });

  const first = await getPage(app.origin, token, "");
  if (first.status !== 200 || !first.body.next_cursor) throw new Error(`the first page answered ${first.status}: ${JSON.stringify(first.body).slice(0, 300)}`);
  const fifteenDaysAgo = new Date(Date.now() - 15 * 24 * 3_600_000).toISOString();
  const results = [];
  for (const q of queries(first.body.next_cursor, encodeURIComponent(fifteenDaysAgo))) {
    if ((q.count ?? config.requests) === 0) continue;
    const result = await measure(app.origin, token, q);
    log(`${q.name}: p50 ${fmtMs(result.p50)} ms, p95 ${fmtMs(result.p95)} ms`);
    results.push(result);
  }
  report(results, { loadBefore, fillSeconds });
  return results.some((r) => r.wrong.length) ? 2 : 0;
}

function report(results, { loadBefore, fillSeconds }) {
  const lines = preamble("AI Aggregator — request explorer pages (GET /api/requests, limit 50, c=1, Miniflare)", {
    loadBefore,
    loadAfter: loadavg(),
    extra: [
      `data      ${config.rows.toLocaleString("en-US")} rows for the tenant, ${config.otherRows.toLocaleString("en-US")} for another; written in ${fillSeconds.toFixed(1)} s`,
    ],
  });
  lines.push("", `${padEnd("query", 30)}${pad("requests", 10)}${pad("p50 ms", 10)}${pad("p95 ms", 10)}${pad("max ms", 10)}`);
  for (const r of results) lines.push(`${padEnd(r.name, 30)}${pad(r.n, 10)}${pad(fmtMs(r.p50), 10)}${pad(fmtMs(r.p95), 10)}${pad(fmtMs(r.max), 10)}`);
  const wrong = results.flatMap((r) => r.wrong);
  if (wrong.length) lines.push("", `\x1b[31m${wrong.length} wrong answers\x1b[0m, e.g.:`, ...wrong.slice(0, 5));
  console.log(lines.join("\n"));
  const json = { config, fillSeconds: round(fillSeconds), results: results.map((r) => ({ ...r, p50: round(r.p50), p95: round(r.p95), max: round(r.max) })) };
  console.log(`figures written to ${writeReport(config.out, json)}`);
}

requireNode22();
const life = lifecycle();
let exitCode = 0;
try {
  exitCode = await main(life);
} catch (error) {
  console.error(`\x1b[31mthe benchmark failed:\x1b[0m ${error.stack ?? error.message}`);
  exitCode = 1;
} finally {
  await life.cleanup();
}
process.exit(exitCode);
