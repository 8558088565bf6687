// Runs once in Node before the Worker tests: starts the mock upstream (test/mocks/upstream.ts:
// OpenAI, Anthropic and Gemini wire formats with fault injection by model name) and hands its
// port to the Miniflare bindings (test/vitest.config.ts) as UPSTREAM_PORT. Tests inside workerd
// reach it on 127.0.0.1, and see what reached it through GET /__requests?model=….
import type { TestProject } from "vitest/node";
import { startMockInThread } from "./mocks/thread.ts";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockInThread(new URL("./mocks/upstream.ts", import.meta.url), "startUpstreamMock");
  project.provide("upstreamPort", mock.port);
  return () => mock.close();
}
