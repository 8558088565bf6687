// Sends spans to OTLP/HTTP collectors (JSON), batched per collector in this isolate and always
// off the hot path (the caller's waitUntil). A collector that fails or hangs loses its spans:
// at most one retry (429, 503), a warning at most once a minute, and never an error to the caller.
import { log } from "../core/logger.ts";
import { encodeTraces, type ExportTraceServiceRequest, type Span } from "../core/otlp.ts";
import { TtlCache } from "../core/ttl-cache.ts";

export interface OtlpCollector {
  /** The collector's base URL, or its full `…/v1/traces` URL. */
  url: string;
  headers?: Record<string, string>;
}

export interface OtlpExporterOptions {
  /** Per attempt. Default 2,000 ms. */
  timeoutMs?: number;
  /** How long a batch waits for more spans before it leaves. Default 50 ms. */
  delayMs?: number;
  /** Before the one retry of a 429 or 503. Default 250 ms. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export interface OtlpExporterStats {
  /** Spans waiting to be sent. */
  pending: number;
  /** Spans a collector accepted. */
  sent: number;
  /** Spans lost to a collector that failed. */
  failed: number;
  /** Spans dropped, oldest first, while a collector had MAX_PENDING waiting. */
  dropped: number;
}

type WaitUntil = (promise: Promise<unknown>) => void;

interface Pending {
  resource: Record<string, string>;
  span: Span;
}

interface CollectorState {
  key: string;
  url: string;
  headers: Record<string, string>;
  queue: Pending[];
  /** A delivery is waiting out delayMs in some request's waitUntil. */
  scheduled: boolean;
  /** A POST is under way: one at a time per collector, so MAX_PENDING bounds what it holds. */
  sending: boolean;
}

export const BATCH_SIZE = 512;
export const MAX_PENDING = 8_192;
const WARN_EVERY_MS = 60_000;
const POLL_MS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `<url>/v1/traces`, unless the URL already ends so. Throws on a URL that does not parse. */
export function tracesUrl(base: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith("/v1/traces")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.href;
}

/** The same key for the same entries in any order (header names compared lowercased). */
const recordKey = (record: Record<string, string>, lower = false) =>
  JSON.stringify(
    Object.entries(record)
      .map(([name, value]) => [lower ? name.toLowerCase() : name, value])
      .sort(([a = ""], [b = ""]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

const collectorKey = (c: OtlpCollector) => `${c.url}\n${recordKey(c.headers ?? {}, true)}`;

/** What a warning may show of a collector: never its headers, query or credentials. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

export class OtlpExporter {
  private readonly collectors = new Map<string, CollectorState>();
  private readonly warned = new TtlCache<true>(WARN_EVERY_MS);
  private readonly counts = { sent: 0, failed: 0, dropped: 0 };
  private readonly timeoutMs: number;
  private readonly delayMs: number;
  private readonly retryDelayMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: OtlpExporterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.delayMs = options.delayMs ?? 50;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    // Called bare, not as this.fetch(): the Workers global fetch throws "Illegal invocation" on another `this`.
    const f = options.fetch ?? fetch;
    this.fetch = (input, init) => f(input, init);
  }

  /**
   * Queues spans for a collector. The request that finds no delivery scheduled schedules one in
   * its own waitUntil, so a delivery never waits on another request's promise (an error in
   * Workers once that request has ended); a full batch leaves at once. Never throws.
   */
  add(collector: OtlpCollector, resource: Record<string, string>, spans: Span[], waitUntil: WaitUntil): void {
    if (!spans.length) return;
    try {
      const state = this.stateFor(collector);
      for (const span of spans) state.queue.push({ resource, span });
      this.bound(state);
      if (state.queue.length >= BATCH_SIZE && !state.sending) waitUntil(this.drain(state, false));
      else if (!state.scheduled) {
        state.scheduled = true;
        waitUntil(this.deliverSoon(state));
      }
    } catch (error) {
      log("warn", "otlp spans not queued", { error: String(error) });
    }
  }

  /** Sends everything waiting, to every collector; resolves when done (never rejects). */
  async flush(): Promise<void> {
    await Promise.all([...this.collectors.values()].map((state) => this.drain(state, true)));
  }

  stats(): OtlpExporterStats {
    let pending = 0;
    for (const state of this.collectors.values()) pending += state.queue.length;
    return { pending, ...this.counts };
  }

  private stateFor(collector: OtlpCollector): CollectorState {
    const key = collectorKey(collector);
    let state = this.collectors.get(key);
    if (!state) {
      state = { key, url: collector.url, headers: collector.headers ?? {}, queue: [], scheduled: false, sending: false };
      this.collectors.set(key, state);
    }
    return state;
  }

  private bound(state: CollectorState): void {
    const over = state.queue.length - MAX_PENDING;
    if (over <= 0) return;
    state.queue.splice(0, over);
    this.counts.dropped += over;
    this.warn(state, "otlp collector backlog full, oldest spans dropped", { dropped: over });
  }

  private async deliverSoon(state: CollectorState): Promise<void> {
    await sleep(this.delayMs);
    state.scheduled = false;
    await this.drain(state, false);
  }

  /**
   * Sends batches, one POST at a time. Without `all`, stops once another delivery is scheduled
   * (it takes the rest, in its own request), so no request's waitUntil works on for long.
   */
  private async drain(state: CollectorState, all: boolean): Promise<void> {
    // A POST under way is waited for by looking again every few ms, not by awaiting it (it may
    // belong to another request); bounded, since one whose request was cut short never ends.
    const bound = 2 * this.timeoutMs + this.retryDelayMs;
    try {
      while (state.queue.length > 0) {
        for (let waited = 0; state.sending && waited < bound; waited += POLL_MS) await sleep(POLL_MS);
        // No await between the check above and this claim, so two drains never send at once.
        const batch = state.queue.splice(0, BATCH_SIZE);
        if (!batch.length) break;
        state.sending = true;
        try {
          await this.send(state, batch);
        } finally {
          state.sending = false;
        }
        if (!all && state.scheduled) break;
      }
    } catch (error) {
      log("warn", "otlp export failed", { error: String(error) });
    } finally {
      this.forgetIfIdle(state);
    }
  }

  private forgetIfIdle(state: CollectorState): void {
    if (!state.queue.length && !state.scheduled && !state.sending && this.collectors.get(state.key) === state) this.collectors.delete(state.key);
  }

  private async send(state: CollectorState, batch: Pending[]): Promise<void> {
    const body = JSON.stringify(encodeBatch(batch));
    let outcome = await this.post(state, body);
    if (outcome.retry) {
      await sleep(this.retryDelayMs);
      outcome = await this.post(state, body);
    }
    if (outcome.ok) this.counts.sent += batch.length;
    else {
      this.counts.failed += batch.length;
      this.warn(state, "otlp export failed, spans dropped", { reason: outcome.reason, spans: batch.length });
    }
  }

  private async post(state: CollectorState, body: string): Promise<{ ok: boolean; retry?: boolean; reason?: string }> {
    try {
      const headers = new Headers(state.headers);
      headers.set("content-type", "application/json");
      const init: RequestInit = { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) };
      const res = await this.fetch(tracesUrl(state.url), init);
      await res.body?.cancel().catch(() => {});
      if (res.ok) return { ok: true };
      return { ok: false, retry: res.status === 429 || res.status === 503, reason: `HTTP ${res.status}` };
    } catch (error) {
      // AbortSignal.timeout's reason is a DOMException, which is not an Error in every runtime.
      const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
      return { ok: false, reason: timedOut ? `timeout after ${this.timeoutMs} ms` : String(error) };
    }
  }

  private warn(state: CollectorState, message: string, fields: Record<string, unknown>): void {
    if (this.warned.get(state.key)) return;
    this.warned.set(state.key, true);
    log("warn", message, { collector: redact(state.url), ...fields, ...this.counts });
  }
}

/** Spans grouped by resource (the same attributes make the same resource, whatever the object). */
function encodeBatch(batch: Pending[]): ExportTraceServiceRequest {
  const groups = new Map<string, { resource: Record<string, string>; spans: Span[] }>();
  for (const { resource, span } of batch) {
    const key = recordKey(resource);
    const group = groups.get(key);
    if (group) group.spans.push(span);
    else groups.set(key, { resource, spans: [span] });
  }
  return { resourceSpans: [...groups.values()].flatMap(({ resource, spans }) => encodeTraces(resource, spans).resourceSpans) };
}
