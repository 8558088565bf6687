// Starts a mock server in a worker thread. In the test runner's own process the mocks shared an
// event loop with Vitest, which blocks it for long stretches on a big run (thousands of results
// to collect); connections to the mocks then failed as "Network connection lost".
import { Worker } from "node:worker_threads";

export interface ThreadedMock {
  port: number;
  close(): Promise<void>;
}

/** `options` (structured-cloneable) are passed to the module's start function. */
export function startMockInThread(module: URL, exportName: string, options?: object): Promise<ThreadedMock> {
  const worker = new Worker(new URL("./thread-entry.mjs", import.meta.url), { workerData: { module: module.href, exportName, options } });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: { port: number }) => {
      resolve({
        port: message.port,
        close: async () => {
          await worker.terminate();
        },
      });
    });
  });
}
