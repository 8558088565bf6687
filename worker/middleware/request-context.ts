// Gives every request an id (echoed as x-request-id; on /v1/messages also as request-id, where
// Anthropic's SDK reads it) and writes one structured log line per control-plane request and
// per failed gateway call. A successful gateway call is not logged here: its full record
// (tokens, cost, attempts, latency) goes to the request log through the AnalyticsHub, and a
// console line per call costs measurable throughput (see bench/).
import { createMiddleware } from "hono/factory";
import { errorFormatFor } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { newId } from "../core/ids.ts";
import { childContext, formatTraceparent, parseTraceparent } from "../core/trace-context.ts";
import type { AppEnv } from "../env.ts";

const isGatewayPath = (path: string) => path.startsWith("/v1/") || path === "/mcp" || path.startsWith("/mcp/");

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const requestId = newId("req", 20);
  c.set("requestId", requestId);
  // A gateway call joins the caller's trace (W3C traceparent) or starts one, and says which.
  const trace = isGatewayPath(c.req.path) ? childContext(parseTraceparent(c.req.header("traceparent"))) : null;
  if (trace) c.set("trace", trace);
  await next();
  c.res.headers.set("x-request-id", requestId);
  if (trace) c.res.headers.set("traceparent", formatTraceparent(trace));
  if (errorFormatFor(c.req.path) === "anthropic") c.res.headers.set("request-id", requestId);
  const status = c.res.status;
  if (status < 400 && c.req.path.startsWith("/v1/")) return;
  log(status >= 500 ? "error" : "info", "request", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Date.now() - started,
  });
});
