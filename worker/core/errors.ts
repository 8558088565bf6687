// The one error type. Thrown anywhere, rendered once by the app's error handler in the
// caller's wire format: OpenAI's envelope on /v1, Anthropic's on /v1/messages, ours on /api.
import { log } from "./logger.ts";

export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "conflict"
  | "gone"
  | "payload_too_large"
  | "insufficient_quota"
  | "rate_limit"
  | "upstream"
  | "unavailable"
  | "loop_detected"
  | "internal";

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  insufficient_quota: 402,
  permission: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limit: 429,
  internal: 500,
  upstream: 502,
  unavailable: 503,
  loop_detected: 508,
};

const OPENAI_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "invalid_request_error",
  insufficient_quota: "insufficient_quota",
  permission: "invalid_request_error",
  not_found: "invalid_request_error",
  conflict: "invalid_request_error",
  gone: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  internal: "server_error",
  upstream: "server_error",
  unavailable: "server_error",
  // A configuration to fix (a provider leading back to the gateway), not an outage.
  loop_detected: "invalid_request_error",
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  insufficient_quota: "billing_error",
  permission: "permission_error",
  not_found: "not_found_error",
  conflict: "invalid_request_error",
  gone: "not_found_error",
  payload_too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  internal: "api_error",
  upstream: "api_error",
  unavailable: "overloaded_error",
  loop_detected: "invalid_request_error",
};

export interface AppErrorOptions {
  /** Machine-readable code, e.g. `invalid_api_key`, `model_not_found`. Defaults to the kind. */
  code?: string;
  /** The request field at fault (OpenAI's `param`). */
  param?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Extra JSON fields for /api callers (e.g. the current state on a 409). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, message: string, options: AppErrorOptions = {}) {
    super(message);
    this.name = "AppError";
    this.kind = kind;
    this.code = options.code ?? kind;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }

  get status(): number {
    return STATUS[this.kind];
  }

  /** The same error answered with these headers instead. */
  withHeaders(headers: Record<string, string>): AppError {
    return new AppError(this.kind, this.message, { code: this.code, param: this.param, details: this.details, headers });
  }
}

/** A bug of ours, not the caller's: logged with its stack as `what`, answered as a bare 500 with the request id to quote. */
export function internalError(error: unknown, requestId: string, what: string): AppError {
  log("error", what, { requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new AppError("internal", `Internal error. Quote request id ${requestId} when reporting it.`, { code: "internal_error" });
}

export type ErrorFormat = "openai" | "anthropic" | "api" | "mcp";

/** Which wire format a caller of this path expects its errors in. */
export function errorFormatFor(path: string): ErrorFormat {
  if (path === "/v1/messages" || path.startsWith("/v1/messages/")) return "anthropic";
  if (path === "/v1" || path.startsWith("/v1/")) return "openai";
  if (path === "/mcp" || path.startsWith("/mcp/")) return "mcp";
  return "api";
}

export function errorBody(error: AppError, format: ErrorFormat): Record<string, unknown> {
  switch (format) {
    case "openai":
      return {
        error: { message: error.message, type: OPENAI_TYPE[error.kind], param: error.param ?? null, code: error.code },
      };
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[error.kind], message: error.message } };
    case "api":
      return { error: { code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}), ...error.details } };
    case "mcp":
      // A JSON-RPC error for a request we could not read the id of; ours beyond the standard codes.
      return { jsonrpc: "2.0", id: null, error: { code: -32000, message: error.message, data: { type: OPENAI_TYPE[error.kind], code: error.code } } };
  }
}

export function errorResponse(error: AppError, format: ErrorFormat, requestId?: string): Response {
  const headers = new Headers(error.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  if (requestId) headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(errorBody(error, format)), { status: error.status, headers });
}
