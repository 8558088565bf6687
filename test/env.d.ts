import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as WorkerEnv } from "../worker/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** The port of the mock upstream (test/mocks/upstream.ts) on 127.0.0.1. */
      UPSTREAM_PORT: string;
      /** The port of the mock MCP servers (test/mocks/mcp-servers.ts) on 127.0.0.1. */
      MCP_MOCK_PORT: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../worker/index.ts");
      durableNamespaces: "TenantGate" | "AnalyticsHub";
    }
  }
}
