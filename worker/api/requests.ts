// /api/requests: the request explorer. A page of the caller's tenant's request log under filters
// (newest first, keyset cursor), and one call with its detail and, for roles that may read them,
// its captured bodies from the LOGS bucket.
import * as z from "zod";
import { END_USER_MAX } from "../../durable-objects/hub/event.ts";
import { unpackBody } from "../core/body-pack.ts";
import { AppError } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { hasPermission } from "../core/rbac.ts";
import { toBase64Url } from "../core/security/hash.ts";
import { bodiesPrefix } from "../core/request-detail.ts";
import { getDb } from "../db/client.ts";
import { type RequestCursor, type RequestFilters, type RequestListRow, type RequestRecord, findRequest, listRequests } from "../db/request-explorer.ts";
import { rangeFields } from "./analytics/range.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

/** Longer than any id the gateway gives a call: not looked up. */
const MAX_ID_LENGTH = 128;

const exact = (max: number, what: string) => z.string().min(1).max(max).optional().describe(`${what} (exact match)`);
const atLeastZero = (what: string) => z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe(what);

/** The filters of a page, shared with the export (/api/analytics/export). */
export const requestFilterFields = {
  ...rangeFields,
  key_id: exact(64, "The API key's id"),
  model: exact(256, "The model as logged, e.g. openai/gpt-4o-mini"),
  provider: exact(128, "The provider that answered"),
  endpoint: exact(128, "The endpoint, e.g. chat.completions"),
  status: z
    .union([
      z.enum(["2xx", "4xx", "5xx", "error"]),
      z
        .string()
        .regex(/^[1-5]\d\d$/, "Use a status (e.g. 429), 2xx, 4xx, 5xx or error.")
        .transform(Number),
    ])
    .optional()
    .describe("A status, a class (2xx, 4xx, 5xx), or error: 400 and above"),
  error_type: exact(128, "The error type, e.g. upstream_timeout"),
  end_user: exact(END_USER_MAX, "The end user the call named"),
  min_cost_micros: atLeastZero("Cost at least this, in micro-dollars"),
  max_cost_micros: atLeastZero("Cost at most this, in micro-dollars"),
  min_latency_ms: atLeastZero("Latency at least this"),
  max_latency_ms: atLeastZero("Latency at most this"),
  request_id: exact(MAX_ID_LENGTH, "The call's id (its x-request-id): that call or none"),
  trace_id: exact(64, "The call's W3C trace id"),
};

export const listQuery = z.object({
  ...requestFilterFields,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional().describe("next_cursor of the previous page"),
});

type ListQuery = z.output<typeof listQuery>;
type FilterQuery = z.output<z.ZodObject<typeof requestFilterFields>>;

const requestRowView = z.object({
  id: z.string(),
  created_at: z.string(),
  key_id: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  endpoint: z.string(),
  status: z.int(),
  error_type: z.string().nullable(),
  stream: z.boolean(),
  latency_ms: z.int(),
  ttfb_ms: z.int().nullable(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  cached_tokens: z.int(),
  reasoning_tokens: z.int(),
  cache_write_5m_tokens: z.int(),
  cache_write_1h_tokens: z.int(),
  cost_micros: z.int(),
  estimated: z.boolean().describe("Usage was estimated: the provider reported none"),
  unit: z.string().nullable(),
  units: z.int(),
  end_user: z.string().nullable(),
  attempts: z.array(z.string()).describe("Each target tried, as target=outcome"),
  trace_id: z.string().nullable(),
  has_bodies: z.boolean().describe("The call's request and answer were captured (GET /api/requests/{id} shows them to owners and admins)"),
});

const pageView = z.object({ data: z.array(requestRowView), next_cursor: z.string().nullable().describe("null: the last page") });

const attemptView = z.object({
  target: z.string(),
  provider: z.string(),
  outcome: z.string(),
  startMs: z.number(),
  ms: z.number(),
  spanId: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional().describe("Sent upstream, credentials as [REDACTED]"),
});

const detailView = z
  .object({
    timings: z.object({ queueMs: z.number(), admissionMs: z.number(), ttfbMs: z.number().nullable(), totalMs: z.number() }),
    attempts: z.array(attemptView),
    cache: z.enum(["hit", "miss", "bypass"]).optional(),
    capture: z.enum(["metadata", "bodies"]).optional(),
    spanId: z.string().optional(),
  })
  .nullable()
  .describe("As the gateway stored it (camelCase keys, milliseconds from the call's start); null for calls logged before it was kept");

const bodiesView = z.object({ request: z.unknown(), response: z.unknown(), redactions: z.int(), truncated: z.boolean() });

const requestDetailView = requestRowView.extend({
  detail: detailView,
  input_cost_micros: z.int(),
  cached_input_cost_micros: z.int(),
  cache_write_cost_micros: z.int(),
  output_cost_micros: z.int(),
  reasoning_cost_micros: z.int(),
  units_cost_micros: z.int(),
  cache_saved_micros: z.int().describe("What cache reads saved against uncached input"),
  uncollected_micros: z.int().describe("Cost above the call's reservation, not charged"),
  request_bytes: z.int().nullable(),
  response_bytes: z.int().nullable(),
  bodies: bodiesView.nullable().describe("The captured request and answer (redacted); only for roles with logs:read_bodies"),
  bodies_hidden: z.boolean().describe("Bodies were captured but your role may not read them"),
  bodies_expired: z.boolean().describe("Bodies were captured but are gone (the tenant's log retention)"),
});

type Bodies = Pick<z.output<typeof requestDetailView>, "bodies" | "bodies_hidden" | "bodies_expired">;

// ── cursor ────────────────────────────────────────────────────────────────────────────────

export const encodeCursor = (row: RequestCursor) => toBase64Url(new TextEncoder().encode(`${row.createdAt}:${row.id}`));

function decodeCursor(cursor: string): RequestCursor {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    const match = /^(\d{1,16}):(.{1,256})$/s.exec(text);
    const createdAt = Number(match?.[1]);
    if (match && Number.isSafeInteger(createdAt)) return { createdAt, id: match[2]! };
  } catch {
    // not base64url, or not UTF-8: the same answer as any other made-up cursor
  }
  throw new AppError("invalid_request", "The cursor is not one this API returned.", { code: "invalid_cursor", param: "cursor" });
}

// ── list ──────────────────────────────────────────────────────────────────────────────────

function timeBounds(q: FilterQuery, now: number): { from?: number; to?: number } {
  if (q.from !== undefined && q.last !== undefined) throw new AppError("invalid_request", "Send either 'from' or 'last', not both.", { param: "last" });
  const from = q.from ?? (q.last === undefined ? undefined : (q.to ?? now) - q.last);
  if (from !== undefined && q.to !== undefined && !(from < q.to)) throw new AppError("invalid_request", "'from' must be before 'to'.", { param: "from" });
  return { from, to: q.to };
}

export function filtersOf(tenantId: string, q: FilterQuery): RequestFilters {
  return {
    tenantId,
    ...timeBounds(q, Date.now()),
    keyId: q.key_id,
    model: q.model,
    provider: q.provider,
    endpoint: q.endpoint,
    status: q.status,
    errorType: q.error_type,
    endUser: q.end_user,
    minCostMicros: q.min_cost_micros,
    maxCostMicros: q.max_cost_micros,
    minLatencyMs: q.min_latency_ms,
    maxLatencyMs: q.max_latency_ms,
    requestId: q.request_id,
    traceId: q.trace_id,
  };
}

function rowJson(row: RequestListRow): z.output<typeof requestRowView> {
  return {
    id: row.id,
    created_at: new Date(row.createdAt).toISOString(),
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
    cache_write_5m_tokens: row.cacheWrite5mTokens,
    cache_write_1h_tokens: row.cacheWrite1hTokens,
    cost_micros: row.costMicros,
    estimated: row.estimated,
    unit: row.unit,
    units: row.units,
    end_user: row.endUser,
    attempts: row.attempts ?? [],
    trace_id: row.traceId,
    has_bodies: row.hasBodies,
  };
}

async function listPage(c: ApiContext, q: ListQuery): Promise<z.output<typeof pageView>> {
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  // One row more than the page shows: whether there is a next page, without a count.
  const rows = await listRequests(getDb(c.env.DB), filtersOf(c.var.user.tenantId, q), cursor, q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { data: page.map(rowJson), next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

// ── one call ──────────────────────────────────────────────────────────────────────────────

const storedBodies = z.looseObject({
  request: z.unknown().default(null),
  response: z.unknown().default(null),
  redactions: z.int().min(0).default(0),
  truncated: z.boolean().default(false),
});

const NO_BODIES: Bodies = { bodies: null, bodies_hidden: false, bodies_expired: false };

/** The captured bodies for a caller who may read them; a key outside the tenant's prefix is treated as gone. */
async function readBodies(c: ApiContext, row: RequestRecord): Promise<Bodies> {
  if (row.bodyKey === null) return NO_BODIES;
  if (!hasPermission(c.var.user, "logs:read_bodies")) return { ...NO_BODIES, bodies_hidden: true };
  const object = row.bodyKey.startsWith(bodiesPrefix(row.tenantId)) ? await c.env.LOGS.get(row.bodyKey) : null;
  if (object === null) return { ...NO_BODIES, bodies_expired: true };
  try {
    const { request, response, redactions, truncated } = storedBodies.parse(await unpackBody(await object.arrayBuffer()));
    return { ...NO_BODIES, bodies: { request, response, redactions, truncated } };
  } catch (error) {
    log("warn", "captured bodies unreadable", { requestId: c.var.requestId, key: row.bodyKey, error: String(error) });
    return { ...NO_BODIES, bodies_expired: true };
  }
}

async function detailJson(c: ApiContext, row: RequestRecord): Promise<z.output<typeof requestDetailView>> {
  return {
    ...rowJson({ ...row, hasBodies: row.bodyKey !== null }),
    detail: row.detail ?? null,
    input_cost_micros: row.inputCostMicros,
    cached_input_cost_micros: row.cachedInputCostMicros,
    cache_write_cost_micros: row.cacheWriteCostMicros,
    output_cost_micros: row.outputCostMicros,
    reasoning_cost_micros: row.reasoningCostMicros,
    units_cost_micros: row.unitsCostMicros,
    cache_saved_micros: row.cacheSavedMicros,
    uncollected_micros: row.uncollectedMicros,
    request_bytes: row.requestBytes,
    response_bytes: row.responseBytes,
    ...(await readBodies(c, row)),
  };
}

export const requestsApi = new ApiRouter("requests")
  .endpoint(
    "get",
    "/",
    {
      summary: "Your tenant's calls, newest first, by time, key, model, provider, endpoint, status, error, end user, cost, latency, request or trace id.",
      description:
        "Without from, to or last: the whole log. Pages of `limit` rows; pass next_cursor as cursor for the next. " +
        "Filters by time, key, model, status and end user read an index; the others are checked row by row along the time index.",
      access: "analytics:read",
      query: listQuery,
      response: pageView,
    },
    async (c, { query }) => c.json(await listPage(c, query)),
  )
  .endpoint(
    "get",
    "/:id",
    {
      summary: "One call: its row, timings and attempts (with the headers sent upstream when captured), cost by class, and its captured bodies.",
      description:
        "Bodies only for roles with logs:read_bodies (owner, admin): others get bodies_hidden. Bodies past the tenant's " +
        "log retention are bodies_expired. Another tenant's id is a 404, as an unknown one.",
      access: "analytics:read",
      response: requestDetailView,
    },
    async (c) => {
      const id = c.req.param("id")!;
      const row = id.length <= MAX_ID_LENGTH ? await findRequest(getDb(c.env.DB), c.var.user.tenantId, id) : undefined;
      if (!row) throw new AppError("not_found", "No such request.", { code: "request_not_found" });
      return c.json(await detailJson(c, row));
    },
  );
