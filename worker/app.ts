// Composition: middleware, route mounting, the one error handler.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { api } from "./api/index.ts";
import { bodyLimitFor, MiB, UPLOAD_BODY_LIMITS } from "./core/body-limits.ts";
import { hashedAsset } from "./assets.ts";
import { AppError, errorFormatFor, errorResponse, type ErrorKind, internalError } from "./core/errors.ts";
import type { AppEnv } from "./env.ts";
import { v1 } from "./gateway/v1.ts";
import { mcp } from "./gateway/mcp/router.ts";
import { requestContext } from "./middleware/request-context.ts";

const GATEWAY_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "x-api-key",
  "anthropic-version",
  "anthropic-beta",
  "x-aggregator-cache",
  "openai-organization",
  "openai-project",
  "traceparent",
  "tracestate",
];
/** MCP clients in a browser (an inspector) send these. */
const MCP_REQUEST_HEADERS = ["authorization", "content-type", "accept", "mcp-session-id", "mcp-protocol-version", "last-event-id", "traceparent"];

const GATEWAY_RESPONSE_HEADERS = [
  "x-request-id",
  "traceparent",
  "request-id",
  "x-aggregator-provider",
  "x-aggregator-attempts",
  "x-aggregator-cost-micros",
  "x-aggregator-cache",
  "retry-after",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
];

const tooLarge = (limit: string) => () => {
  throw new AppError("payload_too_large", `The request body is larger than ${limit}.`, { code: "request_too_large" });
};

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limit";
  if (status >= 500) return "internal";
  return "invalid_request";
}

/** Any thrown value → an AppError; unknown errors are logged and become a bare 500. */
function toAppError(error: unknown, requestId: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) return new AppError(kindForStatus(error.status), error.message || "Request failed.");
  return internalError(error, requestId, "unhandled error");
}

export function createApp() {
  const app = new Hono<AppEnv>();

  // Ahead of the request context: a static file needs no request id and no log line.
  app.get("/assets/*", hashedAsset);
  app.use("*", requestContext);
  app.use("/api/*", secureHeaders({ crossOriginResourcePolicy: "same-origin" }));
  // The gateway is an API called with a key, from servers and from browsers alike: any origin may
  // call it (no cookies are involved). The control plane sends no CORS headers: only the PWA,
  // served from the same origin, reads it.
  app.use("/v1/*", cors({ origin: "*", allowHeaders: GATEWAY_REQUEST_HEADERS, exposeHeaders: GATEWAY_RESPONSE_HEADERS, maxAge: 86_400 }));
  app.use("/mcp", cors({ origin: "*", allowHeaders: MCP_REQUEST_HEADERS, exposeHeaders: ["mcp-session-id", "x-request-id", "traceparent"], maxAge: 86_400 }));
  const limitFor = (path: string) => {
    const maxSize = bodyLimitFor(path);
    return bodyLimit({ maxSize, onError: tooLarge(`${maxSize / MiB} MiB`) });
  };
  for (const path of Object.keys(UPLOAD_BODY_LIMITS)) app.use(path, limitFor(path));
  const gatewayLimit = limitFor("/v1/");
  app.use("/v1/*", (c, next) => (c.req.path in UPLOAD_BODY_LIMITS ? next() : gatewayLimit(c, next)));
  app.use("/api/*", limitFor("/api/"));

  app.use("/mcp", limitFor("/mcp"));
  app.route("/v1", v1);
  app.route("/mcp", mcp);
  app.route("/api", api);

  app.notFound((c) => {
    const error = new AppError("not_found", `Unknown endpoint: ${c.req.method} ${c.req.path}`, { code: "unknown_url" });
    return errorResponse(error, errorFormatFor(c.req.path), c.var.requestId);
  });
  app.onError((error, c) => {
    const appError = toAppError(error, c.var.requestId);
    return errorResponse(appError, errorFormatFor(c.req.path), c.var.requestId);
  });

  return app;
}
