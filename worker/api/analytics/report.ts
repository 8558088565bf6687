// GET /api/analytics: the report over a range (time series, totals, top models, errors by type,
// latency percentiles, spend vs budget, spend by token class), read from the per-minute rollups,
// and the top end users, read from the per-day end-user rollups.
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { type Sums, LATENCY_BUCKETS_MS, addSums, emptySums, histogramQuantile, minuteOf } from "../../core/sums.ts";
import { monthStart } from "../../core/time.ts";
import {
  type EndUserTotals,
  type GroupBy,
  type Range,
  errorsByType,
  rollupSeries,
  rollupTotals,
  tenantBudget,
  topEndUsers,
  topGroups,
} from "../../db/analytics.ts";
import { getDb } from "../../db/client.ts";
import type { SessionUser } from "../../env.ts";
import type { ApiContext } from "../router.ts";
import { DAY, INTERVALS, type Interval, autoInterval, floorTo, rangeFields, resolveRange, tokenField } from "./range.ts";

/** Buckets per series: 3.5 days by the minute, 200 days by the hour. */
export const MAX_POINTS = 5000;

export const reportQuery = z.object({
  ...rangeFields,
  interval: z.enum(["minute", "hour", "day"]).optional().describe("Default: minute up to 6 h, hour up to 14 days, else day"),
  group_by: z.enum(["model", "provider", "key", "status"]).optional().describe("status: the series split into success and error requests"),
  token: tokenField,
});

const sumsView = z.object({
  requests: z.int(),
  errors: z.int(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_micros: z.int(),
  latency_ms_avg: z.int().nullable(),
  latency_ms_p50: z.int().nullable(),
  latency_ms_p95: z.int().nullable(),
});

const tokens = (what: string) => z.int().describe(what);
const micros = (what: string) => z.int().describe(`${what}, in micro-dollars`);

/** Tokens and spend by class: for the totals and each top model. */
const classesView = z.object({
  cached_tokens: tokens("Input tokens read from the provider's prompt cache (part of input_tokens)"),
  cache_write_tokens: tokens("Input tokens written to the prompt cache, 5-minute and 1-hour writes together (part of input_tokens)"),
  reasoning_tokens: tokens("Reasoning tokens (part of output_tokens)"),
  input_cost_micros: micros("Spend on input tokens neither read from nor written to the cache"),
  cached_input_cost_micros: micros("Spend on cache reads"),
  cache_write_cost_micros: micros("Spend on cache writes"),
  output_cost_micros: micros("Spend on output tokens other than reasoning"),
  reasoning_cost_micros: micros("Spend on reasoning tokens"),
  cache_saved_micros: micros("What caching saved: what cache reads cost less than the same tokens uncached"),
  units_cost_micros: micros("Spend on calls billed per unit: images, audio seconds, characters, moderation calls, rerank searches"),
});

const CLASSES_NOTE =
  "The six *_cost_micros add up to what the calls cost at their prices: cost_micros plus any cost above a reservation that was not collected.";

const topUserView = z.object({
  end_user: z.string().describe("As the caller named it: `user`, `metadata.user_id` or the x-aggregator-user header"),
  requests: z.int(),
  errors: z.int(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_micros: z.int(),
  last_seen_at: z.string().describe("The end user's latest request in the range's days"),
});

/** How many end users top_users lists. */
export const TOP_USERS = 10;

export const reportView = z.object({
  tenant_id: z.string(),
  from: z.string(),
  to: z.string(),
  interval: z.enum(["minute", "hour", "day"]),
  group_by: z.string().nullable(),
  totals: sumsView.extend(classesView.shape).extend({ error_rate: z.number().nullable() }).describe(CLASSES_NOTE),
  series: z.array(sumsView.partial().extend({ t: z.string(), group: z.string().optional(), requests: z.int() })),
  top_models: z.array(sumsView.extend(classesView.shape).extend({ model: z.string() })),
  top_users: z
    .array(topUserView)
    .describe(
      `The ${TOP_USERS} end users who spent most, from the per-day end-user rollups: the whole UTC days the range touches. Only calls that named an end user count.`,
    ),
  errors_by_type: z.array(z.object({ error_type: z.string().nullable(), status: z.int(), count: z.int() })),
  latency: z.object({
    avg_ms: z.int().nullable(),
    p50_ms: z.int().nullable(),
    p95_ms: z.int().nullable(),
    p99_ms: z.int().nullable(),
    method: z.literal("histogram"),
    buckets_ms: z.array(z.int()),
    histogram: z.array(z.object({ le_ms: z.int().nullable(), count: z.int() })),
  }),
  budget: z.object({
    month_start: z.string(),
    monthly_budget_micros: z.int().nullable(),
    spent_micros: z.int(),
    remaining_micros: z.int().nullable(),
    used_ratio: z.number().nullable(),
  }),
});

const NONE = "(none)";
const label = (v: string | null) => (v === null || v === "" ? NONE : v);

function sumsOut(s: Sums) {
  return {
    requests: s.requests,
    errors: s.errors,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    cost_micros: s.costMicros,
    latency_ms_avg: s.requests > 0 ? Math.round(s.latencyMsSum / s.requests) : null,
    latency_ms_p50: histogramQuantile(s.latencyLe, s.requests, 0.5),
    latency_ms_p95: histogramQuantile(s.latencyLe, s.requests, 0.95),
  };
}

function classesOut(s: Sums): z.input<typeof classesView> {
  return {
    cached_tokens: s.cachedTokens,
    cache_write_tokens: s.cacheWriteTokens,
    reasoning_tokens: s.reasoningTokens,
    input_cost_micros: s.inputCostMicros,
    cached_input_cost_micros: s.cachedInputCostMicros,
    cache_write_cost_micros: s.cacheWriteCostMicros,
    output_cost_micros: s.outputCostMicros,
    reasoning_cost_micros: s.reasoningCostMicros,
    cache_saved_micros: s.cacheSavedMicros,
    units_cost_micros: s.unitsCostMicros,
  };
}

const topUserOut = (u: EndUserTotals): z.input<typeof topUserView> => ({
  end_user: u.endUser,
  requests: u.requests,
  errors: u.errors,
  input_tokens: u.inputTokens,
  output_tokens: u.outputTokens,
  cost_micros: u.costMicros,
  last_seen_at: new Date(u.lastSeenAt).toISOString(),
});

const emptySumsOut = () => ({
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost_micros: 0,
  latency_ms_avg: null,
  latency_ms_p50: null,
  latency_ms_p95: null,
});

export async function report(c: ApiContext, user: SessionUser, query: z.output<typeof reportQuery>): Promise<Response> {
  const now = Date.now();
  const range = resolveRange(query, now, DAY);
  const interval: Interval = query.interval ?? autoInterval(range.to - range.from);
  const step = INTERVALS[interval];
  const first = floorTo(range.from, step);
  const points = Math.ceil((range.to - first) / step);
  if (points > MAX_POINTS) {
    throw new AppError("invalid_request", `That is ${points} ${interval}s; ask for at most ${MAX_POINTS} (a coarser interval or a shorter range).`, {
      param: "interval",
    });
  }
  const q: Range = { tenantId: user.tenantId, from: minuteOf(range.from), to: range.to };
  const groupBy: GroupBy | null = query.group_by === undefined || query.group_by === "status" ? null : query.group_by;
  const month = monthStart(now);
  const db = getDb(c.env.DB);
  const days: Range = { tenantId: user.tenantId, from: floorTo(range.from, DAY), to: range.to };
  const [series, top, users, errors, budget, monthSums] = await Promise.all([
    rollupSeries(db, q, step, groupBy),
    topGroups(db, q, "model", 10),
    topEndUsers(db, days, TOP_USERS),
    errorsByType(db, q),
    tenantBudget(db, user.tenantId),
    rollupTotals(db, { tenantId: user.tenantId, from: month, to: Number.MAX_SAFE_INTEGER }),
  ]);

  // The series covers the whole range, so its points add up to the totals: no second scan.
  const totals = series.reduce((acc, p) => addSums(acc, p.sums), emptySums());

  let seriesOut: z.input<typeof reportView>["series"];
  if (groupBy !== null) {
    seriesOut = series.map((p) => ({ t: new Date(p.bucket).toISOString(), group: label(p.group), ...sumsOut(p.sums) }));
  } else {
    // One point per bucket, zero-filled, so charts need not guess at gaps.
    const byBucket = new Map(series.map((p) => [p.bucket, p.sums]));
    seriesOut = [];
    for (let t = first; t < range.to; t += step) {
      const s = byBucket.get(t);
      const at = new Date(t).toISOString();
      if (query.group_by === "status") {
        seriesOut.push({ t: at, group: "success", requests: s ? s.requests - s.errors : 0 }, { t: at, group: "error", requests: s ? s.errors : 0 });
      } else seriesOut.push({ t: at, ...(s ? sumsOut(s) : emptySumsOut()) });
    }
  }

  const spent = monthSums.costMicros;
  const limit = budget ?? null;
  const body: z.input<typeof reportView> = {
    tenant_id: user.tenantId,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    interval,
    group_by: query.group_by ?? null,
    totals: { ...sumsOut(totals), ...classesOut(totals), error_rate: totals.requests > 0 ? totals.errors / totals.requests : null },
    series: seriesOut,
    top_models: top.map((g) => ({ model: label(g.group), ...sumsOut(g.sums), ...classesOut(g.sums) })),
    top_users: users.map(topUserOut),
    errors_by_type: errors.map((e) => ({ error_type: e.errorType, status: e.status, count: e.count })),
    latency: {
      avg_ms: totals.requests > 0 ? Math.round(totals.latencyMsSum / totals.requests) : null,
      p50_ms: histogramQuantile(totals.latencyLe, totals.requests, 0.5),
      p95_ms: histogramQuantile(totals.latencyLe, totals.requests, 0.95),
      p99_ms: histogramQuantile(totals.latencyLe, totals.requests, 0.99),
      method: "histogram",
      buckets_ms: [...LATENCY_BUCKETS_MS],
      histogram: [...LATENCY_BUCKETS_MS.map((le, i) => ({ le_ms: le, count: totals.latencyLe[i] ?? 0 })), { le_ms: null, count: totals.requests }],
    },
    budget: {
      month_start: new Date(month).toISOString(),
      monthly_budget_micros: limit,
      spent_micros: spent,
      remaining_micros: limit === null ? null : limit - spent,
      used_ratio: limit === null || limit === 0 ? null : spent / limit,
    },
  };
  return c.json(body);
}
