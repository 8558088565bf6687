// A report's series as chart columns: x in epoch seconds, one column per line.
import type { AnalyticsPoint, AnalyticsReport } from "../../api/types";
import { type Metric, STEP_MS } from "./range";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** Epoch seconds, ascending. */
  x: number[];
  series: ChartSeries[];
}

/** Lines drawn before the rest are summed into "other". */
export const MAX_LINES = 6;
export const OTHER = "__other__";

/** A point's value for the metric; cost in dollars (display only), latency the p95. */
export function metricValue(point: Partial<AnalyticsPoint>, metric: Metric): number | null {
  switch (metric) {
    case "requests":
      return point.requests ?? 0;
    case "errors":
      return point.errors ?? 0;
    case "tokens":
      return (point.input_tokens ?? 0) + (point.output_tokens ?? 0);
    case "cost":
      return (point.cost_micros ?? 0) / 1_000_000;
    case "latency":
      return point.latency_ms_p95 ?? null;
  }
}

/** Every bucket start of the report's range, in ms. */
export function bucketStarts(report: Pick<AnalyticsReport, "from" | "to" | "interval">): number[] {
  const step = STEP_MS[report.interval];
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const first = from - (((from % step) + step) % step);
  const out: number[] = [];
  for (let t = first; t < to; t += step) out.push(t);
  return out;
}

export function toChartData(report: AnalyticsReport, metric: Metric, metricLabel: string): ChartData {
  if (report.group_by === null) {
    return {
      x: report.series.map((p) => Date.parse(p.t) / 1000),
      series: [{ label: metricLabel, values: report.series.map((p) => metricValue(p, metric)) }],
    };
  }
  const starts = bucketStarts(report);
  const index = new Map(starts.map((t, i) => [t, i]));
  const columns = new Map<string, (number | null)[]>();
  const totals = new Map<string, number>();
  const additive = metric !== "latency";
  for (const point of report.series) {
    const i = index.get(Date.parse(point.t));
    const group = point.group ?? "";
    if (i === undefined) continue;
    let column = columns.get(group);
    if (!column) columns.set(group, (column = starts.map(() => (additive ? 0 : null))));
    const value = metricValue(point, metric);
    column[i] = value;
    // Ranking: by the metric when it adds up, else by requests.
    totals.set(group, (totals.get(group) ?? 0) + (additive ? (value ?? 0) : (point.requests ?? 0)));
  }
  const ranked = [...columns.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b));
  const shown = ranked.length > MAX_LINES && additive ? ranked.slice(0, MAX_LINES - 1) : ranked.slice(0, MAX_LINES);
  const series: ChartSeries[] = shown.map((group) => ({ label: group, values: columns.get(group) ?? [] }));
  const rest = ranked.slice(shown.length);
  if (additive && rest.length > 0) {
    series.push({
      label: OTHER,
      values: starts.map((_, i) => rest.reduce((sum, group) => sum + (columns.get(group)?.[i] ?? 0), 0)),
    });
  }
  return { x: starts.map((t) => t / 1000), series };
}
