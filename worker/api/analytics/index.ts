// /api/analytics: the report (report.ts), the raw request log as streamed CSV or NDJSON
// (export.ts), long-lived read tokens for BI tools (../read-tokens.ts), and the live feed from
// the tenant's AnalyticsHub (live.ts); ranges are read by range.ts.
//
// Three credentials, each scoped by its JWT audience so none can stand in for another:
//   access token  (ai-aggregator:api)       every endpoint, via the router
//   read token    (ai-aggregator:analytics) GET /api/analytics, /export, /api/metrics; as
//                 `Authorization: Bearer` or `?token=`, for scrapers and spreadsheets
//   live ticket   (ai-aggregator:live)      GET /api/analytics/live once, within 60 s
// Both kinds are signed and verified by api/scoped-jwt.ts.
import { LATENCY_BUCKETS_MS } from "../../core/sums.ts";
import { readTokenEndpoints, withReadToken } from "../read-tokens.ts";
import { ApiRouter } from "../router.ts";
import { exportQuery, exportResponse } from "./export.ts";
import { connectLive, issueTicket, liveQuery, ticketView, withLiveTicket } from "./live.ts";
import { report, reportQuery, reportView } from "./report.ts";

export { READ_TOKEN_AUDIENCE, withReadToken } from "../read-tokens.ts";
export { EXPORT_COLUMNS } from "./export.ts";
export { TICKET_AUDIENCE } from "./live.ts";

export const analytics = new ApiRouter("analytics");

// Read tokens and tickets are checked by these before the router's access-token check.
analytics.app.get("/", withReadToken(reportQuery, report));
analytics.app.get("/export", withReadToken(exportQuery, exportResponse));
analytics.app.get("/live", withLiveTicket);

analytics
  .endpoint(
    "get",
    "/",
    {
      summary:
        "Usage over a time range: series, totals, top models, errors by type, latency percentiles, spend vs budget, spend by token class, top end users.",
      description:
        "Reads the per-minute rollups (a few seconds behind live). Latency percentiles are interpolated from a fixed histogram " +
        `(bounds ${LATENCY_BUCKETS_MS.join(", ")} ms), accurate to the bucket. Errors by type read the request log for the range; ` +
        "top end users read the per-day end-user rollups (whole UTC days). Also accepts a read token (Authorization: Bearer or ?token=).",
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
      summary: "The raw request log for a range, streamed as CSV (with a header row) or NDJSON; optionally one end user's requests only.",
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
    issueTicket,
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
