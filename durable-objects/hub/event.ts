// A usage event as the hub takes it: the gateway's request_log row, checked and with every
// optional field made explicit, and its compact form for the hub's SQLite and the D1 flush.
import { type ColumnNames, columnName } from "../../worker/db/columns.ts";
import type { RequestLogRow } from "../../worker/db/request-log.ts";
import { requestLog, UNIT_KINDS, type UnitKind } from "../../worker/db/schema.ts";

/** Every field present; null where the gateway had nothing. */
export interface LogEvent {
  id: string;
  tenantId: string;
  keyId: string | null;
  provider: string | null;
  model: string | null;
  endpoint: string;
  status: number;
  errorType: string | null;
  stream: boolean;
  latencyMs: number;
  ttfbMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  endUser: string | null;
  costMicros: number;
  inputCostMicros: number;
  cachedInputCostMicros: number;
  cacheWriteCostMicros: number;
  outputCostMicros: number;
  reasoningCostMicros: number;
  cacheSavedMicros: number;
  unit: UnitKind | null;
  units: number;
  unitsCostMicros: number;
  uncollectedMicros: number;
  estimated: boolean;
  attempts: string[] | null;
  createdAt: number;
  requestBytes: number | null;
  responseBytes: number | null;
  traceId: string | null;
  /** As JSON text: the hub stores it as it will be written to D1. */
  detail: string | null;
  bodyKey: string | null;
}

/** As the gateway takes it (worker/gateway/end-user.ts). */
export const END_USER_MAX = 128;

// The hub's only caller is this Worker (books.ts), whose row type is checked at compile time;
// what is checked here at run time is what would corrupt the sums or the D1 flush, by hand:
// a schema library's parse was a measurable part of every call's CPU.
class InvalidEvent extends TypeError {
  constructor(field: string, why: string) {
    super(`invalid usage event at '${field}': ${why}`);
  }
}

function text(row: RequestLogRow, field: "id" | "tenantId" | "endpoint", max: number): string {
  const v = row[field];
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw new InvalidEvent(field, `a string of 1 to ${max} characters`);
  return v;
}

function label(row: RequestLogRow, field: "keyId" | "provider" | "model" | "errorType" | "endUser" | "traceId" | "bodyKey", max: number): string | null {
  const v = row[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string" || v.length > max) throw new InvalidEvent(field, `a string of at most ${max} characters`);
  return v;
}

type CountField =
  | "latencyMs"
  | "ttfbMs"
  | "inputTokens"
  | "outputTokens"
  | "cachedTokens"
  | "cacheWrite5mTokens"
  | "cacheWrite1hTokens"
  | "reasoningTokens"
  | "costMicros"
  | "inputCostMicros"
  | "cachedInputCostMicros"
  | "cacheWriteCostMicros"
  | "outputCostMicros"
  | "reasoningCostMicros"
  | "cacheSavedMicros"
  | "units"
  | "unitsCostMicros"
  | "uncollectedMicros"
  | "createdAt"
  | "requestBytes"
  | "responseBytes";

function count(row: RequestLogRow, field: CountField, fallback: number | null): number | null {
  const v = row[field];
  if (v === null || v === undefined) {
    if (fallback === null && (field === "latencyMs" || field === "createdAt")) throw new InvalidEvent(field, "required");
    return fallback;
  }
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidEvent(field, "a whole number ≥ 0");
  return v;
}

function unitOf(row: RequestLogRow): UnitKind | null {
  const v = row.unit;
  if (v === null || v === undefined) return null;
  if (!(UNIT_KINDS as readonly unknown[]).includes(v)) throw new InvalidEvent("unit", `one of ${UNIT_KINDS.join(", ")}`);
  return v;
}

const MAX_DETAIL_CHARS = 32_768;

function detail(row: RequestLogRow): string | null {
  const v = row.detail;
  if (v === null || v === undefined) return null;
  const text = typeof v === "object" ? JSON.stringify(v) : null;
  if (text === null || text.length > MAX_DETAIL_CHARS) throw new InvalidEvent("detail", `an object of at most ${MAX_DETAIL_CHARS} characters as JSON`);
  return text;
}

function attempts(row: RequestLogRow): string[] | null {
  const v = row.attempts;
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || v.length > 100 || v.some((a) => typeof a !== "string" || a.length > 1000)) throw new InvalidEvent("attempts", "at most 100 strings");
  return v;
}

export function parseEvent(row: RequestLogRow): LogEvent {
  if (!Number.isInteger(row.status) || row.status < 100 || row.status > 599) throw new InvalidEvent("status", "an HTTP status");
  return {
    id: text(row, "id", 200),
    tenantId: text(row, "tenantId", 200),
    keyId: label(row, "keyId", 200),
    provider: label(row, "provider", 256),
    model: label(row, "model", 512),
    endpoint: text(row, "endpoint", 256),
    status: row.status,
    errorType: label(row, "errorType", 200),
    stream: row.stream === true,
    latencyMs: count(row, "latencyMs", null)!,
    ttfbMs: count(row, "ttfbMs", null),
    inputTokens: count(row, "inputTokens", 0)!,
    outputTokens: count(row, "outputTokens", 0)!,
    cachedTokens: count(row, "cachedTokens", 0)!,
    cacheWrite5mTokens: count(row, "cacheWrite5mTokens", 0)!,
    cacheWrite1hTokens: count(row, "cacheWrite1hTokens", 0)!,
    reasoningTokens: count(row, "reasoningTokens", 0)!,
    endUser: label(row, "endUser", END_USER_MAX) || null,
    costMicros: count(row, "costMicros", 0)!,
    inputCostMicros: count(row, "inputCostMicros", 0)!,
    cachedInputCostMicros: count(row, "cachedInputCostMicros", 0)!,
    cacheWriteCostMicros: count(row, "cacheWriteCostMicros", 0)!,
    outputCostMicros: count(row, "outputCostMicros", 0)!,
    reasoningCostMicros: count(row, "reasoningCostMicros", 0)!,
    cacheSavedMicros: count(row, "cacheSavedMicros", 0)!,
    unit: unitOf(row),
    units: count(row, "units", 0)!,
    unitsCostMicros: count(row, "unitsCostMicros", 0)!,
    uncollectedMicros: count(row, "uncollectedMicros", 0)!,
    estimated: row.estimated === true,
    attempts: attempts(row),
    createdAt: count(row, "createdAt", null)!,
    requestBytes: count(row, "requestBytes", null),
    responseBytes: count(row, "responseBytes", null),
    traceId: label(row, "traceId", 32),
    detail: detail(row),
    bodyKey: label(row, "bodyKey", 512),
  };
}

/**
 * request_log's columns, in the order of the tuples below: the flush's SQL is built from it.
 * New columns go at the end: an event stored before one was added has a shorter tuple, and
 * its missing slots read as the column's default (flush.ts, pending.ts).
 */
export const LOG_COLUMNS = [
  columnName(requestLog.id),
  columnName(requestLog.tenantId),
  columnName(requestLog.keyId),
  columnName(requestLog.provider),
  columnName(requestLog.model),
  columnName(requestLog.endpoint),
  columnName(requestLog.status),
  columnName(requestLog.errorType),
  columnName(requestLog.stream),
  columnName(requestLog.latencyMs),
  columnName(requestLog.ttfbMs),
  columnName(requestLog.inputTokens),
  columnName(requestLog.outputTokens),
  columnName(requestLog.cachedTokens),
  columnName(requestLog.reasoningTokens),
  columnName(requestLog.costMicros),
  columnName(requestLog.estimated),
  columnName(requestLog.attempts),
  columnName(requestLog.createdAt),
  columnName(requestLog.uncollectedMicros),
  columnName(requestLog.cacheWrite5mTokens),
  columnName(requestLog.cacheWrite1hTokens),
  columnName(requestLog.endUser),
  columnName(requestLog.inputCostMicros),
  columnName(requestLog.cachedInputCostMicros),
  columnName(requestLog.cacheWriteCostMicros),
  columnName(requestLog.outputCostMicros),
  columnName(requestLog.reasoningCostMicros),
  columnName(requestLog.cacheSavedMicros),
  columnName(requestLog.unit),
  columnName(requestLog.units),
  columnName(requestLog.unitsCostMicros),
  columnName(requestLog.requestBytes),
  columnName(requestLog.responseBytes),
  columnName(requestLog.traceId),
  columnName(requestLog.detail),
  columnName(requestLog.bodyKey),
] as const;

// Compile-time check that the flush writes every column request_log has.
type Unwritten = Exclude<ColumnNames<typeof requestLog>, (typeof LOG_COLUMNS)[number]>;
const writesEveryColumn: [Unwritten] extends [never] ? true : Unwritten = true;
void writesEveryColumn;

export type LogTuple = (string | number | null)[];

/** The row as request_log stores it: booleans as 0/1, attempts as JSON text. */
export function toTuple(e: LogEvent): LogTuple {
  return [
    e.id,
    e.tenantId,
    e.keyId,
    e.provider,
    e.model,
    e.endpoint,
    e.status,
    e.errorType,
    e.stream ? 1 : 0,
    e.latencyMs,
    e.ttfbMs,
    e.inputTokens,
    e.outputTokens,
    e.cachedTokens,
    e.reasoningTokens,
    e.costMicros,
    e.estimated ? 1 : 0,
    e.attempts === null ? null : JSON.stringify(e.attempts),
    e.createdAt,
    e.uncollectedMicros,
    e.cacheWrite5mTokens,
    e.cacheWrite1hTokens,
    e.endUser,
    e.inputCostMicros,
    e.cachedInputCostMicros,
    e.cacheWriteCostMicros,
    e.outputCostMicros,
    e.reasoningCostMicros,
    e.cacheSavedMicros,
    e.unit,
    e.units,
    e.unitsCostMicros,
    e.requestBytes,
    e.responseBytes,
    e.traceId,
    e.detail,
    e.bodyKey,
  ];
}
