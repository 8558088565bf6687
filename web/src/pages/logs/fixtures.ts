// Calls as the API answers them, for the explorer's tests.
import type { RequestDetail, RequestRow } from "../../api/types";

export const row = (id: string, over: Partial<RequestRow> = {}): RequestRow => ({
  id,
  created_at: "2026-12-03T10:00:00.000Z",
  key_id: "key_1",
  provider: "openai",
  model: "openai/gpt-4o-mini",
  endpoint: "chat.completions",
  status: 200,
  error_type: null,
  stream: false,
  latency_ms: 120,
  ttfb_ms: 120,
  input_tokens: 10,
  output_tokens: 20,
  cached_tokens: 0,
  reasoning_tokens: 0,
  cache_write_5m_tokens: 0,
  cache_write_1h_tokens: 0,
  cost_micros: 30,
  estimated: false,
  unit: null,
  units: 0,
  end_user: null,
  attempts: ["openai/gpt-4o-mini=ok"],
  trace_id: null,
  has_bodies: false,
  ...over,
});

export const page = (rows: RequestRow[], next_cursor: string | null = null) => ({ data: rows, next_cursor });

/** A call that failed over: a 503 from the first target, then an answer from the second. */
export const call = (over: Partial<RequestDetail> = {}): RequestDetail => ({
  ...row("req_1", {
    attempts: ["openai/fail=503", "openai/gpt-4o-mini=ok"],
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    has_bodies: true,
  }),
  detail: {
    timings: { queueMs: 3, admissionMs: 2, ttfbMs: 120, totalMs: 150 },
    attempts: [
      { target: "openai/fail", provider: "openai", outcome: "503", startMs: 5, ms: 40, spanId: "a1" },
      {
        target: "openai/gpt-4o-mini",
        provider: "openai",
        outcome: "ok",
        startMs: 46,
        ms: 70,
        spanId: "a2",
        headers: { authorization: "[REDACTED]", "content-type": "application/json" },
      },
    ],
    cache: "miss",
  },
  input_cost_micros: 10,
  cached_input_cost_micros: 0,
  cache_write_cost_micros: 0,
  output_cost_micros: 20,
  reasoning_cost_micros: 0,
  units_cost_micros: 0,
  cache_saved_micros: 0,
  uncollected_micros: 0,
  request_bytes: 512,
  response_bytes: 1024,
  bodies: null,
  bodies_hidden: true,
  bodies_expired: false,
  ...over,
});
