// Live mode: the WebSocket's deltas added into a loaded report, so the chart, the totals and the
// breakdowns move without reloading. A "last …" window slides forward as time passes.
import type { LiveMessage, LiveSums } from "../../api/live";
import type { AnalyticsPoint, AnalyticsReport } from "../../api/types";
import { STEP_MS } from "./range";

/** The report's label for an empty group (worker/api/analytics/report.ts). */
const NONE = "(none)";
const groupName = (name: string) => (name === "" ? NONE : name);

function addSums<P extends Partial<AnalyticsPoint>>(point: P, d: LiveSums): P {
  const requests = (point.requests ?? 0) + d.requests;
  return {
    ...point,
    requests,
    errors: (point.errors ?? 0) + d.errors,
    input_tokens: (point.input_tokens ?? 0) + d.input_tokens,
    output_tokens: (point.output_tokens ?? 0) + d.output_tokens,
    cost_micros: (point.cost_micros ?? 0) + d.cost_micros,
  };
}

const ZERO_SUMS = {
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost_micros: 0,
  latency_ms_avg: null,
  latency_ms_p50: null,
  latency_ms_p95: null,
};

/** A model the report did not list: live deltas carry no token classes. */
const ZERO_CLASSES = {
  cached_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  input_cost_micros: 0,
  cached_input_cost_micros: 0,
  cache_write_cost_micros: 0,
  output_cost_micros: 0,
  reasoning_cost_micros: 0,
  cache_saved_micros: 0,
  units_cost_micros: 0,
};

const emptyPoint = (t: string, group?: string): AnalyticsPoint => ({ t, ...(group === undefined ? {} : { group }), ...ZERO_SUMS });

/** Slides a relative window so that it ends at `now`; drops the points that fell out of it. */
export function slideWindow(report: AnalyticsReport, now: number): AnalyticsReport {
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  if (now <= to) return report;
  const span = to - from;
  const step = STEP_MS[report.interval];
  const newFrom = now - span;
  const firstBucket = newFrom - (((newFrom % step) + step) % step);
  let series = report.series.filter((p) => Date.parse(p.t) >= firstBucket);
  if (report.group_by === null) {
    // Ungrouped series are zero-filled: add the buckets that started since.
    const have = new Set(series.map((p) => Date.parse(p.t)));
    const lastBucket = now - (((now % step) + step) % step);
    const added: AnalyticsPoint[] = [];
    for (let t = firstBucket; t <= lastBucket; t += step) if (!have.has(t)) added.push(emptyPoint(new Date(t).toISOString()));
    series = [...series, ...added].sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  }
  return { ...report, from: new Date(newFrom).toISOString(), to: new Date(now).toISOString(), series };
}

function addToBucket(series: AnalyticsPoint[], t: string, group: string | undefined, d: LiveSums): AnalyticsPoint[] {
  const i = series.findIndex((p) => p.t === t && p.group === group);
  if (i >= 0) return series.map((p, j) => (j === i ? addSums(p, d) : p));
  return [...series, addSums(emptyPoint(t, group), d)];
}

function groupDeltas(message: Extract<LiveMessage, { type: "update" }>, groupBy: string): [string, LiveSums][] {
  const d = message.delta;
  switch (groupBy) {
    case "model":
      return Object.entries(d.by_model);
    case "provider":
      return Object.entries(d.by_provider);
    case "key":
      return Object.entries(d.by_key);
    case "status": {
      const ok = d.totals.requests - d.totals.errors;
      const zero: LiveSums = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0, latency_ms_sum: 0, latency_ms_avg: null };
      return [
        ["success", { ...zero, requests: ok }],
        ["error", { ...zero, requests: d.totals.errors, errors: d.totals.errors }],
      ];
    }
    default:
      return [];
  }
}

/** The report with one live update added; `hello` and updates outside the window change nothing. */
export function applyLive(report: AnalyticsReport, message: LiveMessage, now = Date.parse(message.at)): AnalyticsReport {
  if (message.type !== "update" || message.events === 0) return report;
  const slid = slideWindow(report, now);
  const step = STEP_MS[slid.interval];
  const at = Date.parse(message.at);
  if (at < Date.parse(slid.from)) return slid;
  const bucket = new Date(at - (((at % step) + step) % step)).toISOString();
  const d = message.delta;

  let series = slid.series;
  if (slid.group_by === null) series = addToBucket(series, bucket, undefined, d.totals);
  else for (const [name, sums] of groupDeltas(message, slid.group_by)) if (sums.requests > 0) series = addToBucket(series, bucket, groupName(name), sums);

  const totals = addSums(slid.totals, d.totals);
  totals.error_rate = totals.requests > 0 ? totals.errors / totals.requests : null;

  let topModels = slid.top_models;
  for (const [name, sums] of Object.entries(d.by_model)) {
    const model = groupName(name);
    const row = topModels.find((m) => m.model === model);
    if (row) topModels = topModels.map((m) => (m === row ? addSums(m, sums) : m));
    else topModels = [...topModels, addSums({ ...ZERO_SUMS, ...ZERO_CLASSES, model }, sums)];
  }
  topModels = [...topModels].sort((a, b) => b.requests - a.requests).slice(0, 10);

  const spent = slid.budget.spent_micros + d.totals.cost_micros;
  const limit = slid.budget.monthly_budget_micros;
  const budget = {
    ...slid.budget,
    spent_micros: spent,
    remaining_micros: limit === null ? null : limit - spent,
    used_ratio: limit === null || limit === 0 ? null : spent / limit,
  };
  return { ...slid, series, totals, top_models: topModels, budget };
}
