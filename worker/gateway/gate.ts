// The gateway's side of TenantGate: one admission RPC before the upstream call, settlement
// after it (off the hot path), and the answers a refused call gets.
import { shardName } from "../../durable-objects/gate/shards.ts";
import type { AdmitRequest, RateLimitInfo } from "../../durable-objects/gate/types.ts";
import { AppError } from "../core/errors.ts";
import type { Env } from "../env.ts";

/** The tenant's gate: shard 0 (the bank, or the only gate) unless a shard is named. */
export function gateFor(env: Env, tenantId: string, shard = 0) {
  return env.TENANT_GATE.get(env.TENANT_GATE.idFromName(shardName(tenantId, shard)));
}

const seconds = (ms: number) => `${Math.max(0, Math.ceil(ms / 1000))}s`;

/** OpenAI's x-ratelimit-* headers, for the limits that apply (none when unlimited). */
export function rateLimitHeaders(limits: RateLimitInfo): Record<string, string> {
  const headers: Record<string, string> = {};
  if (limits.limitRequests !== null) {
    headers["x-ratelimit-limit-requests"] = String(limits.limitRequests);
    headers["x-ratelimit-remaining-requests"] = String(limits.remainingRequests ?? 0);
    headers["x-ratelimit-reset-requests"] = seconds(limits.resetRequestsMs);
  }
  if (limits.limitTokens !== null) {
    headers["x-ratelimit-limit-tokens"] = String(limits.limitTokens);
    headers["x-ratelimit-remaining-tokens"] = String(limits.remainingTokens ?? 0);
    headers["x-ratelimit-reset-tokens"] = seconds(limits.resetTokensMs);
  }
  return headers;
}

/** Admits the call or throws the 401/402/429 the client gets, in its own format. */
export async function admit(env: Env, tenantId: string, req: AdmitRequest, shard = 0): Promise<Record<string, string>> {
  const result = await gateFor(env, tenantId, shard).admit(tenantId, req, shard);
  if (result.ok) return rateLimitHeaders(result.limits);
  if (result.status === 401) throw new AppError("authentication", result.message, { code: result.code });
  if (result.status === 402) throw new AppError("insufficient_quota", result.message, { code: result.code });
  throw new AppError("rate_limit", result.message, {
    code: result.code,
    headers: { "retry-after": String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))), ...rateLimitHeaders(result.limits) },
  });
}

export function settle(
  env: Env,
  tenantId: string,
  shard: number,
  req: { requestId: string; keyId: string; costMicros: number; tokens: number },
): Promise<unknown> {
  return gateFor(env, tenantId, shard)
    .settle(tenantId, req)
    .catch(() => undefined); // an unsettled reservation is released by the gate's alarm
}
