// A circuit breaker per provider, per isolate: the error rate over a sliding window opens it;
// after a cool-down one probe request is let through (half-open); its outcome closes or
// re-opens it. State is readable for diagnostics. record() returns the change it made, if any,
// so the caller can alert the tenant whose call saw it (worker/gateway/circuit-alerts.ts).
export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** A circuit opened (from closed, or a failed probe) or closed again; with the window at that moment. */
export interface CircuitChange {
  to: "open" | "closed";
  failures: number;
  samples: number;
}

/** A circuit as the dashboard shows it: its state and the outcomes in its window. */
export interface CircuitView {
  state: CircuitState;
  samples: number;
  failures: number;
}

export interface BreakerOptions {
  windowMs: number;
  minSamples: number;
  errorRate: number;
  coolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { windowMs: 60_000, minSamples: 5, errorRate: 0.5, coolDownMs: 30_000 };

interface Circuit {
  outcomes: { at: number; ok: boolean }[];
  state: CircuitState;
  openedAt: number;
  probing: boolean;
}

export class Breakers {
  private readonly circuits = new Map<string, Circuit>();
  private options: BreakerOptions;

  constructor(options: BreakerOptions = DEFAULT_BREAKER) {
    this.options = { ...options };
  }

  /** Changes the thresholds (e.g. a shorter cool-down in tests); returns the previous ones. */
  configure(options: Partial<BreakerOptions>): BreakerOptions {
    const previous = this.options;
    this.options = { ...previous, ...options };
    return previous;
  }

  private circuit(id: string): Circuit {
    let c = this.circuits.get(id);
    if (!c) this.circuits.set(id, (c = { outcomes: [], state: "closed", openedAt: 0, probing: false }));
    return c;
  }

  state(id: string, now = Date.now()): CircuitState {
    const c = this.circuit(id);
    if (c.state === "open" && now - c.openedAt >= this.options.coolDownMs) c.state = "half-open";
    return c.state;
  }

  /** May a request go to this provider now? In half-open, only one probe at a time. */
  allow(id: string, now = Date.now()): boolean {
    const state = this.state(id, now);
    if (state === "closed") return true;
    if (state === "open") return false;
    const c = this.circuit(id);
    if (c.probing) return false;
    c.probing = true;
    return true;
  }

  /** A probe whose request failed on our side, never reaching the provider, frees the slot. */
  release(id: string): void {
    const c = this.circuits.get(id);
    if (c) c.probing = false;
  }

  record(id: string, ok: boolean, now = Date.now()): CircuitChange | null {
    const c = this.circuit(id);
    if (c.state === "half-open" || c.probing) {
      c.probing = false;
      c.outcomes = [];
      c.state = ok ? "closed" : "open";
      c.openedAt = now;
      if (!ok) return { to: "open", failures: 1, samples: 1 };
      c.outcomes.push({ at: now, ok });
      return { to: "closed", failures: 0, samples: 1 };
    }
    c.outcomes.push({ at: now, ok });
    const since = now - this.options.windowMs;
    while (c.outcomes.length && c.outcomes[0]!.at < since) c.outcomes.shift();
    if (c.outcomes.length > 200) c.outcomes.splice(0, c.outcomes.length - 200);
    const failures = c.outcomes.filter((o) => !o.ok).length;
    if (c.state === "closed" && c.outcomes.length >= this.options.minSamples && failures / c.outcomes.length >= this.options.errorRate) {
      c.state = "open";
      c.openedAt = now;
      return { to: "open", failures, samples: c.outcomes.length };
    }
    return null;
  }

  /** One provider's circuit and window; one never called is closed, its window empty (and nothing is stored for it). */
  view(id: string, now = Date.now()): CircuitView {
    const c = this.circuits.get(id);
    if (!c) return { state: "closed", samples: 0, failures: 0 };
    return { state: this.state(id, now), samples: c.outcomes.length, failures: c.outcomes.filter((o) => !o.ok).length };
  }
}

/** The isolate's breakers, shared by every request it serves. */
export const breakers = new Breakers();
