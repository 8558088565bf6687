// A usage event as the hub takes it: the gateway's request_log row, checked and with every
// optional field made explicit, and its compact form for the hub's SQLite and the D1 flush.
import * as z from "zod";
import { type ColumnNames, columnName } from "../../worker/db/columns.ts";
import type { RequestLogRow } from "../../worker/db/request-log.ts";
import { requestLog } from "../../worker/db/schema.ts";

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const label = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => v ?? null);

const eventSchema = z.object({
  id: z.string().min(1).max(200),
  tenantId: z.string().min(1).max(200),
  keyId: label(200),
  provider: label(256),
  model: label(512),
  endpoint: z.string().min(1).max(256),
  status: z.int().min(100).max(599),
  errorType: label(200),
  stream: z.boolean().default(false),
  latencyMs: count,
  ttfbMs: count.nullish().transform((v) => v ?? null),
  inputTokens: count.default(0),
  outputTokens: count.default(0),
  cachedTokens: count.default(0),
  reasoningTokens: count.default(0),
  costMicros: count.default(0),
  uncollectedMicros: count.default(0),
  estimated: z.boolean().default(false),
  attempts: z
    .array(z.string().max(1000))
    .max(100)
    .nullish()
    .transform((v) => v ?? null),
  createdAt: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** Every field present; null where the gateway had nothing. */
export type LogEvent = z.output<typeof eventSchema>;

// Compile-time check that the hub accepts exactly the row the gateway writes.
const acceptsGatewayRow = (row: RequestLogRow): z.input<typeof eventSchema> => row;
void acceptsGatewayRow;

export function parseEvent(row: RequestLogRow): LogEvent {
  const result = eventSchema.safeParse(row);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new TypeError(`invalid usage event${issue ? ` at '${issue.path.join(".")}': ${issue.message}` : ""}`);
}

/** request_log's columns, in the order of the tuples below: the flush's SQL is built from it. */
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
  ];
}
