// The admission decision, once the tenant's and the key's limits are in memory: synchronous
// against the object's SQLite, so no two admissions interleave and limits are exact.
//
// Rate limits are a sliding-window log: every admission of the last 60 s is a row, and a
// request is admitted iff the rows in (now − 60 s, now] number fewer than the limit. Unlike a
// fixed window it allows no double burst at a boundary, and unlike a token bucket or GCRA it
// needs no refill rate to approximate "N per minute": it *is* N per any minute. Its cost — one
// row per request in the last minute — is what one object handles anyway (~1,000 req/s).
import { grantLease } from "./call-leases.ts";
import { admittedOneByOne, budgetRoom, holdScopes, refusalFor, type ScopeRule } from "./scopes.ts";
import type { GateState } from "./state.ts";
import { type Counted, holdMsOf, type KeyConfig, type TenantConfig, WINDOW_MS, type Window } from "./storage.ts";
import type { AdmitRequest, AdmitResult, LeaseGrant, RateLimitInfo } from "./types.ts";

const EMPTY_WINDOW: Window = { requests: 0, tokens: 0, oldest: null };

export function keyUsable(key: KeyConfig | null, now: number): key is KeyConfig {
  return key !== null && !key.revoked && (key.expiresAt === null || key.expiresAt > now);
}

/** Drops the admissions that left the window, and leases that left it and hold nothing any more. */
export function pruneWindow(state: GateState, now: number): void {
  state.sql.exec("DELETE FROM admissions WHERE at <= ?", now - WINDOW_MS);
  state.sql.exec("DELETE FROM admission_leases WHERE returned = 1 AND slots = 0 AND credit = 0 AND use_by <= ?", now - WINDOW_MS);
}

/**
 * Admits the call (recording it in the window and reserving its most cost) or says why not.
 * `rules` are its scoped limits (scopes.ts). Nothing here awaits: the decision and its writes
 * are one atomic step.
 */
export function decide(state: GateState, config: TenantConfig, key: KeyConfig | null, req: AdmitRequest, rules: ScopeRule[], now: number): AdmitResult {
  if (!keyUsable(key, now)) {
    return { ok: false, status: 401, code: "invalid_api_key", message: "Incorrect API key provided." };
  }
  if (state.shard > 0 && rules.length > 0) {
    return { ok: false, status: 307, code: "ask_the_bank", message: "Scoped limits are decided by the tenant's bank gate." };
  }
  const counted = count(state, config, key, req.keyId, now);
  const oneByOne = admittedOneByOne(rules);
  const offered = req.lease && !oneByOne ? offer(state, config, key, req, counted, keyRoom(state, config, rules, now), now) : null;
  if (offered) return { ok: true, ...offered };
  const { tenant: tenantWindow, key: keyWindow, open, leasedOut } = counted;
  const limits = limitInfo(config, key, tenantWindow, keyWindow, now);

  const overRequests =
    (config.rpm !== null && tenantWindow.requests >= config.rpm ? tenantWindow : null) ??
    (key.rpm !== null && keyWindow.requests >= key.rpm ? keyWindow : null);
  const overTokens =
    (config.tpm !== null && tenantWindow.tokens + req.tokens > config.tpm ? tenantWindow : null) ??
    (key.tpm !== null && keyWindow.tokens + req.tokens > key.tpm ? keyWindow : null);
  const limited = overRequests ?? overTokens;
  if (limited) {
    const retryAfterMs = Math.max(1, (limited.oldest ?? now) + WINDOW_MS - now);
    const what = overRequests ? "requests" : "tokens";
    return { ok: false, status: 429, code: "rate_limit_exceeded", message: `Rate limit reached for ${what} per minute.`, retryAfterMs, limits };
  }
  if (config.concurrency !== null && open.n >= config.concurrency) {
    return {
      ok: false,
      status: 429,
      code: "concurrency_limit_exceeded",
      message: `At most ${config.concurrency} requests may run at once.`,
      retryAfterMs: 1000,
      limits,
    };
  }
  if (config.billingEnabled && state.balance - leasedOut - open.reserved < req.maxCostMicros) {
    return { ok: false, status: 402, code: "insufficient_quota", message: "You exceeded your current quota: add credit to continue." };
  }
  // A shard's lease was granted inside the budget already; the bank checks the rest.
  if (
    state.shard === 0 &&
    config.monthlyBudgetMicros !== null &&
    state.monthSpend(now) + leasedOut + open.reserved + req.maxCostMicros > config.monthlyBudgetMicros
  ) {
    return { ok: false, status: 402, code: "budget_exceeded", message: "This request would exceed the tenant's monthly budget." };
  }
  const scoped = refusalFor(state, rules, req, config.timeZone, now);
  if (scoped) return scoped.status === 429 ? { ...scoped, limits } : scoped;
  state.transaction(() => {
    state.sql.exec("INSERT OR REPLACE INTO admissions (id, key_id, at, tokens) VALUES (?, ?, ?, ?)", req.requestId, req.keyId, now, req.tokens);
    state.sql.exec(
      "INSERT OR REPLACE INTO reservations (id, key_id, amount, expires_at) VALUES (?, ?, ?, ?)",
      req.requestId,
      req.keyId,
      req.maxCostMicros,
      now + holdMsOf(req),
    );
    holdScopes(state, rules, req, now);
  });
  // The answer's limits count this admission: one request and its tokens fewer, and a window
  // that is no longer empty resets when its oldest admission (perhaps this one) leaves it.
  const admitted = (w: Window): Window => ({ requests: w.requests + 1, tokens: w.tokens + req.tokens, oldest: w.oldest ?? now });
  return { ok: true, limits: limitInfo(config, key, admitted(tenantWindow), admitted(keyWindow), now), ...(oneByOne ? { scoped: true as const } : {}) };
}

/** What is left of the key's hard budget, which a lease's credit must fit in; null: no such budget. */
function keyRoom(state: GateState, config: TenantConfig, rules: ScopeRule[], now: number): number | null {
  const rule = rules.find((r) => r.scope.startsWith("key:"));
  return rule ? budgetRoom(state, rule, config.timeZone, now) : null;
}

/** A lease for calls like `req` with no call admitted now (a renewal), or null when there is no room to share. */
export function topUp(state: GateState, config: TenantConfig, key: KeyConfig | null, req: AdmitRequest, rules: ScopeRule[], now: number): LeaseOffer | null {
  if (!keyUsable(key, now) || admittedOneByOne(rules)) return null;
  return offer(state, config, key, req, count(state, config, key, req.keyId, now), keyRoom(state, config, rules, now), now);
}

export interface LeaseOffer {
  lease: LeaseGrant;
  limits: RateLimitInfo;
}

function offer(
  state: GateState,
  config: TenantConfig,
  key: KeyConfig,
  req: AdmitRequest,
  counted: Counted,
  keyBudgetRoom: number | null,
  now: number,
): LeaseOffer | null {
  const lease = grantLease(state, config, key, req, counted, keyBudgetRoom, now);
  if (!lease) return null;
  const held = (w: Window): Window => ({ requests: w.requests + lease.requests, tokens: w.tokens + (lease.tokens ?? 0), oldest: w.oldest ?? now });
  return { lease, limits: limitInfo(config, key, held(counted.tenant), held(counted.key), now) };
}

function count(state: GateState, config: TenantConfig, key: KeyConfig, keyId: string, now: number): Counted {
  pruneWindow(state, now);
  // Counting a window costs a scan of its rows: only where a limit applies.
  return {
    tenant: config.rpm !== null || config.tpm !== null ? countWindow(state, now, null) : EMPTY_WINDOW,
    key: key.rpm !== null || key.tpm !== null ? countWindow(state, now, keyId) : EMPTY_WINDOW,
    open: state.openReservations(),
    leasedOut: state.leasedOut,
  };
}

const WINDOW_SUMS = {
  admissions: "SELECT count(*) AS n, coalesce(sum(tokens), 0) AS t, min(at) AS o FROM admissions WHERE at > ?",
  leases: "SELECT coalesce(sum(requests), 0) AS n, coalesce(sum(tokens), 0) AS t, min(use_by) AS o FROM admission_leases WHERE use_by > ?",
} as const;

/** The window's admissions, and the room of leases whose use ended less than a window ago: the tenant's, or one key's. */
function countWindow(state: GateState, now: number, keyId: string | null): Window {
  const [calls, leases] = [WINDOW_SUMS.admissions, WINDOW_SUMS.leases].map((query) =>
    keyId
      ? state.sql.exec<{ n: number; t: number; o: number | null }>(`${query} AND key_id = ?`, now - WINDOW_MS, keyId).one()
      : state.sql.exec<{ n: number; t: number; o: number | null }>(query, now - WINDOW_MS).one(),
  ) as [{ n: number; t: number; o: number | null }, { n: number; t: number; o: number | null }];
  const oldest = [calls.o, leases.o].filter((t): t is number => t !== null);
  return { requests: calls.n + leases.n, tokens: calls.t + leases.t, oldest: oldest.length ? Math.min(...oldest) : null };
}

function limitInfo(config: TenantConfig, key: KeyConfig, tenant: Window, perKey: Window, now: number): RateLimitInfo {
  const tightest = (tenantLimit: number | null, keyLimit: number | null, used: (w: Window) => number) => {
    const options = [
      ...(tenantLimit !== null ? [{ limit: tenantLimit, remaining: tenantLimit - used(tenant), w: tenant }] : []),
      ...(keyLimit !== null ? [{ limit: keyLimit, remaining: keyLimit - used(perKey), w: perKey }] : []),
    ].sort((a, b) => a.remaining - b.remaining);
    return options[0];
  };
  const r = tightest(config.rpm, key.rpm, (w) => w.requests);
  const t = tightest(config.tpm, key.tpm, (w) => w.tokens);
  const reset = (w?: { oldest: number | null }) => (w?.oldest ? Math.max(0, w.oldest + WINDOW_MS - now) : 0);
  return {
    limitRequests: r?.limit ?? null,
    remainingRequests: r ? Math.max(0, r.remaining) : null,
    resetRequestsMs: reset(r?.w),
    limitTokens: t?.limit ?? null,
    remainingTokens: t ? Math.max(0, t.remaining) : null,
    resetTokensMs: reset(t?.w),
  };
}
