// Runs once in Node before the Worker tests: starts the mock upstream and hands its port to
// the Miniflare bindings (test/vitest.config.ts) as UPSTREAM_PORT.
import type { TestProject } from "vitest/node";
import { startUpstreamMock } from "./upstream-mock.ts";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startUpstreamMock();
  project.provide("upstreamPort", mock.port);
  return () => mock.close();
}
