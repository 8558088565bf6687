// A sliding window of per-second live figures (requests, cost) for sparklines and rates.

export interface LiveWindow {
  /** Epoch second of the last slot. */
  end: number;
  requests: readonly number[];
  cost: readonly number[];
}

export const WINDOW_SECONDS = 60;

const zeros = (n: number) => Array.from({ length: n }, () => 0);

export function emptyWindow(nowMs: number, seconds = WINDOW_SECONDS): LiveWindow {
  return { end: Math.floor(nowMs / 1000), requests: zeros(seconds), cost: zeros(seconds) };
}

/** Moves the window so its last slot is `nowMs`'s second; empty seconds are zeros. */
export function advance(w: LiveWindow, nowMs: number): LiveWindow {
  const end = Math.floor(nowMs / 1000);
  const shift = end - w.end;
  if (shift <= 0) return w;
  const n = w.requests.length;
  if (shift >= n) return emptyWindow(nowMs, n);
  return { end, requests: [...w.requests.slice(shift), ...zeros(shift)], cost: [...w.cost.slice(shift), ...zeros(shift)] };
}

/** Adds figures received at `nowMs` into its second. */
export function record(w: LiveWindow, nowMs: number, requests: number, costMicros: number): LiveWindow {
  const moved = advance(w, nowMs);
  const last = moved.requests.length - 1;
  return {
    end: moved.end,
    requests: moved.requests.map((v, i) => (i === last ? v + requests : v)),
    cost: moved.cost.map((v, i) => (i === last ? v + costMicros : v)),
  };
}

/** Requests per second over the last `seconds` (the current, partial second excluded). */
export function requestsPerSecond(w: LiveWindow, seconds = 10): number {
  const complete = w.requests.slice(0, -1);
  const recent = complete.slice(-seconds);
  return recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 0;
}

/** A running total for every slot, ending at `total` (the figure now). */
export function cumulative(values: readonly number[], total: number): number[] {
  const out = new Array<number>(values.length);
  let running = total;
  for (let i = values.length - 1; i >= 0; i -= 1) {
    out[i] = running;
    running -= values[i] ?? 0;
  }
  return out;
}
