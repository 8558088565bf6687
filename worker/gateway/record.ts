// The per-request record, written after the response (ctx.waitUntil), off the hot path.
import type { Context } from "hono";
import { AppError, internalError } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { type AttemptRecord, attemptChain, attemptHeaders } from "./attempts.ts";
import { circuitAlerts } from "./circuit-alerts.ts";
import { book } from "./books.ts";
import type { PlannedTarget } from "./plan.ts";
import { type Usage, emptyUsage } from "./types.ts";
import { type CostBreakdown, costBreakdown } from "./cost.ts";
import type { RequestLogRow } from "../db/request-log.ts";
import { type CallMarks, requestDetail } from "./call-detail.ts";
import { type CapturedBodies, storeBodies } from "./capture/store.ts";
import { exportCall, traced } from "./telemetry.ts";

export interface CallRecord {
  c: Context<AppEnv>;
  endpoint: string;
  stream: boolean;
  startedAt: number;
  attempts: AttemptRecord[];
  target: PlannedTarget | undefined;
  status: number;
  /** null: nothing billable (failed before the provider answered, or a cache hit). */
  usage: Usage | null;
  ttfbMs?: number;
  errorType?: string;
  cached?: boolean;
  /** What the pipeline noted as the call ran (timings, capture); absent for a call refused before its plan. */
  marks?: CallMarks;
  /** The request and answer, read only when the call's capture is "bodies". */
  bodies?: () => CapturedBodies;
}

/**
 * Books the call's settlement and its log row (books.ts) and alerts a circuit it opened or closed,
 * all after the response; returns what the call is charged (integer micro-dollars).
 */
export function recordCall(r: CallRecord): number {
  r.c.set("recorded", true);
  const key = r.c.var.apiKey;
  const alerts = circuitAlerts(r.c.env, key.tenantId, r.attempts);
  if (alerts) r.c.executionCtx.waitUntil(alerts);
  const usage = r.usage ?? emptyUsage();
  const cost = r.usage && r.target ? costBreakdown(r.usage, r.target.price) : null;
  const { charged, uncollected } = capped(r.c, cost?.total ?? 0, r.target);
  const endedAt = Date.now();
  const trace = r.c.var.trace;
  // A whole answer's first byte is its last: the time to it is the latency.
  const ttfbMs = r.ttfbMs ?? (r.status < 400 ? endedAt - r.startedAt : null);
  const leased = r.c.var.leased;
  const settlement = {
    requestId: r.c.var.requestId,
    keyId: key.id,
    costMicros: charged,
    tokens: usage.inputTokens + usage.outputTokens,
    endUser: r.c.var.endUser ?? null,
    model: r.target?.name ?? null,
    ...(leased
      ? { lease: { id: leased.lease.id, reservedMicros: leased.reservedMicros, estimatedTokens: leased.estimatedTokens, afterReturn: leased.lease.finish() } }
      : {}),
  };
  book(r.c.executionCtx, r.c.env, {
    tenantId: key.tenantId,
    settlement: { shard: r.c.var.gateShard ?? 0, request: settlement },
    usage: {
      id: r.c.var.requestId,
      tenantId: key.tenantId,
      keyId: key.id,
      provider: r.target?.provider.name ?? null,
      model: r.target?.name ?? null,
      endpoint: r.endpoint,
      status: r.status,
      errorType: r.errorType ?? (r.cached ? "cache_hit" : null),
      stream: r.stream,
      latencyMs: endedAt - r.startedAt,
      ttfbMs,
      ...usageColumns(usage, cost),
      endUser: r.c.var.endUser ?? null,
      costMicros: charged,
      uncollectedMicros: uncollected,
      attempts: attemptChain(r.attempts),
      createdAt: r.startedAt,
      traceId: trace?.traceId ?? null,
      detail: r.marks && requestDetail({ ...r.marks, ...(ttfbMs !== null ? { ttfbMs } : {}) }, r.attempts, endedAt, trace?.spanId),
      bodyKey: r.marks?.capture === "bodies" && r.bodies ? storeBodies(r.c, key.tenantId, r.startedAt, r.marks.observability, r.bodies) : null,
    },
  });
  if (trace && r.marks) traceCall(r, { charged, usage, endedAt });
  return charged;
}

function traceCall(r: CallRecord, outcome: { charged: number; usage: Usage; endedAt: number }): void {
  const marks = r.marks!;
  if (!traced(r.c.env, marks.observability)) return;
  const key = r.c.var.apiKey;
  exportCall(r.c.env, (p) => r.c.executionCtx.waitUntil(p), marks.observability, {
    trace: r.c.var.trace,
    requestId: r.c.var.requestId,
    tenantId: key.tenantId,
    keyId: key.id,
    endpoint: r.endpoint,
    model: r.target?.name ?? null,
    provider: r.target?.provider.name ?? null,
    providerKind: r.target?.provider.kind ?? null,
    status: r.status,
    errorType: r.errorType ?? null,
    inputTokens: outcome.usage.inputTokens,
    outputTokens: outcome.usage.outputTokens,
    costMicros: outcome.charged,
    marks: { ...marks, ...(r.ttfbMs !== undefined ? { ttfbMs: r.ttfbMs } : {}) },
    attempts: r.attempts,
    endedAt: outcome.endedAt,
  });
}

/** A request_log row's token classes, units and their costs. */
export function usageColumns(usage: Usage, cost: CostBreakdown | null) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedTokens,
    cacheWrite5mTokens: usage.cacheWrite5mTokens,
    cacheWrite1hTokens: usage.cacheWrite1hTokens,
    reasoningTokens: usage.reasoningTokens,
    inputCostMicros: cost?.input ?? 0,
    cachedInputCostMicros: cost?.cachedInput ?? 0,
    cacheWriteCostMicros: cost?.cacheWrite ?? 0,
    outputCostMicros: cost?.output ?? 0,
    reasoningCostMicros: cost?.reasoning ?? 0,
    cacheSavedMicros: cost?.cacheSaved ?? 0,
    unit: usage.units?.kind ?? null,
    units: usage.units?.count ?? 0,
    unitsCostMicros: cost?.units ?? 0,
    estimated: usage.estimated,
  } satisfies Partial<RequestLogRow>;
}

/** What a call that cost `cost` is charged: at most what admission reserved for it. */
export function chargedMicros(c: Context<AppEnv>, cost: number): number {
  return Math.min(cost, c.var.reservedMicros ?? 0);
}

/**
 * A call is charged at most what admission reserved for it, so no set of concurrent calls can
 * take a balance below zero; what the provider billed beyond that is the operator's loss, kept
 * in the log as uncollected and warned about.
 */
function capped(c: Context<AppEnv>, cost: number, target: PlannedTarget | undefined): { charged: number; uncollected: number } {
  const charged = chargedMicros(c, cost);
  const uncollected = cost - charged;
  if (uncollected > 0) {
    log("warn", "a call cost more than its reservation; the rest is uncollected", {
      requestId: c.var.requestId,
      tenantId: c.var.apiKey.tenantId,
      model: target?.name,
      platformProvider: target?.provider.tenantId === null,
      uncollectedMicros: uncollected,
    });
  }
  return { charged, uncollected };
}

export interface FailedCall extends Omit<CallRecord, "status" | "usage"> {
  /** The x-ratelimit-* headers admission returned: a failed call counted against the limits too. */
  limitHeaders: Record<string, string>;
}

/**
 * Records a call that failed before any usage (settling its reservation at zero) and rethrows
 * it with the limit headers and the attempt chain in its headers, as a success would have them,
 * so a client sees what was tried without the log.
 */
export function recordFailedCall(r: FailedCall, error: unknown): never {
  const appError = error instanceof AppError ? error : internalError(error, r.c.var.requestId, "gateway call failed on our side");
  recordCall({ ...r, status: appError.status, usage: null, errorType: appError.code });
  throw appError.withHeaders({ ...r.limitHeaders, ...appError.headers, ...attemptHeaders(r.attempts) });
}

/**
 * Calls refused before they reached a provider (invalid body, unknown model, rate limit, no
 * credit) are logged too, so the request log counts every authenticated call.
 */
export const recordRefusals = createMiddleware<AppEnv>(async (c, next) => {
  const startedAt = Date.now();
  await next();
  if (!c.error || c.var.recorded) return;
  const key = c.var.apiKey;
  const code = c.error instanceof AppError ? c.error.code : "internal_error";
  book(c.executionCtx, c.env, {
    tenantId: key.tenantId,
    usage: {
      id: c.var.requestId,
      tenantId: key.tenantId,
      keyId: key.id,
      provider: null,
      model: null,
      endpoint: c.req.path.replace(/^\/v1\//, "").replaceAll("/", "."),
      status: c.res.status,
      errorType: code,
      stream: false,
      latencyMs: Date.now() - startedAt,
      ttfbMs: null,
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      reasoningTokens: 0,
      costMicros: 0,
      estimated: false,
      attempts: [],
      createdAt: startedAt,
    },
  });
});
