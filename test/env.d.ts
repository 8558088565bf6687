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
      /** The port of the mock OTLP collector (test/mocks/otlp-collector.ts) on 127.0.0.1. */
      OTLP_MOCK_PORT: string;
      /** The port of the mock Web Push service (test/mocks/push-service.ts) on 127.0.0.1. */
      PUSH_MOCK_PORT: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../worker/index.ts");
      durableNamespaces: "TenantGate" | "AnalyticsHub";
    }
  }
}
