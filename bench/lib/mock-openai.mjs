// A minimal, fast mock of OpenAI's POST /v1/chat/completions for the benchmarks: node:http,
// keep-alive, 127.0.0.1, a random port, no dependencies.
//
// - Non-stream: one fixed, small `chat.completion` JSON with `usage`.
// - `stream: true`: a few `chat.completion.chunk` SSE events, plus a usage chunk (choices: [])
//   when `stream_options.include_usage` is set, then `data: [DONE]`, all written at once.
// - No artificial delay, unless asked: `delayMs` before the answer, `chunkDelayMs` between
//   stream events. The model `gpt-bench-paced` always paces its stream events by
//   `pacedChunkMs` (default 20 ms): the benchmark uses it to see whether the gateway holds
//   the first streamed byte back.
//
// It runs in a worker thread (startMockThread) so that the load generator's event loop and
// the mock's do not queue behind each other; `node bench/lib/mock-openai.mjs` runs it alone.
import http from "node:http";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const CREATED = 1_700_000_000;
const PACED_MODEL = "gpt-bench-paced";

function completionBody(model) {
  return JSON.stringify({
    id: "chatcmpl-bench0000000000000000",
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "Hello from the bench mock.", refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
    system_fingerprint: "fp_bench",
  });
}

function streamEvents(model, includeUsage) {
  const base = { id: "chatcmpl-bench0000000000000000", object: "chat.completion.chunk", created: CREATED, model, system_fingerprint: "fp_bench" };
  const chunk = (delta, finish = null, extra = {}) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const events = [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hello" }),
    chunk({ content: " from the" }),
    chunk({ content: " bench mock." }),
    chunk({}, "stop"),
  ];
  if (includeUsage) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } })}\n\n`);
  events.push("data: [DONE]\n\n");
  return events;
}

// The answers are the same every time: render them once per model.
const cache = new Map();
function answers(model) {
  let entry = cache.get(model);
  if (!entry) {
    entry = {
      json: Buffer.from(completionBody(model)),
      stream: streamEvents(model, false).map((e) => Buffer.from(e)),
      streamUsage: streamEvents(model, true).map((e) => Buffer.from(e)),
    };
    if (cache.size > 100) cache.clear();
    cache.set(model, entry);
  }
  return entry;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the mock; resolves to { port, stats(), close() }. */
export function startMock({ host = "127.0.0.1", port = 0, delayMs = 0, chunkDelayMs = 0, pacedChunkMs = 20, gatewayKey = null } = {}) {
  // gatewayKey: the API key the gateway was given for this upstream; requests carrying it (and
  // the connections they came on) are counted apart, to see whether the gateway reuses connections.
  const stats = { requests: 0, connections: 0, stream: 0, json: 0, paced: 0, bad: 0, gatewayRequests: 0, gatewayConnections: 0 };
  const gatewaySockets = new WeakSet();
  const server = http.createServer({ keepAlive: true, keepAliveTimeout: 60_000, noDelay: true }, (req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      stats.bad++;
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    const parts = [];
    req.on("data", (d) => parts.push(d));
    req.on("end", async () => {
      stats.requests++;
      if (gatewayKey && req.headers.authorization === `Bearer ${gatewayKey}`) {
        stats.gatewayRequests++;
        if (!gatewaySockets.has(req.socket)) {
          gatewaySockets.add(req.socket);
          stats.gatewayConnections++;
        }
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8"));
      } catch {
        stats.bad++;
        res.writeHead(400, { "content-type": "application/json" });
        res.end('{"error":{"message":"body is not JSON","type":"invalid_request_error"}}');
        return;
      }
      const model = typeof body.model === "string" ? body.model : "gpt-bench";
      const paced = model === PACED_MODEL;
      const gap = paced ? pacedChunkMs : chunkDelayMs;
      if (delayMs > 0) await sleep(delayMs);
      const a = answers(model);
      if (body.stream === true) {
        stats.stream++;
        if (paced) stats.paced++;
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
        const events = body.stream_options?.include_usage === true ? a.streamUsage : a.stream;
        for (let i = 0; i < events.length; i++) {
          if (i > 0 && gap > 0) await sleep(gap);
          if (res.destroyed) return;
          res.write(events[i]);
        }
        res.end();
      } else {
        stats.json++;
        res.writeHead(200, { "content-type": "application/json", "content-length": a.json.length });
        res.end(a.json);
      }
    });
  });
  // Connections opened to it: few when the callers (the load generator, workerd) keep them alive.
  server.on("connection", () => stats.connections++);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: address.port,
        stats: () => ({ ...stats }),
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Runs the mock in a worker thread; resolves to { port, url, stats(): Promise, close(): Promise }. */
export function startMockThread(options = {}) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: "bench-mock", options } });
  let pending = null;
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the mock thread exited (${code}) before it listened`)));
    worker.on("message", (msg) => {
      if (msg.type === "listening") {
        worker.removeAllListeners("exit");
        resolve({
          port: msg.port,
          url: `http://127.0.0.1:${msg.port}/v1`,
          stats: () =>
            new Promise((r) => {
              pending = r;
              worker.postMessage({ type: "stats" });
            }),
          close: async () => {
            worker.postMessage({ type: "close" });
            const done = new Promise((r) => worker.once("exit", r));
            const timer = setTimeout(() => worker.terminate(), 3_000);
            await done;
            clearTimeout(timer);
          },
        });
      } else if (msg.type === "stats" && pending) {
        pending(msg.stats);
        pending = null;
      }
    });
  });
}

if (!isMainThread && workerData?.role === "bench-mock") {
  const mock = await startMock(workerData.options);
  parentPort.on("message", async (msg) => {
    if (msg.type === "stats") parentPort.postMessage({ type: "stats", stats: mock.stats() });
    if (msg.type === "close") {
      await mock.close();
      process.exit(0);
    }
  });
  parentPort.postMessage({ type: "listening", port: mock.port });
} else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const mock = await startMock({
    port: Number(process.env.PORT ?? 0),
    delayMs: Number(process.env.MOCK_DELAY_MS ?? 0),
    chunkDelayMs: Number(process.env.MOCK_CHUNK_DELAY_MS ?? 0),
  });
  console.log(`mock OpenAI upstream on http://127.0.0.1:${mock.port}/v1 (POST /chat/completions)`);
}
