// The analytics page's selection (range, interval, grouping, metric, live) ↔ URL and API query.
import type { AnalyticsGroupBy, AnalyticsInterval, AnalyticsQuery } from "../../api/types";
import type { MessageKey } from "../../i18n";

export const PRESETS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type Preset = keyof typeof PRESETS;
export type RangeChoice = Preset | "custom";
export const RANGE_CHOICES: readonly RangeChoice[] = ["1h", "24h", "7d", "30d", "custom"];

export const INTERVALS: readonly AnalyticsInterval[] = ["minute", "hour", "day"];
export const STEP_MS: Record<AnalyticsInterval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export const GROUPS: readonly AnalyticsGroupBy[] = ["model", "provider", "key", "status"];
export const METRICS = ["requests", "tokens", "cost", "errors", "latency"] as const;
export type Metric = (typeof METRICS)[number];

/** The API's limits (worker/api/analytics/range.ts and report.ts). */
export const MAX_POINTS = 5000;
export const MAX_RANGE_MS = 400 * 86_400_000;

export interface Selection {
  range: RangeChoice;
  /** `datetime-local` values (local time), used when range is custom. */
  from: string;
  to: string;
  interval: AnalyticsInterval;
  groupBy: AnalyticsGroupBy | null;
  metric: Metric;
  live: boolean;
}

const isOneOf = <T extends string>(list: readonly T[], value: string | undefined): value is T => list.some((item) => item === value);

/** The interval a range gets unless one is chosen: about 24–720 points. */
export function defaultInterval(spanMs: number): AnalyticsInterval {
  if (spanMs <= 6 * 3_600_000) return "minute";
  if (spanMs <= 14 * 86_400_000) return "hour";
  return "day";
}

export const pointsFor = (spanMs: number, interval: AnalyticsInterval): number => Math.ceil(spanMs / STEP_MS[interval]);

/** Intervals that keep the series within the API's point limit. */
export const allowedIntervals = (spanMs: number): AnalyticsInterval[] => INTERVALS.filter((i) => pointsFor(spanMs, i) <= MAX_POINTS);

const localValue = (ms: number): string => {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** `2026-11-24T10:30` (local) → epoch ms, or NaN. */
const parseLocal = (value: string): number => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? new Date(value).getTime() : Number.NaN);

export function defaultSelection(now = Date.now()): Selection {
  return { range: "24h", from: localValue(now - PRESETS["24h"]), to: localValue(now), interval: "hour", groupBy: null, metric: "requests", live: false };
}

/** The absolute span of a selection, or null when a custom range is incomplete or backwards. */
export function spanOf(sel: Selection, now = Date.now()): { from: number; to: number } | null {
  if (sel.range !== "custom") return { from: now - PRESETS[sel.range], to: now };
  const from = parseLocal(sel.from);
  const to = parseLocal(sel.to);
  return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
}

export function validateSelection(sel: Selection, now = Date.now()): MessageKey | null {
  const span = spanOf(sel, now);
  if (!span) return "analytics.rangeInvalid";
  if (span.to - span.from > MAX_RANGE_MS) return "analytics.rangeTooLong";
  if (pointsFor(span.to - span.from, sel.interval) > MAX_POINTS) return "analytics.tooManyPoints";
  return null;
}

/** The range part of a query: `last` for presets (the server's now), from/to for a custom range. */
export function rangeQuery(sel: Selection, now = Date.now()): { last?: string; from?: string; to?: string } {
  if (sel.range !== "custom") return { last: sel.range };
  const span = spanOf(sel, now);
  return span ? { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() } : {};
}

export function toQuery(sel: Selection, now = Date.now()): AnalyticsQuery {
  const query: AnalyticsQuery = { ...rangeQuery(sel, now), interval: sel.interval };
  if (sel.groupBy) query.group_by = sel.groupBy;
  return query;
}

/** Latency percentiles cannot be added up, so a status split only counts requests. */
export const metricsFor = (groupBy: AnalyticsGroupBy | null): readonly Metric[] => (groupBy === "status" ? ["requests"] : METRICS);

/** A selection changed in one place, kept consistent: interval within limits, metric available, live only for "last …". */
export function normalize(sel: Selection, now = Date.now()): Selection {
  const next = { ...sel };
  const span = spanOf(next, now);
  if (span) {
    const allowed = allowedIntervals(span.to - span.from);
    if (!allowed.includes(next.interval)) next.interval = allowed[0] ?? "day";
  }
  if (!metricsFor(next.groupBy).includes(next.metric)) next.metric = "requests";
  if (next.range === "custom") next.live = false;
  return next;
}

/** Reads `?range=&from=&to=&interval=&group=&metric=&live=`; anything unknown falls back to the defaults. */
export function selectionFromSearch(params: Readonly<Record<string, string | undefined>>, now = Date.now()): Selection {
  const base = defaultSelection(now);
  const range = isOneOf(RANGE_CHOICES, params.range) ? params.range : base.range;
  const sel: Selection = {
    range,
    from: params.from ?? base.from,
    to: params.to ?? base.to,
    interval: isOneOf(INTERVALS, params.interval) ? params.interval : range === "custom" ? base.interval : defaultInterval(PRESETS[range]),
    groupBy: isOneOf(GROUPS, params.group) ? params.group : null,
    metric: isOneOf(METRICS, params.metric) ? params.metric : "requests",
    live: params.live === "1",
  };
  return normalize(sel, now);
}

export function selectionToSearch(sel: Selection): string {
  const params = new URLSearchParams({ range: sel.range, interval: sel.interval, metric: sel.metric });
  if (sel.range === "custom") {
    params.set("from", sel.from);
    params.set("to", sel.to);
  }
  if (sel.groupBy) params.set("group", sel.groupBy);
  if (sel.live) params.set("live", "1");
  return params.toString();
}
