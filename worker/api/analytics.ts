// /api/analytics: the report (time series, totals, top models, errors, latency percentiles,
// spend vs budget) from usage_rollups; the raw request log exported as streamed CSV or NDJSON;
// long-lived read tokens for BI tools; and the live feed from the tenant's AnalyticsHub over
// SSE (access token) or WebSocket (single-use ticket, since browsers cannot set headers).
//
// Three credentials, each scoped by its JWT audience so none can stand in for another:
//   access token  (ai-aggregator:api)       every endpoint, via the router
//   read token    (ai-aggregator:analytics) GET /api/analytics, /export, /api/metrics; as
//                 `Authorization: Bearer` or `?token=`, for scrapers and spreadsheets
//   live ticket   (ai-aggregator:live)      GET /api/analytics/live once, within 60 s
// Read tokens are issued, listed, revoked and checked in api/read-tokens.ts; both kinds are
// signed and verified by api/scoped-jwt.ts.
import * as z from "zod";
import { LOG_COLUMNS } from "../../durable-objects/hub/event.ts";
import { type Sums, LATENCY_BUCKETS_MS, addSums, emptySums, histogramQuantile, minuteOf } from "../../durable-objects/hub/sums.ts";
import { AppError } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import {
  type ExportCursor,
  type GroupBy,
  type Range,
  type RequestLogRecord,
  errorsByType,
  requestLogPage,
  rollupSeries,
  rollupTotals,
  tenantBudget,
  topGroups,
} from "../db/analytics.ts";
import { getDb } from "../db/client.ts";
import type { SessionUser } from "../env.ts";
import { READ_TOKEN_AUDIENCE, readTokenEndpoints, withReadToken } from "./read-tokens.ts";
import { type ApiContext, ApiRouter } from "./router.ts";
import { type ScopedClaims, memberFor, signScoped, verifyScoped } from "./scoped-jwt.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const INTERVALS = { minute: MINUTE, hour: HOUR, day: DAY } as const;
type Interval = keyof typeof INTERVALS;
/** Buckets per series: 3.5 days by the minute, 200 days by the hour. */
export const MAX_POINTS = 5000;
export const MAX_RANGE_MS = 400 * DAY;
export const EXPORT_PAGE_ROWS = 500;

export const TICKET_AUDIENCE = "ai-aggregator:live";
export const TICKET_TTL_SECONDS = 60;
export { READ_TOKEN_AUDIENCE, withReadToken };

// ── time ranges ───────────────────────────────────────────────────────────────────────────

const instant = z
  .union([z.string().regex(/^\d{10,15}$/), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .describe("ISO 8601 date or date-time, or epoch milliseconds");

const UNIT_MS = { m: MINUTE, h: HOUR, d: DAY } as const;
const duration = z
  .string()
  .regex(/^\d{1,6}[mhd]$/, "Use a number and m, h or d, e.g. 15m, 24h, 30d.")
  .transform((v) => Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS])
  .describe("A range ending now, e.g. 15m, 24h, 30d (instead of from)");

const rangeFields = {
  from: instant.optional(),
  to: instant.optional().describe("Exclusive; default now"),
  last: duration.optional(),
};

const tokenField = z.string().max(4096).optional().describe("A read token (POST /api/analytics/tokens), for clients that cannot set headers");

function resolveRange(q: { from?: number | undefined; to?: number | undefined; last?: number | undefined }, now: number, defaultSpan: number): { from: number; to: number } {
  if (q.from !== undefined && q.last !== undefined) throw new AppError("invalid_request", "Send either 'from' or 'last', not both.", { param: "last" });
  const to = q.to ?? now;
  const from = q.from ?? to - (q.last ?? defaultSpan);
  if (!(from < to)) throw new AppError("invalid_request", "'from' must be before 'to'.", { param: "from" });
  if (to - from > MAX_RANGE_MS) throw new AppError("invalid_request", `The range may span at most ${MAX_RANGE_MS / DAY} days.`, { param: "from" });
  return { from, to };
}

const floorTo = (ms: number, step: number) => ms - (((ms % step) + step) % step);

function autoInterval(span: number): Interval {
  if (span <= 6 * HOUR) return "minute";
  if (span <= 14 * DAY) return "hour";
  return "day";
}

function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

// ── the report ────────────────────────────────────────────────────────────────────────────

const reportQuery = z.object({
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

const reportView = z.object({
  tenant_id: z.string(),
  from: z.string(),
  to: z.string(),
  interval: z.enum(["minute", "hour", "day"]),
  group_by: z.string().nullable(),
  totals: sumsView.extend({ error_rate: z.number().nullable() }),
  series: z.array(sumsView.partial().extend({ t: z.string(), group: z.string().optional(), requests: z.int() })),
  top_models: z.array(sumsView.extend({ model: z.string() })),
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

const emptySumsOut = () => ({ requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0, latency_ms_avg: null, latency_ms_p50: null, latency_ms_p95: null });

async function report(c: ApiContext, user: SessionUser, query: z.output<typeof reportQuery>): Promise<Response> {
  const now = Date.now();
  const range = resolveRange(query, now, DAY);
  const interval: Interval = query.interval ?? autoInterval(range.to - range.from);
  const step = INTERVALS[interval];
  const first = floorTo(range.from, step);
  const points = Math.ceil((range.to - first) / step);
  if (points > MAX_POINTS) {
    throw new AppError("invalid_request", `That is ${points} ${interval}s; ask for at most ${MAX_POINTS} (a coarser interval or a shorter range).`, { param: "interval" });
  }
  const q: Range = { tenantId: user.tenantId, from: minuteOf(range.from), to: range.to };
  const groupBy: GroupBy | null = query.group_by === undefined || query.group_by === "status" ? null : query.group_by;
  const month = monthStart(now);
  const db = getDb(c.env.DB);
  const [series, top, errors, budget, monthSums] = await Promise.all([
    rollupSeries(db, q, step, groupBy),
    topGroups(db, q, "model", 10),
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
    totals: { ...sumsOut(totals), error_rate: totals.requests > 0 ? totals.errors / totals.requests : null },
    series: seriesOut,
    top_models: top.map((g) => ({ model: label(g.group), ...sumsOut(g.sums) })),
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

// ── export ────────────────────────────────────────────────────────────────────────────────

const exportQuery = z.object({
  format: z.enum(["csv", "ndjson"]).default("csv"),
  ...rangeFields,
  token: tokenField,
});

/** request_log's columns with created_at moved up next to the id, where a reader looks for it. */
export const EXPORT_COLUMNS = ["id", "created_at", ...LOG_COLUMNS.filter((c) => c !== "id" && c !== "created_at")] as const;

type ExportValue = string | number | boolean | null | string[];

function exportRecord(row: RequestLogRecord): Record<(typeof EXPORT_COLUMNS)[number], ExportValue> {
  return {
    id: row.id,
    created_at: new Date(row.createdAt).toISOString(),
    tenant_id: row.tenantId,
    key_id: row.keyId,
    provider: row.provider,
    model: row.model,
    endpoint: row.endpoint,
    status: row.status,
    error_type: row.errorType,
    stream: row.stream,
    latency_ms: row.latencyMs,
    ttfb_ms: row.ttfbMs,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cached_tokens: row.cachedTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_micros: row.costMicros,
    estimated: row.estimated,
    attempts: row.attempts ?? null,
    uncollected_micros: row.uncollectedMicros,
  };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading '.
 */
export function csvField(value: ExportValue): string {
  if (value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = Array.isArray(value) ? value.join(";") : value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (row: RequestLogRecord) => {
  const record = exportRecord(row);
  return `${EXPORT_COLUMNS.map((c) => csvField(record[c])).join(",")}\r\n`;
};
const ndjsonLine = (row: RequestLogRecord) => `${JSON.stringify(exportRecord(row))}\n`;

/** Pages through D1 as the reader pulls: one page of rows in memory at a time. */
function exportStream(c: ApiContext, q: Range, format: "csv" | "ndjson"): ReadableStream<Uint8Array> {
  const db = getDb(c.env.DB);
  const encoder = new TextEncoder();
  let cursor: ExportCursor | null = null;
  let rows = 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(",")}\r\n`));
      },
      async pull(controller) {
        try {
          const page = await requestLogPage(db, q, cursor, EXPORT_PAGE_ROWS);
          if (page.length > 0) {
            controller.enqueue(encoder.encode(page.map(format === "csv" ? csvLine : ndjsonLine).join("")));
            const last = page[page.length - 1]!;
            cursor = { createdAt: last.createdAt, id: last.id };
            rows += page.length;
          }
          if (page.length < EXPORT_PAGE_ROWS) controller.close();
        } catch (error) {
          log("error", "export failed mid-stream", { requestId: c.var.requestId, tenantId: q.tenantId, rows, error: String(error) });
          controller.error(error);
        }
      },
    },
    { highWaterMark: 1 },
  );
}

function exportResponse(c: ApiContext, user: SessionUser, query: z.output<typeof exportQuery>): Response {
  const range = resolveRange(query, Date.now(), DAY);
  const q: Range = { tenantId: user.tenantId, from: range.from, to: range.to };
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, "-");
  const filename = `request-log-${stamp(range.from)}-${stamp(range.to)}.${query.format}`;
  return new Response(exportStream(c, q, query.format), {
    headers: {
      "content-type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}

// ── live tickets ────────────────────────────────────────────────────────────────────────────

const ticketView = z.object({ ticket: z.string(), expires_in: z.int(), url: z.string() });

const liveQuery = z.object({ ticket: z.string().max(4096).optional().describe("From POST /api/analytics/live/ticket; required for WebSocket from a browser") });

/** Forwards the subscription to the caller's tenant's hub: never another tenant's. */
async function connectLive(c: ApiContext, user: SessionUser, ticket: ScopedClaims | null): Promise<Response> {
  const hub = c.env.ANALYTICS_HUB.get(c.env.ANALYTICS_HUB.idFromName(user.tenantId));
  const headers = new Headers({ "x-user-id": user.id });
  if (ticket) {
    headers.set("x-ticket-id", ticket.jti);
    headers.set("x-ticket-expires", String(ticket.exp * 1000));
  }
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
    headers.set("upgrade", "websocket");
    const res = await hub.fetch("https://analytics-hub/ws", { headers });
    return res.webSocket ? new Response(null, { status: 101, webSocket: res.webSocket }) : new Response(res.body, res);
  }
  if (/\btext\/event-stream\b/i.test(c.req.header("accept") ?? "") || ticket) {
    const res = await hub.fetch("https://analytics-hub/sse", { headers, signal: c.req.raw.signal });
    return new Response(res.body, res);
  }
  // Neither a WebSocket nor an event stream was asked for: the current minute, once.
  return c.json(await hub.snapshot());
}

// ── the router ────────────────────────────────────────────────────────────────────────────

export const analytics = new ApiRouter("analytics");

// Read tokens and tickets are checked by these before the router's access-token check.
analytics.app.get("/", withReadToken(reportQuery, report));
analytics.app.get("/export", withReadToken(exportQuery, exportResponse));
analytics.app.get("/live", async (c, next) => {
  const ticket = c.req.query("ticket");
  if (!ticket) return next();
  const claims = await verifyScoped(c.env.JWT_SECRET, ticket, TICKET_AUDIENCE, "ticket");
  const user = await memberFor(c, claims, "ticket");
  c.set("user", user);
  return connectLive(c, user, claims);
});

analytics
  .endpoint(
    "get",
    "/",
    {
      summary: "Usage over a time range: series, totals, top models, errors by type, latency percentiles, spend vs budget.",
      description:
        "Reads the per-minute rollups (a few seconds behind live). Latency percentiles are interpolated from a fixed histogram " +
        `(bounds ${LATENCY_BUCKETS_MS.join(", ")} ms), accurate to the bucket. Errors by type read the request log for the range. ` +
        "Also accepts a read token (Authorization: Bearer or ?token=).",
      access: "analytics:read",
      query: reportQuery,
      response: reportView,
    },
    (c, { query }) => report(c, c.var.user, query),
  )
  .endpoint(
    "get",
    "/export",
    {
      summary: "The raw request log for a range, streamed as CSV (with a header row) or NDJSON.",
      description: "Ordered by time; streamed page by page, so any range can be exported. Also accepts a read token (Authorization: Bearer or ?token=).",
      access: "analytics:read",
      query: exportQuery,
    },
    (c, { query }) => exportResponse(c, c.var.user, query),
  );

readTokenEndpoints(analytics)
  .endpoint(
    "post",
    "/live/ticket",
    {
      summary: "A single-use ticket, valid 60 s, to open the live feed where headers cannot be set (browser WebSocket, EventSource).",
      access: "analytics:read",
      status: 201,
      response: ticketView,
    },
    async (c) => {
      const { token } = await signScoped(c.env.JWT_SECRET, TICKET_AUDIENCE, c.var.user, TICKET_TTL_SECONDS);
      return c.json({ ticket: token, expires_in: TICKET_TTL_SECONDS, url: `/api/analytics/live?ticket=${encodeURIComponent(token)}` }, 201);
    },
  )
  .endpoint(
    "get",
    "/live",
    {
      summary: "Live usage of your tenant: Server-Sent Events, or a WebSocket with 'Upgrade: websocket'.",
      description:
        "Send 'Accept: text/event-stream' for SSE (EventSource does), 'Upgrade: websocket' for a WebSocket; otherwise the answer is " +
        "one JSON snapshot of the current minute. Authenticate with the access token (Authorization header) or with ?ticket= from " +
        "POST /api/analytics/live/ticket (single use; a ticket always opens a stream). " +
        "First a 'hello' message with the current minute, then 'update' messages at most ~3 a second: the new events' deltas " +
        "(totals, by_model, by_provider, by_key) and the current minute's totals. Send 'ping' on a WebSocket for 'pong'.",
      access: "analytics:read",
      query: liveQuery,
    },
    (c) => connectLive(c, c.var.user, null),
  );
