// Runs once in Node before the Worker tests: starts the mock OTLP/HTTP collector
// (test/mocks/otlp-collector.ts: JSON only, /auth, /fail and /hang paths, GET /__spans) and hands
// its port to the Miniflare bindings (test/vitest.config.ts) as OTLP_MOCK_PORT.
import type { TestProject } from "vitest/node";
import { startMockInThread } from "./mocks/thread.ts";

declare module "vitest" {
  export interface ProvidedContext {
    otlpPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockInThread(new URL("./mocks/otlp-collector.ts", import.meta.url), "startOtlpCollector");
  project.provide("otlpPort", mock.port);
  return () => mock.close();
}
