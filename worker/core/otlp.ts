// Spans as OTLP/HTTP JSON (ExportTraceServiceRequest, opentelemetry-proto's JSON encoding), and
// the semantic-convention attribute names (GenAI, HTTP, server, error) our spans carry.

export type AttributeValue = string | number | boolean | string[];

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes?: Record<string, AttributeValue>;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: "server" | "client" | "internal";
  /** Epoch milliseconds; fractions are kept down to the nanosecond. */
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  /** Absent: UNSET. */
  status?: { code: "ok" | "error"; message?: string };
  events?: SpanEvent[];
}

// Attribute names, from the OpenTelemetry semantic conventions (GenAI: development status).
/** Deprecated since semconv 1.37 in favour of gen_ai.provider.name; still what most backends read. */
export const ATTR_GEN_AI_SYSTEM = "gen_ai.system";
export const ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const ATTR_GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
export const ATTR_ERROR_TYPE = "error.type";

/** The instrumentation scope our spans are reported under. */
export const SCOPE_NAME = "ai-aggregator";

/** Attributes the conventions type as double: JavaScript cannot tell `1` from `1.0`, so they are named. */
const DOUBLE_ATTRIBUTES = new Set([
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  "gen_ai.request.top_p",
  "gen_ai.request.top_k",
  "gen_ai.request.frequency_penalty",
  "gen_ai.request.presence_penalty",
]);

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  /** int64 as a decimal string, as the protobuf JSON mapping writes it. */
  | { intValue: string }
  /** NaN and the infinities are the strings "NaN", "Infinity", "-Infinity". */
  | { doubleValue: number | string }
  | { arrayValue: { values: OtlpAnyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SPAN_KIND_INTERNAL 1, SERVER 2, CLIENT 3. */
  kind: 1 | 2 | 3;
  /** fixed64 nanoseconds since the epoch, as a decimal string. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events?: { timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }[];
  /** STATUS_CODE_UNSET 0 (the status left out), OK 1, ERROR 2. */
  status?: { code: 1 | 2; message?: string };
}

export interface ExportTraceServiceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

const KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS = { ok: 1, error: 2 } as const;
const NANOS_PER_MS = 1_000_000n;

/**
 * Epoch milliseconds as nanoseconds in a decimal string. Today's epoch in ns (≈1.7e18) is past
 * 2^53, so `ms * 1e6` in floating point would round; the whole milliseconds go through BigInt.
 */
export function msToUnixNano(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0";
  const whole = Math.floor(ms);
  return (BigInt(whole) * NANOS_PER_MS + BigInt(Math.round((ms - whole) * 1e6))).toString();
}

function doubleValue(n: number): OtlpAnyValue {
  return { doubleValue: Number.isFinite(n) ? n : String(n) };
}

function anyValue(key: string, value: AttributeValue): OtlpAnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  if (Number.isSafeInteger(value) && !DOUBLE_ATTRIBUTES.has(key)) return { intValue: String(value) };
  return doubleValue(value);
}

export function encodeAttributes(attributes: Record<string, AttributeValue>): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(key, value) }));
}

function encodeSpan(span: Span): OtlpSpan {
  const out: OtlpSpan = {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: KIND[span.kind],
    startTimeUnixNano: msToUnixNano(span.startMs),
    endTimeUnixNano: msToUnixNano(span.endMs),
    attributes: encodeAttributes(span.attributes),
  };
  if (span.events?.length) {
    out.events = span.events.map((e) => ({ timeUnixNano: msToUnixNano(e.timeMs), name: e.name, attributes: encodeAttributes(e.attributes ?? {}) }));
  }
  if (span.status) {
    out.status = { code: STATUS[span.status.code], ...(span.status.message ? { message: span.status.message } : {}) };
  }
  return out;
}

/** One resource's spans as the body of `POST /v1/traces` (content-type: application/json). */
export function encodeTraces(resource: Record<string, string>, spans: Span[]): ExportTraceServiceRequest {
  return {
    resourceSpans: [{ resource: { attributes: encodeAttributes(resource) }, scopeSpans: [{ scope: { name: SCOPE_NAME }, spans: spans.map(encodeSpan) }] }],
  };
}
