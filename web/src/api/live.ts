// The live usage feed (GET /api/analytics/live over a WebSocket). Its messages are not in the
// OpenAPI document, so they are typed here (mirroring durable-objects/hub/live.ts) and checked
// on arrival: a message that does not fit is dropped, never trusted.
import { isNumber, isObject, isString, type Json } from "./guards";

export interface LiveSums {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  latency_ms_sum: number;
  latency_ms_avg: number | null;
}

export interface LiveMinute extends LiveSums {
  /** ISO start of the current minute. */
  start: string;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
}

export interface LiveDelta {
  totals: LiveSums;
  by_model: Record<string, LiveSums>;
  by_provider: Record<string, LiveSums>;
  by_key: Record<string, LiveSums>;
}

export type LiveMessage =
  | { type: "hello"; at: string; minute: LiveMinute }
  | { type: "update"; at: string; events: number; delta: LiveDelta; minute: LiveMinute };

const numberOrNull = (value: unknown): number | null => (isNumber(value) ? value : null);

function sums(value: unknown): LiveSums | null {
  if (!isObject(value)) return null;
  const { requests, errors, input_tokens, output_tokens, cost_micros } = value;
  if (!isNumber(requests) || !isNumber(errors) || !isNumber(input_tokens) || !isNumber(output_tokens) || !isNumber(cost_micros)) return null;
  return {
    requests,
    errors,
    input_tokens,
    output_tokens,
    cost_micros,
    latency_ms_sum: isNumber(value.latency_ms_sum) ? value.latency_ms_sum : 0,
    latency_ms_avg: numberOrNull(value.latency_ms_avg),
  };
}

function minute(value: unknown): LiveMinute | null {
  const base = sums(value);
  if (!base || !isObject(value) || !isString(value.start)) return null;
  return { ...base, start: value.start, latency_ms_p50: numberOrNull(value.latency_ms_p50), latency_ms_p95: numberOrNull(value.latency_ms_p95) };
}

function sumsMap(value: unknown): Record<string, LiveSums> {
  const out: Record<string, LiveSums> = {};
  if (!isObject(value)) return out;
  for (const [name, entry] of Object.entries(value)) {
    const parsed = sums(entry);
    if (parsed) out[name] = parsed;
  }
  return out;
}

function delta(value: Json): LiveDelta | null {
  const totals = sums(value.totals);
  if (!totals) return null;
  return { totals, by_model: sumsMap(value.by_model), by_provider: sumsMap(value.by_provider), by_key: sumsMap(value.by_key) };
}

/** A frame from the socket as a message, or null ('pong', malformed, or of an unknown type). */
export function parseLiveMessage(text: string): LiveMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(data) || !isString(data.at)) return null;
  const current = minute(data.minute);
  if (!current) return null;
  if (data.type === "hello") return { type: "hello", at: data.at, minute: current };
  if (data.type !== "update" || !isObject(data.delta)) return null;
  const d = delta(data.delta);
  if (!d) return null;
  return { type: "update", at: data.at, events: isNumber(data.events) ? data.events : d.totals.requests, delta: d, minute: current };
}
