// What the request log keeps of a call beyond its columns: where the time went, each attempt
// with the headers sent upstream (secrets removed), and whether its bodies were captured. The
// gateway writes it (request_log.detail); the request explorer (/api/requests/:id) reads it.

/** How much of a call is kept: nothing beyond the log row, its metadata, or its bodies too (in R2). */
export const CAPTURE_MODES = ["none", "metadata", "bodies"] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];

/** The more detailed of two settings (a key's and its route's). */
export const widerCapture = (a: CaptureMode, b: CaptureMode): CaptureMode => (CAPTURE_MODES.indexOf(a) >= CAPTURE_MODES.indexOf(b) ? a : b);

export interface AttemptDetail {
  target: string;
  provider: string;
  /** "ok", an HTTP status, "timeout", "network", "protocol", "circuit_open"… */
  outcome: string;
  /** From the call's start. */
  startMs: number;
  ms: number;
  /** Its span in the call's trace (sent upstream in traceparent). */
  spanId?: string;
  /** The headers sent to the provider, credentials replaced by [REDACTED] (capture metadata or bodies). */
  headers?: Record<string, string>;
}

export interface RequestDetail {
  /** From the call's start (request read): reading and planning, the gate's admission, the first byte, the end. */
  timings: { queueMs: number; admissionMs: number; ttfbMs: number | null; totalMs: number };
  attempts: AttemptDetail[];
  cache?: "hit" | "miss" | "bypass";
  /** What was captured: metadata (headers), or bodies too (request_log.body_key names them in R2). */
  capture?: Exclude<CaptureMode, "none">;
  /** The call's own span id in its trace (request_log.trace_id). */
  spanId?: string;
}

/** Where a call's captured bodies are kept in the LOGS bucket: under its tenant and its day, so retention deletes whole days. */
export const bodiesPrefix = (tenantId: string) => `bodies/${tenantId}/`;
export const bodyKeyOf = (tenantId: string, requestId: string, at: number) =>
  `${bodiesPrefix(tenantId)}${new Date(at).toISOString().slice(0, 10)}/${requestId}.json.gz`;
