// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header read and
// written, and the random trace and span ids of the spans we start.

export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** The span this one is a child of, when it has one. */
  parentSpanId?: string;
  sampled: boolean;
}

const HEX = /^[0-9a-f]+$/;
/** `version-traceid-parentid-flags`: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
const VERSION_00_LENGTH = 55;
const SAMPLED = 0x01;

const isHex = (value: string, length: number) => value.length === length && HEX.test(value);
const isZero = (value: string) => /^0+$/.test(value);

/**
 * The context a `traceparent` header carries, or null when it is absent or invalid (the caller
 * then starts a new trace). Versions after 00 are read as 00 is, as the spec asks: their first
 * four fields, and anything after a dash that follows them ignored.
 */
export function parseTraceparent(header: string | null | undefined): TraceContext | null {
  const value = header?.trim();
  if (!value || value.length < VERSION_00_LENGTH) return null;
  const version = value.slice(0, 2);
  if (!isHex(version, 2) || version === "ff") return null;
  if (value.length > VERSION_00_LENGTH && (version === "00" || value[VERSION_00_LENGTH] !== "-")) return null;
  const [dash, traceId, spanId, flags] = [value[2], value.slice(3, 35), value.slice(36, 52), value.slice(53, 55)];
  if (dash !== "-" || value[35] !== "-" || value[52] !== "-") return null;
  if (!isHex(traceId, 32) || !isHex(spanId, 16) || !isHex(flags, 2)) return null;
  if (isZero(traceId) || isZero(spanId)) return null;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & SAMPLED) === SAMPLED };
}

/** The `traceparent` header (version 00) that makes a callee's spans children of `ctx`'s span. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? "01" : "00"}`;
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
    if (!isZero(hex)) return hex; // all zero is the invalid id; 2^-64 at worst, but never sent
  }
}

/** A random trace id: 32 lowercase hex digits, not all zero. */
export const newTraceId = (): string => randomHex(16);

/** A random span id: 16 lowercase hex digits, not all zero. */
export const newSpanId = (): string => randomHex(8);

/** A new span's context: in the parent's trace (or a new, sampled one) with a new span id. */
export function childContext(parent: TraceContext | null): TraceContext {
  if (!parent) return { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
  return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, sampled: parent.sampled };
}
