// Test data shaped like GET /api/diagnostics (worker/api/diagnostics.ts).
import type { DiagnosticsReport, ProviderHealth, RecentError } from "../../api/types";

export const providerHealth = (overrides: Partial<ProviderHealth> = {}): ProviderHealth => ({
  id: "prv_demo",
  name: "demo",
  kind: "demo",
  scope: "platform",
  circuit: "closed",
  window: { samples: 12, failures: 0 },
  latency_ms: { "demo/echo": 3 },
  ...overrides,
});

export const recentError = (overrides: Partial<RecentError> = {}): RecentError => ({
  request_id: "req_unknown_model_1",
  at: "2026-03-01T10:15:30.000Z",
  status: 404,
  error_type: "model_not_found",
  model: null,
  provider: null,
  ...overrides,
});

const checks: DiagnosticsReport["checks"] = {
  d1: { ok: true, ms: 2 },
  tenantGate: { ok: true, ms: 5 },
  analyticsHub: { ok: true, ms: 4 },
};

export const diagnosticsBody = (overrides: Partial<DiagnosticsReport> = {}): DiagnosticsReport => ({
  build: { id: "build-42", app: "AI Aggregator" },
  checks,
  gate: { balanceMicros: 1_000_000, reservedMicros: 0, openReservations: 1, monthSpendMicros: 0, unflushedEntries: 3, billingEnabled: true },
  providers: [
    providerHealth(),
    providerHealth({
      id: "prv_openai",
      name: "openai",
      kind: "openai",
      scope: "tenant",
      circuit: "open",
      window: { samples: 10, failures: 7 },
      latency_ms: {},
    }),
    providerHealth({
      id: "prv_claude",
      name: "claude",
      kind: "anthropic",
      scope: "tenant",
      circuit: "half-open",
      window: { samples: 20, failures: 9 },
      latency_ms: { "claude/sonnet": 812 },
    }),
  ],
  recent_errors: [
    recentError(),
    recentError({ request_id: "req_upstream_2", status: 502, error_type: "upstream_error", model: "openai/gpt-4o", provider: "openai" }),
  ],
  ...overrides,
});
