// The one fetch-to-provider path: per-attempt timeout (until response headers), caller
// abort, and failures classified so the router knows whether another attempt may help.
// Provider error bodies are kept for the log, never passed to the client verbatim.

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

  /** 429, 5xx, timeouts and connection errors may succeed elsewhere or later; a 4xx will not. */
  get retryable(): boolean {
    if (this.failure !== "http") return true;
    return this.status === 429 || (this.status !== null && this.status >= 500);
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
    const message = typeof body.error === "object" ? body.error?.message : body.error ?? body.message;
    return typeof message === "string" ? message.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}

export interface UpstreamRequest {
  url: string;
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export async function upstreamFetch(req: UpstreamRequest): Promise<Response> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method ?? "POST", headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), signal });
  } catch (error) {
    if (timeout.aborted) throw new UpstreamError("timeout", `no response within ${req.timeoutMs} ms`);
    if (req.signal?.aborted) throw new UpstreamError("network", "the client went away");
    throw new UpstreamError("network", `connection failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (res.ok) return res;
  const text = await res.text().catch(() => "");
  throw new UpstreamError("http", `upstream answered ${res.status}`, {
    status: res.status,
    retryAfterMs: retryAfterMs(res.headers),
    upstreamMessage: upstreamErrorMessage(text),
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
