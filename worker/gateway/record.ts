// The per-request record, written after the response (ctx.waitUntil), off the hot path.
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import type { AttemptRecord } from "./attempts.ts";
import type { PlannedTarget } from "./plan.ts";
import { type Usage, emptyUsage } from "./types.ts";
import { costMicros, recordUsage } from "./usage.ts";

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
}

export function recordCall(r: CallRecord): void {
  const key = r.c.var.apiKey;
  const usage = r.usage ?? emptyUsage();
  r.c.executionCtx.waitUntil(
    recordUsage(r.c.env, {
      id: r.c.var.requestId,
      tenantId: key.tenantId,
      keyId: key.id,
      provider: r.target?.provider.name ?? null,
      model: r.target?.name ?? null,
      endpoint: r.endpoint,
      status: r.status,
      errorType: r.errorType ?? (r.cached ? "cache_hit" : null),
      stream: r.stream,
      latencyMs: Date.now() - r.startedAt,
      ttfbMs: r.ttfbMs ?? (r.status < 400 ? Date.now() - r.startedAt : null),
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedTokens: usage.cachedTokens,
      reasoningTokens: usage.reasoningTokens,
      costMicros: r.usage && r.target ? costMicros(r.usage, r.target.price) : 0,
      estimated: usage.estimated,
      attempts: r.attempts.map((a) => `${a.target}=${a.outcome}`),
      createdAt: r.startedAt,
    }),
  );
}
