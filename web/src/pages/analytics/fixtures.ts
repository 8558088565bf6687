import type { AnalyticsPoint, AnalyticsReport } from "../../api/types";

/** Token classes of the fixture's 6 requests: the five spends add up to the 6000 charged. */
export const classes = {
  cached_tokens: 4,
  cache_write_tokens: 2,
  reasoning_tokens: 3,
  input_cost_micros: 1000,
  cached_input_cost_micros: 200,
  cache_write_cost_micros: 300,
  output_cost_micros: 3500,
  reasoning_cost_micros: 1000,
  cache_saved_micros: 1800,
  units_cost_micros: 0,
};

export const point = (t: string, requests: number, over: Partial<AnalyticsPoint> = {}): AnalyticsPoint => ({
  t,
  requests,
  errors: 0,
  input_tokens: requests * 2,
  output_tokens: requests * 3,
  cost_micros: requests * 1000,
  latency_ms_avg: requests ? 10 : null,
  latency_ms_p50: requests ? 10 : null,
  latency_ms_p95: requests ? 20 : null,
  ...over,
});

/** A report over 10:00–10:03 by the minute, not grouped. */
export function report(over: Partial<AnalyticsReport> = {}): AnalyticsReport {
  return {
    tenant_id: "ten_1",
    from: "2026-11-24T10:00:00.000Z",
    to: "2026-11-24T10:03:00.000Z",
    interval: "minute",
    group_by: null,
    totals: {
      requests: 6,
      errors: 1,
      input_tokens: 12,
      output_tokens: 18,
      cost_micros: 6000,
      latency_ms_avg: 10,
      latency_ms_p50: 10,
      latency_ms_p95: 20,
      ...classes,
      error_rate: 1 / 6,
    },
    series: [point("2026-11-24T10:00:00.000Z", 1), point("2026-11-24T10:01:00.000Z", 0), point("2026-11-24T10:02:00.000Z", 5, { errors: 1 })],
    top_models: [
      {
        model: "demo/echo",
        requests: 6,
        errors: 1,
        input_tokens: 12,
        output_tokens: 18,
        cost_micros: 6000,
        latency_ms_avg: 10,
        latency_ms_p50: 10,
        latency_ms_p95: 20,
        ...classes,
      },
    ],
    top_users: [
      {
        end_user: "alice@example.com",
        requests: 4,
        errors: 0,
        input_tokens: 8,
        output_tokens: 12,
        cost_micros: 4000,
        last_seen_at: "2026-11-24T10:02:30.000Z",
      },
      { end_user: "bob", requests: 1, errors: 1, input_tokens: 2, output_tokens: 3, cost_micros: 1000, last_seen_at: "2026-11-24T10:00:10.000Z" },
    ],
    errors_by_type: [{ error_type: "upstream_error", status: 502, count: 1 }],
    latency: { avg_ms: 10, p50_ms: 10, p95_ms: 20, p99_ms: 25, method: "histogram", buckets_ms: [50, 100], histogram: [] },
    budget: { month_start: "2026-11-01T00:00:00.000Z", monthly_budget_micros: 10_000_000, spent_micros: 6000, remaining_micros: 9_994_000, used_ratio: 0.0006 },
    ...over,
  };
}
