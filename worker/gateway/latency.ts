// Observed latency per target (exponentially weighted), for the lowest-latency strategy and
// diagnostics. Per isolate: each isolate learns from the traffic it serves.
const ALPHA = 0.2;
const ewma = new Map<string, number>();

export function observeLatency(target: string, ms: number): void {
  const prev = ewma.get(target);
  ewma.set(target, prev === undefined ? ms : prev + ALPHA * (ms - prev));
}

/** Unmeasured targets sort first, so each gets measured. */
export function latencyOf(target: string): number {
  return ewma.get(target) ?? 0;
}

export function latencySnapshot(): Record<string, number> {
  return Object.fromEntries([...ewma].map(([k, v]) => [k, Math.round(v)]));
}
