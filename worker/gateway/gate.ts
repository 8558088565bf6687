// The gateway's side of TenantGate: the admission RPC before the upstream call (when no lease
// covers it) and the answers a refused call gets. Settlements go in batches (books.ts).
import { shardName } from "../../durable-objects/gate/shards.ts";
import type { AdmitRequest, LeaseGrant, RateLimitInfo } from "../../durable-objects/gate/types.ts";
import { AppError } from "../core/errors.ts";
import type { Env } from "../env.ts";

/** The tenant's gate: shard 0 (the bank, or the only gate) unless a shard is named. */
export function gateFor(env: Env, tenantId: string, shard = 0) {
  return env.TENANT_GATE.get(env.TENANT_GATE.idFromName(shardName(tenantId, shard)));
}

/**
 * For calls nothing admits (model lists, stored responses): the gate is asked whether the key is
 * still usable, so one revoked in another isolate stops at once, not when this one's cache expires.
 */
export async function assertKeyUsable(env: Env, key: { tenantId: string; id: string }): Promise<void> {
  if (!(await gateFor(env, key.tenantId).keyUsable(key.tenantId, key.id))) {
    throw new AppError("authentication", "Incorrect API key provided.", { code: "invalid_api_key" });
  }
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

/**
 * Admits the call (perhaps with a lease) or throws the 401/402/429 the client gets, in its own
 * format; `askTheBank` when a shard leaves the call's scoped limits to the bank.
 */
export async function admit(
  env: Env,
  tenantId: string,
  req: AdmitRequest,
  shard = 0,
): Promise<{ limits: RateLimitInfo; lease?: LeaseGrant; scoped?: true } | { askTheBank: true }> {
  const result = await gateFor(env, tenantId, shard).admit(tenantId, req, shard);
  if (result.ok) return result;
  if (result.status === 307) return { askTheBank: true };
  if (result.status === 401) throw new AppError("authentication", result.message, { code: result.code });
  if (result.status === 402) throw new AppError("insufficient_quota", result.message, { code: result.code });
  throw new AppError("rate_limit", result.message, {
    code: result.code,
    headers: { "retry-after": String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))), ...rateLimitHeaders(result.limits) },
  });
}
