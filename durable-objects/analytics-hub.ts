// AnalyticsHub: one per tenant (`ANALYTICS_HUB.idFromName(tenantId)`). It takes the gateway's
// usage events, keeps per-minute aggregates, fans updates out to live dashboards and flushes
// the request log, the minute rollups and the per-day end-user rollups to D1 — exactly once.
//
//   ingest(row)  stores the event in the hub's SQLite (one insert, idempotent by request id: a
//                known id changes nothing), adds it to the in-memory sums of pending events,
//                queues a live update and makes sure an alarm is set. No rollup is written here.
//   alarm()      flushes in rounds of pending events: new absolute rollups = stored + the
//                round's sums, written to D1 with the round's request_log rows in one batch
//                (see hub/flush.ts); only after D1 committed, one SQLite transaction marks the
//                events flushed and stores those rollups and the totals. A failure before or
//                after D1 commits changes nothing here, so the retry writes the same absolutes;
//                it backs off exponentially. The event rows are the truth: after a restart the
//                pending sums are summed again from them, so nothing is lost.
//   reads        live views and metrics() are stored (flushed) sums plus the pending sums.
//   fetch()      `/ws` (WebSocket, Hibernation API) and `/sse` (text/event-stream) subscriptions;
//                the Worker has authenticated the caller and picked this tenant's hub.
import { DurableObject } from "cloudflare:workers";
import { AppError, errorResponse } from "../worker/core/errors.ts";
import { log } from "../worker/core/logger.ts";
import { addSums, minuteOf } from "../worker/core/sums.ts";
import type { RequestLogRow } from "../worker/db/request-log.ts";
import { AlarmClock } from "./alarm-clock.ts";
import type { Env } from "./bindings.ts";
import { type LogEvent, parseEvent } from "./hub/event.ts";
import { type HubSink, d1Sink } from "./hub/flush.ts";
import { LiveFanout, type LiveMessage, type SocketAttachment } from "./hub/live.ts";
import { PendingSums, mergeTotals } from "./hub/pending.ts";
import { type FlushRound, HubStore, type IngestOutcome, type TotalsRecord } from "./hub/store.ts";

/** How long events gather before a flush: one D1 batch carries many requests. */
export const FLUSH_DELAY_MS = 1000;
const EVENTS_PER_ROUND = 1000;
/** Only for rollups an older hub left unwritten; a round's own rollups are at most its events. */
const ROLLUPS_PER_ROUND = 1000;
const MAX_ROUNDS = 10;
const MAX_BACKOFF_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export interface HubHealth {
  ok: true;
  subscribers: number;
  pending: number;
}

export type IngestResult = IngestOutcome;

export interface FlushResult {
  ok: boolean;
  events: number;
  rollups: number;
  rounds: number;
  ms: number;
  error?: string;
  retryInMs?: number;
}

export interface HubStats {
  tenantId: string | null;
  pendingEvents: number;
  /** Rollups the pending events (or an older hub) still have to write to D1. */
  dirtyRollups: number;
  websockets: number;
  sseStreams: number;
  failures: number;
}

export interface HubMetrics {
  tenantId: string | null;
  totals: TotalsRecord[];
  pendingEvents: number;
  subscribers: number;
}

export function backoffMs(failures: number, random = Math.random()): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}

export class AnalyticsHub extends DurableObject<Env> {
  private readonly store: HubStore;
  private readonly live: LiveFanout;
  /** The pending events' sums: SQLite's rollups and totals hold only flushed ones. */
  private pendingSums = new PendingSums();
  /** Where flushes go: D1. Tests replace it to make D1 fail before or after it commits. */
  sink: HubSink;
  private tenantId: string | null = null;
  private flushing: Promise<FlushResult> | null = null;
  private readonly clock: AlarmClock;
  private backoffUntil = 0;
  private nextPruneAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new HubStore(ctx.storage);
    this.clock = new AlarmClock(ctx.storage);
    this.sink = d1Sink(env.DB);
    this.live = new LiveFanout(ctx, (minute) => addSums(this.store.minuteSums(minute), this.pendingSums.minute(minute)));
    ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      this.pendingSums = new PendingSums(this.store.pendingRollups());
      this.tenantId = this.store.meta("tenant_id");
      this.backoffUntil = Number(this.store.meta("backoff_until") ?? 0);
    });
    // Answered by the runtime without waking a hibernated hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  health(): HubHealth {
    return { ok: true, subscribers: this.live.websockets + this.live.sseStreams, pending: this.store.pendingCount() };
  }

  // ── intake ────────────────────────────────────────────────────────────────────────────

  /** One request's usage: the same row the gateway would write to request_log. */
  async ingest(row: RequestLogRow): Promise<IngestResult> {
    let event: LogEvent;
    try {
      event = parseEvent(row);
    } catch (error) {
      return this.refused(row, { accepted: false, reason: "invalid", message: error instanceof Error ? error.message : String(error) });
    }
    if (!this.bindTenant(event.tenantId)) {
      return this.refused(row, {
        accepted: false,
        reason: "wrong_tenant",
        message: `this analytics hub belongs to tenant ${this.tenantId ?? this.ctx.id.name}`,
      });
    }
    const now = Date.now();
    const outcome = this.store.ingest(event, now);
    if (!outcome.accepted) return this.refused(row, outcome);
    if (!outcome.duplicate) {
      this.pendingSums.add({ minute: minuteOf(event.createdAt), model: event.model ?? "", provider: event.provider ?? "", keyId: event.keyId ?? "" }, event);
      this.live.add(event, now);
      // Under a steady stream of events the alarm may lag (seen on local workerd: nothing
      // flushed during a 9 s burst), so a full round's worth of pending events flushes at once.
      if (this.store.pendingCount() >= EVENTS_PER_ROUND && !this.flushing && now >= this.backoffUntil) void this.flush();
      await this.schedule(now + FLUSH_DELAY_MS);
    }
    return outcome;
  }

  /** An isolate's batch of usage events (gateway/books.ts): stored in one commit, each once, and pushed live together. */
  ingestMany(rows: RequestLogRow[]): Promise<IngestResult[]> {
    return Promise.all(rows.map((row) => this.ingest(row)));
  }

  private refused(row: RequestLogRow, outcome: IngestResult): IngestResult {
    const reason = outcome.accepted ? undefined : outcome.reason;
    log("warn", "usage event refused", {
      requestId: typeof row?.id === "string" ? row.id : null,
      tenantId: this.tenantId,
      reason,
      message: outcome.accepted ? undefined : outcome.message,
    });
    return outcome;
  }

  /** The first event names the hub's tenant; events of any other tenant are refused. */
  private bindTenant(tenantId: string): boolean {
    if (this.tenantId === tenantId) return true;
    const named = this.ctx.id.name;
    if (this.tenantId !== null || (named !== undefined && named !== tenantId)) return false;
    this.store.setMeta("tenant_id", tenantId);
    this.tenantId = tenantId;
    return true;
  }

  // ── flush ─────────────────────────────────────────────────────────────────────────────

  /** Sets the alarm for `at` unless one is due sooner; never sooner than a running backoff. */
  private async schedule(at: number, force = false): Promise<void> {
    const when = Math.max(at, this.backoffUntil);
    await (force ? this.clock.set(when) : this.clock.wakeBy(when));
  }

  override async alarm(): Promise<void> {
    this.clock.fired();
    await this.flush();
  }

  /** Flushes now (the alarm does this; operators and tests may too). One flush at a time. */
  flush(): Promise<FlushResult> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushAll(): Promise<FlushResult> {
    const started = Date.now();
    let events = 0;
    let rollups = 0;
    let rounds = 0;
    let more = false;
    try {
      while (this.tenantId !== null && rounds < MAX_ROUNDS) {
        const round = this.store.nextRound(EVENTS_PER_ROUND, ROLLUPS_PER_ROUND);
        if (round === null) break;
        await this.writeRound(this.tenantId, round);
        events += round.events.length;
        rollups += round.rollups.length;
        rounds += 1;
        more = round.full;
        if (!more) break;
      }
    } catch (error) {
      const failures = Number(this.store.meta("flush_failures") ?? 0) + 1;
      const delay = backoffMs(failures);
      const now = Date.now();
      this.backoffUntil = now + delay;
      this.store.setMeta("flush_failures", failures);
      this.store.setMeta("backoff_until", this.backoffUntil);
      log("error", "analytics flush failed; will retry", { tenantId: this.tenantId, failures, retryInMs: delay, error: String(error) });
      await this.schedule(now + delay, true);
      return { ok: false, events, rollups, rounds, ms: now - started, error: String(error), retryInMs: delay };
    }
    if (this.backoffUntil !== 0 || this.store.meta("flush_failures") !== null) {
      this.backoffUntil = 0;
      this.ctx.storage.sql.exec("DELETE FROM meta WHERE key IN ('flush_failures', 'backoff_until')");
    }
    const now = Date.now();
    let pruneAt: number | null = this.nextPruneAt;
    if (now >= this.nextPruneAt) {
      pruneAt = this.store.prune(now);
      this.nextPruneAt = now + PRUNE_EVERY_MS;
    }
    if (more) await this.schedule(now, true);
    else if (this.store.pendingCount() > 0 || this.store.unwrittenCount() > 0) await this.schedule(now + FLUSH_DELAY_MS);
    else if (pruneAt !== null) await this.schedule(Math.max(pruneAt, this.nextPruneAt));
    return { ok: true, events, rollups, rounds, ms: Date.now() - started };
  }

  private async writeRound(tenantId: string, round: FlushRound): Promise<void> {
    await this.sink.write({ tenantId, events: round.events.map((e) => e.tuple), rollups: round.rollups, endUsers: round.endUsers });
    // Only now that D1 has committed: a crash before this line recomputes the same absolutes.
    this.store.commitRound(round, Date.now());
    this.pendingSums.subtract(round.added);
  }

  stats(): HubStats {
    return {
      tenantId: this.tenantId,
      pendingEvents: this.store.pendingCount(),
      dirtyRollups: this.pendingSums.size + this.store.unwrittenCount(),
      websockets: this.live.websockets,
      sseStreams: this.live.sseStreams,
      failures: Number(this.store.meta("flush_failures") ?? 0),
    };
  }

  /** Cumulative counters per model and provider since the hub began: /api/metrics. */
  metrics(): HubMetrics {
    return {
      tenantId: this.tenantId,
      totals: mergeTotals(this.store.totals(), this.pendingSums.totalsList()),
      pendingEvents: this.store.pendingCount(),
      subscribers: this.live.websockets + this.live.sseStreams,
    };
  }

  // ── live ──────────────────────────────────────────────────────────────────────────────

  /** The current minute, as a subscriber's first message has it: for one-shot polling. */
  snapshot(): LiveMessage {
    return this.live.hello();
  }

  /** Sends any gathered update at once instead of at the end of the batching window. */
  pushNow(): void {
    this.live.push();
  }

  override async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const userId = request.headers.get("x-user-id") ?? "";
    const ticket = request.headers.get("x-ticket-id");
    if (path !== "/ws" && path !== "/sse") return errorResponse(new AppError("not_found", "No such hub endpoint."), "api");
    const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (path === "/ws" && !upgrade) {
      return errorResponse(new AppError("invalid_request", "Send 'Upgrade: websocket' for a WebSocket subscription.", { code: "upgrade_required" }), "api");
    }
    if (ticket !== null && !this.store.useTicket(ticket, Number(request.headers.get("x-ticket-expires") ?? Date.now()))) {
      return errorResponse(new AppError("authentication", "This ticket was already used: ask for a new one.", { code: "ticket_used" }), "api");
    }
    if (path === "/ws") {
      const attachment: SocketAttachment = { userId, connectedAt: Date.now() };
      return this.live.openWebSocket(attachment);
    }
    return this.live.openSse(request.signal);
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (message === "snapshot" || (typeof message === "string" && message.includes('"snapshot"'))) ws.send(JSON.stringify(this.live.hello()));
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed: the runtime drops it from getWebSockets()
    }
  }

  override webSocketError(ws: WebSocket): void {
    try {
      ws.close(1011, "error");
    } catch {
      // already closed
    }
  }
}
