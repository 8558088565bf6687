// The tests' provider mock (test/mocks/upstream.ts: OpenAI, Anthropic and Gemini wire formats,
// faults chosen by model name — fail-<status>, flaky-…, slow-<ms>, reset, truncate, midstream,
// …) run in a worker thread, so that its event loop and the load generator's do not queue behind
// each other. Needs Node 22.18+ (it imports TypeScript by type stripping).
//
//   const mock = await startFaultMockThread();
//   mock.openaiBaseUrl   → http://127.0.0.1:<port>/openai/v1
//   mock.keys            → the keys it accepts, per wire format (test/mocks/upstream-keys.ts)
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { repoRoot } from "./app.mjs";

const MOCK = pathToFileURL(path.join(repoRoot, "test/mocks/upstream.ts")).href;
const KEYS = pathToFileURL(path.join(repoRoot, "test/mocks/upstream-keys.ts")).href;

export function startFaultMockThread() {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: "fault-mock" } });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the fault mock thread exited (${code}) before it listened`)));
    worker.on("message", (msg) => {
      if (msg.type !== "listening") return;
      worker.removeAllListeners("exit");
      worker.removeAllListeners("error");
      worker.on("error", (error) => console.error(`fault mock: ${error.stack ?? error}`));
      resolve({
        port: msg.port,
        keys: msg.keys,
        openaiBaseUrl: `http://127.0.0.1:${msg.port}/openai/v1`,
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

if (!isMainThread && workerData?.role === "fault-mock") {
  const { startUpstreamMock } = await import(MOCK);
  const { UPSTREAM_KEYS } = await import(KEYS);
  const mock = await startUpstreamMock();
  parentPort.on("message", async (msg) => {
    if (msg.type === "close") {
      await mock.close().catch(() => undefined);
      process.exit(0);
    }
  });
  parentPort.postMessage({ type: "listening", port: mock.port, keys: { ...UPSTREAM_KEYS } });
}
