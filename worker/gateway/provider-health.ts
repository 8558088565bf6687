// A provider's health as the isolate answering sees it: its circuit and failure window
// (breaker.ts) and the observed latency of its targets (latency.ts). Shared by
// GET /api/providers and GET /api/diagnostics.
import { breakers, type CircuitState } from "./breaker.ts";
import { latencySnapshot } from "./latency.ts";

export interface ProviderHealth {
  circuit: CircuitState;
  samples: number;
  failures: number;
  /** Moving average per target (`<name>/<model>`), in ms. */
  latency: Record<string, number>;
}

export function providerHealth(provider: { id: string; name: string }): ProviderHealth {
  const { state, samples, failures } = breakers.view(provider.id);
  const prefix = `${provider.name}/`;
  const latency = Object.fromEntries(Object.entries(latencySnapshot()).filter(([target]) => target.startsWith(prefix)));
  return { circuit: state, samples, failures, latency };
}

/** The mean of the targets' moving averages; null when none of them was observed. */
export function meanLatency(latency: Record<string, number>): number | null {
  const values = Object.values(latency);
  return values.length === 0 ? null : Math.round(values.reduce((sum, ms) => sum + ms, 0) / values.length);
}
