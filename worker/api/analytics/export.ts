// GET /api/analytics/export: the raw request log for a range, streamed page by page as CSV (with
// a header row) or NDJSON, so any range can be exported with one page of rows in memory.
import * as z from "zod";
import { LOG_COLUMNS } from "../../../durable-objects/hub/event.ts";
import { log } from "../../core/logger.ts";
import { exportPage, type RequestCursor, type RequestFilters, type RequestRecord as RequestLogRecord } from "../../db/request-explorer.ts";
import { getDb } from "../../db/client.ts";
import type { SessionUser } from "../../env.ts";
import type { ApiContext } from "../router.ts";
import { filtersOf, requestFilterFields } from "../requests.ts";
import { DAY, resolveRange, tokenField } from "./range.ts";

export const EXPORT_PAGE_ROWS = 500;

export const exportQuery = z.object({
  format: z.enum(["csv", "ndjson"]).default("csv"),
  ...requestFilterFields,
  token: tokenField,
});

/** request_log's columns with created_at moved up next to the id, where a reader looks for it. */
const NOT_EXPORTED = new Set(["id", "created_at", "detail", "body_key"]);
export const EXPORT_COLUMNS = [
  "id",
  "created_at",
  ...LOG_COLUMNS.filter((c): c is Exclude<(typeof LOG_COLUMNS)[number], "id" | "created_at" | "detail" | "body_key"> => !NOT_EXPORTED.has(c)),
] as const;

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
    cache_write_5m_tokens: row.cacheWrite5mTokens,
    cache_write_1h_tokens: row.cacheWrite1hTokens,
    end_user: row.endUser,
    input_cost_micros: row.inputCostMicros,
    cached_input_cost_micros: row.cachedInputCostMicros,
    cache_write_cost_micros: row.cacheWriteCostMicros,
    output_cost_micros: row.outputCostMicros,
    reasoning_cost_micros: row.reasoningCostMicros,
    cache_saved_micros: row.cacheSavedMicros,
    unit: row.unit,
    units: row.units,
    units_cost_micros: row.unitsCostMicros,
    request_bytes: row.requestBytes,
    response_bytes: row.responseBytes,
    trace_id: row.traceId,
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
function exportStream(c: ApiContext, filters: RequestFilters, format: "csv" | "ndjson"): ReadableStream<Uint8Array> {
  const db = getDb(c.env.DB);
  const encoder = new TextEncoder();
  let cursor: RequestCursor | null = null;
  let rows = 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(",")}\r\n`));
      },
      async pull(controller) {
        try {
          const page = await exportPage(db, filters, cursor, EXPORT_PAGE_ROWS);
          if (page.length > 0) {
            controller.enqueue(encoder.encode(page.map(format === "csv" ? csvLine : ndjsonLine).join("")));
            const last = page[page.length - 1]!;
            cursor = { createdAt: last.createdAt, id: last.id };
            rows += page.length;
          }
          if (page.length < EXPORT_PAGE_ROWS) controller.close();
        } catch (error) {
          log("error", "export failed mid-stream", { requestId: c.var.requestId, tenantId: filters.tenantId, rows, error: String(error) });
          controller.error(error);
        }
      },
    },
    { highWaterMark: 1 },
  );
}

export function exportResponse(c: ApiContext, user: SessionUser, query: z.output<typeof exportQuery>): Response {
  const range = resolveRange(query, Date.now(), DAY);
  const filters: RequestFilters = { ...filtersOf(user.tenantId, query), from: range.from, to: range.to };
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, "-");
  const filename = `request-log-${stamp(range.from)}-${stamp(range.to)}.${query.format}`;
  return new Response(exportStream(c, filters, query.format), {
    headers: {
      "content-type": query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}
