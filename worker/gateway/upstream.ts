// The one fetch-to-provider path: per-attempt timeout (for an event stream until its response
// headers, otherwise until the whole body is read), caller abort, and failures classified so
// the router knows whether another attempt may help. Provider error texts are kept for the log
// and mapped errors with the provider's key and URL scrubbed, never passed on verbatim.
// Redirects are not followed: their target was never checked like a configured base URL (a
// Worker cannot resolve it), and following one would send the provider's key there.
import { HOP_HEADER } from "./hops.ts";

export const isRedirect = (status: number): boolean => status >= 300 && status < 400;

export type UpstreamFailure = "http" | "timeout" | "network" | "protocol";

export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  readonly status: number | null;
  readonly retryAfterMs: number | undefined;
  /** The upstream's own error message, when it sent one (for the log and a 4xx pass-through). */
  readonly upstreamMessage: string | undefined;

  constructor(failure: UpstreamFailure, message: string, options: { status?: number; retryAfterMs?: number; upstreamMessage?: string } = {}) {
    super(message);
    this.name = "UpstreamError";
    this.failure = failure;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs;
    this.upstreamMessage = options.upstreamMessage;
  }

  /** 429, 5xx, redirects, timeouts and connection errors may succeed elsewhere or later; a 4xx or a loop (508) will not. */
  get retryable(): boolean {
    if (this.failure !== "http") return true;
    if (this.status === null || this.status === 508) return false;
    return this.status === 429 || this.status >= 500 || isRedirect(this.status);
  }
}

export const notJsonEvent = () => new UpstreamError("protocol", "upstream sent an event that is not JSON");

export function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The message inside an OpenAI, Anthropic or Gemini error body, if there is one. */
function upstreamErrorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === "object" ? body.error?.message : (body.error ?? body.message);
    return typeof message === "string" ? message : undefined;
  } catch {
    return undefined;
  }
}

const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "x-goog-api-key", "api-key"];

/** Text from or about the upstream made safe to pass on: its credentials and its URL removed. */
export function scrubUpstream(text: string, req: Pick<UpstreamRequest, "url" | "headers">): string {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (!CREDENTIAL_HEADERS.includes(name.toLowerCase()) || !value) continue;
    secrets.push(value, value.replace(/^Bearer\s+/i, ""));
  }
  try {
    const url = new URL(req.url);
    secrets.push(req.url, `${url.origin}${url.pathname}`, url.origin, url.host);
  } catch {
    secrets.push(req.url);
  }
  let out = text;
  for (const secret of secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join("[redacted]");
  return out.slice(0, 500);
}

export interface UpstreamRequest {
  url: string;
  method?: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
  /** JSON text, or a multipart form (fetch sets its content type and boundary). */
  body?: string | FormData;
  /** An answer that is not JSON (speech audio) is handed on unread, timed like a stream: until its headers. */
  binary?: boolean;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Sent as x-aggregator-hops: the incoming count plus one (see hops.ts). */
  hops: number;
  /** The attempt's place in the call's trace, sent as traceparent; and who wants to see the headers sent. */
  trace?: UpstreamTrace | undefined;
}

export interface UpstreamTrace {
  traceparent: string;
  /** The headers as sent (credentials included: the receiver redacts them). */
  onSend?: (headers: Record<string, string>) => void;
}

export async function upstreamFetch(req: UpstreamRequest): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout.signal, req.signal]) : timeout.signal;
  const headers = { ...req.headers, [HOP_HEADER]: String(req.hops), ...(req.trace ? { traceparent: req.trace.traceparent } : {}) };
  req.trace?.onSend?.(headers);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? "POST",
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      redirect: "manual",
      signal,
    });
  } catch (error) {
    clearTimeout(timer);
    if (timeout.signal.aborted) throw new UpstreamError("timeout", `no response within ${req.timeoutMs} ms`);
    if (req.signal?.aborted) throw new UpstreamError("network", "the client went away");
    throw new UpstreamError("network", `connection failed: ${scrubUpstream(error instanceof Error ? error.message : String(error), req)}`);
  }
  if (isRedirect(res.status)) {
    clearTimeout(timer);
    await res.body?.cancel().catch(() => undefined);
    throw new UpstreamError("http", `upstream answered ${res.status}, a redirect (not followed)`, { status: res.status });
  }
  // A stream may run for longer than the attempt's timeout: only its start is timed.
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && (type.startsWith("text/event-stream") || (req.binary && !type.startsWith("application/json")))) {
    clearTimeout(timer);
    return res;
  }
  // Any other body is read here, under the timeout, and handed on whole.
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw timeout.signal.aborted
      ? new UpstreamError("timeout", `no complete answer within ${req.timeoutMs} ms`)
      : new UpstreamError("network", "the connection broke while reading the answer");
  } finally {
    clearTimeout(timer);
  }
  if (res.ok) return new Response(text, { status: res.status, headers: res.headers });
  const message = upstreamErrorMessage(text);
  throw new UpstreamError("http", `upstream answered ${res.status}`, {
    status: res.status,
    retryAfterMs: retryAfterMs(res.headers),
    ...(message !== undefined ? { upstreamMessage: scrubUpstream(message, req) } : {}),
  });
}

/** Parses a JSON body, a protocol error if it is not JSON. */
export async function upstreamJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
  }
}
