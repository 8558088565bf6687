// Runs once in Node before the Worker tests: starts the mock MCP servers (test/mocks/mcp-servers.ts:
// alpha, beta, hang and garbage, built with the official SDK) and hands their port to the
// Miniflare bindings (test/vitest.config.ts) as MCP_MOCK_PORT.
import type { TestProject } from "vitest/node";
import { startMockInThread } from "./mocks/thread.ts";

declare module "vitest" {
  export interface ProvidedContext {
    mcpPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockInThread(new URL("./mocks/mcp-servers.ts", import.meta.url), "startMcpServers");
  project.provide("mcpPort", mock.port);
  return () => mock.close();
}
