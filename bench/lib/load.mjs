// A small closed-loop HTTP load generator: `concurrency` workers, each sending its next
// request as soon as its previous one has ended, over a keep-alive http.Agent with exactly
// `concurrency` sockets. Times with process.hrtime.bigint(): latency is from just before
// http.request() to the response's 'end'; time to first byte (TTFB) is to the first body chunk.
// Every response is checked (status 200 and, for streams, a body ending in `data: [DONE]`);
// failures are counted by kind, never silently dropped.
//
// runPoint measures one kind of request. runInterleaved measures several at concurrency 1,
// taking turns request by request (A, B, C, A, B, C, …), so that a busy neighbour on a shared
// machine slows them all alike and their difference stays fair.
import http from "node:http";

const DONE = Buffer.from("data: [DONE]");

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: values.length ? sum / values.length : NaN,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Ends with `data: [DONE]` followed only by whitespace. */
function endsWithDone(body) {
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d || body[end - 1] === 0x20)) end--;
  return end >= DONE.length && body.subarray(end - DONE.length, end).equals(DONE);
}

/**
 * The default check: 200, and a stream ends with `data: [DONE]`, a JSON answer is a chat.completion.
 * Returns null when the response is good, else a short reason.
 */
export function checkChat(status, body, stream) {
  if (status !== 200) return `HTTP ${status}`;
  if (stream) return endsWithDone(body) ? null : "stream did not end with data: [DONE]";
  return body.includes('"chat.completion"') ? null : "not a chat.completion";
}

/**
 * One request; resolves (never rejects) to { error, latencyNs, ttfbNs, status, headers, body }
 * (`error` set, and no status, when no complete response came). Exported for scripts whose
 * requests differ one from the next (bench/load-suite.mjs).
 */
export function once({ agent, host, port, method, path, headers, body, timeoutMs }) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const start = process.hrtime.bigint();
    const req = http.request({ agent, host, port, method, path, headers }, (res) => {
      let ttfb = 0n;
      const parts = [];
      res.on("data", (chunk) => {
        if (ttfb === 0n) ttfb = process.hrtime.bigint();
        parts.push(chunk);
      });
      res.on("end", () => {
        const end = process.hrtime.bigint();
        finish({
          error: null,
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(parts),
          latencyNs: end - start,
          ttfbNs: (ttfb || end) - start,
        });
      });
      res.on("error", (e) => finish({ error: `response error: ${e.code ?? e.message}`, status: res.statusCode, headers: res.headers, partial: true }));
      res.on("aborted", () => finish({ error: "response aborted", status: res.statusCode, headers: res.headers, partial: true }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new Error(`timeout after ${timeoutMs} ms`));
    });
    req.on("error", (e) => finish({ error: `request error: ${e.code ?? e.message}` }));
    req.end(body);
  });
}

/** A request kind with its own keep-alive agent and tallies. */
function variant(spec, sockets, timeoutMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, keepAliveMsecs: 30_000 });
  const seen = new Set();
  agent.on("free", (socket) => seen.add(socket));
  const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  const headers = { ...spec.headers, ...(body ? { "content-length": String(body.length) } : {}) };
  return {
    name: spec.name,
    stream: spec.stream ?? false,
    check: spec.check ?? checkChat,
    agent,
    sockets: seen,
    request: { agent, host: spec.host, port: spec.port, method: spec.method ?? "POST", path: spec.path, headers, body, timeoutMs },
    errors: new Map(),
    latencies: [],
    ttfbs: [],
    done: 0,
    busyNs: 0n,
  };
}

/** One request of a variant, checked and (when `record`) tallied. */
async function fire(v, record) {
  const r = await once(v.request);
  const reason = r.error ?? v.check(r.status, r.body, v.stream);
  if (!record) {
    if (reason) v.errors.set(`(warm-up) ${reason}`, (v.errors.get(`(warm-up) ${reason}`) ?? 0) + 1);
    return;
  }
  v.done++;
  if (r.latencyNs) v.busyNs += r.latencyNs;
  if (reason) {
    v.errors.set(reason, (v.errors.get(reason) ?? 0) + 1);
    return;
  }
  v.latencies.push(Number(r.latencyNs) / 1e6);
  v.ttfbs.push(Number(r.ttfbNs) / 1e6);
}

function result(v, { concurrency, elapsedS, truncatedByTime }) {
  const errors = [...v.errors].filter(([k]) => !k.startsWith("(warm-up)")).reduce((s, [, n]) => s + n, 0);
  return {
    name: v.name,
    concurrency,
    stream: v.stream,
    requests: v.done,
    ok: v.latencies.length,
    errors,
    errorKinds: Object.fromEntries(v.errors),
    truncatedByTime,
    elapsedS,
    rps: v.done / elapsedS,
    latencyMs: summarize(v.latencies),
    ttfbMs: summarize(v.ttfbs),
    // Sockets the agent used: equal to the concurrency when keep-alive works.
    sockets: v.sockets.size,
  };
}

const deadlineIn = (seconds) => process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));

/**
 * Runs one measurement point.
 * options: { host, port, path, method?, headers, body, stream?, check?(status, body, stream),
 *   concurrency, requests, maxSeconds, warmup (requests, not recorded), timeoutMs,
 *   onMeasureStart?() (called once the warm-up is over, right before the measured requests) }
 */
export async function runPoint(options) {
  const { concurrency, requests, maxSeconds, warmup = 0, timeoutMs = 10_000 } = options;
  const v = variant(options, concurrency, timeoutMs);
  const loop = async (budget, record, deadline) => {
    while (budget.left > 0 && process.hrtime.bigint() < deadline) {
      budget.left--;
      await fire(v, record);
    }
  };
  try {
    // Warm-up: opens the sockets and wakes both ends up; not recorded.
    if (warmup > 0) {
      const budget = { left: warmup };
      const deadline = deadlineIn(maxSeconds);
      await Promise.all(Array.from({ length: concurrency }, () => loop(budget, false, deadline)));
    }
    options.onMeasureStart?.();
    const budget = { left: requests };
    const started = process.hrtime.bigint();
    const deadline = deadlineIn(maxSeconds);
    await Promise.all(Array.from({ length: concurrency }, () => loop(budget, true, deadline)));
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    return result(v, { concurrency, elapsedS, truncatedByTime: budget.left > 0 });
  } finally {
    v.agent.destroy();
  }
}

/**
 * Several request kinds at concurrency 1, taking turns: `requests` of each. A kind's req/s is
 * its count over the time its own requests took (the others' turns do not count against it).
 * options: { variants: [{ name, host, port, path, method?, headers, body, stream?, check? }],
 *   requests, maxSeconds (for the whole mix), warmup (rounds, not recorded), timeoutMs, onMeasureStart?() }
 * Resolves to { [name]: result }.
 */
export async function runInterleaved({ variants: specs, requests, maxSeconds, warmup = 0, timeoutMs = 10_000, onMeasureStart }) {
  const vs = specs.map((s) => variant(s, 1, timeoutMs));
  try {
    for (let i = 0; i < warmup; i++) for (const v of vs) await fire(v, false);
    onMeasureStart?.();
    const deadline = deadlineIn(maxSeconds);
    let rounds = 0;
    while (rounds < requests && process.hrtime.bigint() < deadline) {
      // Alternate the order too, so neither kind always runs right after the other.
      const order = rounds % 2 === 0 ? vs : [...vs].reverse();
      for (const v of order) await fire(v, true);
      rounds++;
    }
    return Object.fromEntries(
      vs.map((v) => [v.name, result(v, { concurrency: 1, elapsedS: Number(v.busyNs) / 1e9 || NaN, truncatedByTime: rounds < requests })]),
    );
  } finally {
    for (const v of vs) v.agent.destroy();
  }
}
