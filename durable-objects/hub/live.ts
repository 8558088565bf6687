// Live fan-out: dashboards subscribe over hibernating WebSockets or over SSE, and get batched
// updates — at most one per PUSH_INTERVAL_MS — with the new events' aggregate deltas and the
// current minute's totals. The window opens on its leading edge: an event after a quiet window
// goes out at once (with whatever else arrived in the same turn); events during a window wait
// for one trailing update at its end. WebSockets survive hibernation (the runtime holds them;
// per-socket state is in the attachment); SSE writers are in memory and keep the object awake
// while open.
import {
  type Sums,
  type SumsJson,
  MINUTE_MS,
  addContribution,
  emptySums,
  histogramQuantile,
  minuteOf,
  sampleQuantile,
  sumsJson,
} from "../../worker/core/sums.ts";
import type { LogEvent } from "./event.ts";

export const PUSH_INTERVAL_MS = 300;
export const SSE_HEARTBEAT_MS = 20_000;
/** An SSE reader this many chunks behind is dropped rather than buffered for. */
const SSE_MAX_BACKLOG = 64;
const SAMPLE_SIZE = 1024;

/** Time and the trailing push's timer: the real ones, unless a test brings its own. */
export interface LiveClock {
  now(): number;
  /** Runs `fn` after `ms`; the function returned cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const realClock: LiveClock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface LiveOptions {
  /** At most one update per this many ms; PUSH_INTERVAL_MS unless given. */
  windowMs?: number;
  clock?: LiveClock;
}

export interface SocketAttachment {
  userId: string;
  connectedAt: number;
}

export interface MinuteJson extends SumsJson {
  start: string;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  /** `sample`: exact over a reservoir sample of the minute; `histogram`: bucket-interpolated. */
  latency_method: "sample" | "histogram";
}

export interface DeltaJson {
  totals: SumsJson;
  by_model: Record<string, SumsJson>;
  by_provider: Record<string, SumsJson>;
  by_key: Record<string, SumsJson>;
}

export type LiveMessage =
  | { type: "hello"; at: string; minute: MinuteJson }
  | { type: "update"; at: string; events: number; delta: DeltaJson; minute: MinuteJson };

interface Delta {
  events: number;
  totals: Sums;
  byModel: Map<string, Sums>;
  byProvider: Map<string, Sums>;
  byKey: Map<string, Sums>;
}

/** Uniform reservoir sample of one minute's latencies (Vitter's algorithm R). */
class Reservoir {
  readonly values: number[] = [];
  private seen = 0;

  add(value: number): void {
    this.seen += 1;
    if (this.values.length < SAMPLE_SIZE) this.values.push(value);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < SAMPLE_SIZE) this.values[j] = value;
    }
  }
}

const encoder = new TextEncoder();
const mapJson = (m: Map<string, Sums>) => Object.fromEntries([...m].map(([k, s]) => [k, sumsJson(s)]));

function addTo(map: Map<string, Sums>, key: string, e: LogEvent): void {
  let sums = map.get(key);
  if (!sums) map.set(key, (sums = emptySums()));
  addContribution(sums, e);
}

export class LiveFanout {
  private readonly ctx: DurableObjectState;
  private readonly minuteSums: (minute: number) => Sums;
  private readonly sse = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private readonly samples = new Map<number, Reservoir>();
  private readonly clock: LiveClock;
  readonly windowMs: number;
  private delta: Delta | null = null;
  private lastPushAt = Number.NEGATIVE_INFINITY;
  /** Cancels the push that is due (leading or trailing); null when none is. */
  private pending: (() => void) | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: DurableObjectState, minuteSums: (minute: number) => Sums, options: LiveOptions = {}) {
    this.ctx = ctx;
    this.minuteSums = minuteSums;
    this.windowMs = options.windowMs ?? PUSH_INTERVAL_MS;
    this.clock = options.clock ?? realClock;
  }

  get websockets(): number {
    return this.ctx.getWebSockets().length;
  }

  get sseStreams(): number {
    return this.sse.size;
  }

  hasSubscribers(): boolean {
    return this.sse.size > 0 || this.websockets > 0;
  }

  /** A newly ingested (not duplicate) event. */
  add(e: LogEvent, now: number): void {
    const minute = minuteOf(e.createdAt);
    let sample = this.samples.get(minute);
    if (!sample) {
      this.samples.set(minute, (sample = new Reservoir()));
      for (const m of this.samples.keys()) if (m < minuteOf(now) - MINUTE_MS) this.samples.delete(m);
    }
    sample.add(e.latencyMs);
    if (!this.hasSubscribers()) return;
    const d = (this.delta ??= { events: 0, totals: emptySums(), byModel: new Map(), byProvider: new Map(), byKey: new Map() });
    d.events += 1;
    addContribution(d.totals, e);
    addTo(d.byModel, e.model ?? "", e);
    addTo(d.byProvider, e.provider ?? "", e);
    addTo(d.byKey, e.keyId ?? "", e);
    this.schedulePush();
  }

  private schedulePush(): void {
    if (this.pending !== null) return;
    const wait = this.lastPushAt + this.windowMs - this.clock.now();
    if (wait > 0) {
      this.pending = this.clock.after(wait, () => this.push());
      return;
    }
    // A microtask rather than now: events added in the same turn go out in this one update.
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) this.push();
    });
    this.pending = () => {
      cancelled = true;
    };
  }

  /** Sends the batch gathered since the last push to every subscriber. */
  push(now = this.clock.now()): void {
    this.pending?.();
    this.pending = null;
    const d = this.delta;
    this.delta = null;
    if (!d) return;
    this.lastPushAt = now;
    const message: LiveMessage = {
      type: "update",
      at: new Date(now).toISOString(),
      events: d.events,
      delta: { totals: sumsJson(d.totals), by_model: mapJson(d.byModel), by_provider: mapJson(d.byProvider), by_key: mapJson(d.byKey) },
      minute: this.minuteView(now),
    };
    this.broadcast(message);
  }

  minuteView(now: number): MinuteJson {
    const minute = minuteOf(now);
    const sums = this.minuteSums(minute);
    const sorted = [...(this.samples.get(minute)?.values ?? [])].sort((a, b) => a - b);
    // After a restart the sample holds only the events since; then the histogram answers.
    const useSample = sorted.length > 0 && sorted.length >= Math.min(sums.requests, SAMPLE_SIZE);
    return {
      start: new Date(minute).toISOString(),
      ...sumsJson(sums),
      latency_ms_p50: useSample ? sampleQuantile(sorted, 0.5) : histogramQuantile(sums.latencyLe, sums.requests, 0.5),
      latency_ms_p95: useSample ? sampleQuantile(sorted, 0.95) : histogramQuantile(sums.latencyLe, sums.requests, 0.95),
      latency_method: useSample ? "sample" : "histogram",
    };
  }

  hello(now = this.clock.now()): LiveMessage {
    return { type: "hello", at: new Date(now).toISOString(), minute: this.minuteView(now) };
  }

  private broadcast(message: LiveMessage): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {
        try {
          ws.close(1011, "send failed");
        } catch {
          // already gone
        }
      }
    }
    if (this.sse.size > 0) this.writeSse(encoder.encode(`event: ${message.type}\ndata: ${text}\n\n`));
  }

  private writeSse(chunk: Uint8Array): void {
    for (const writer of this.sse) {
      if (writer.desiredSize !== null && writer.desiredSize < -SSE_MAX_BACKLOG) {
        this.dropSse(writer);
        continue;
      }
      writer.write(chunk).catch(() => this.dropSse(writer));
    }
  }

  private dropSse(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    if (!this.sse.delete(writer)) return;
    writer.abort().catch(() => undefined);
    if (this.sse.size === 0 && this.heartbeat !== null) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /** Accepts a WebSocket through the Hibernation API and greets it with the current minute. */
  openWebSocket(attachment: SocketAttachment): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [attachment.userId]);
    server.serializeAttachment(attachment);
    server.send(JSON.stringify(this.hello()));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A text/event-stream kept open, fed by the same batches; dropped when the reader goes. */
  openSse(signal: AbortSignal | undefined): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.sse.add(writer);
    signal?.addEventListener("abort", () => this.dropSse(writer));
    writer.closed.catch(() => this.dropSse(writer));
    const hello = this.hello();
    writer.write(encoder.encode(`retry: 3000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`)).catch(() => this.dropSse(writer));
    this.heartbeat ??= setInterval(() => this.writeSse(encoder.encode(": keep-alive\n\n")), SSE_HEARTBEAT_MS);
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
    });
  }
}
