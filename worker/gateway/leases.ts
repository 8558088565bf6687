// Admission leases as this isolate holds them (the gate's side: durable-objects/gate/call-leases.ts).
// A call that fits in its key's lease is admitted here, with no round trip; one that does not
// goes to the gate, which admits it exactly and may grant a new lease on the way. A lease is
// renewed in the background once half of it is used or half of its time has passed, and handed
// back through the books (books.ts) when replaced or out of time.
import { capMatches } from "../../durable-objects/gate/scopes.ts";
import type { LeaseGrant, LeaseReturn, RateLimitInfo } from "../../durable-objects/gate/types.ts";
import type { Env } from "../env.ts";
import { gateFor } from "./gate.ts";

/** Calls one lease asks room for; "0" in ADMISSION_LEASE_REQUESTS turns leases off. */
const DEFAULT_LEASE_REQUESTS = 128;

export function leaseRequests(value: string | undefined): number {
  const n = value === undefined || value.trim() === "" ? DEFAULT_LEASE_REQUESTS : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, 10_000) : DEFAULT_LEASE_REQUESTS;
}

/** What one call needs of a lease, and what it is made for: limits on its end user or models may keep it out of leases. */
export interface CallNeed {
  tokens: number;
  maxCostMicros: number;
  endUser: string | null;
  targets: string[];
}

export class HeldLease {
  readonly id: string;
  readonly key: string;
  private readonly grant: LeaseGrant;
  private readonly grantedAt: number;
  private readonly useBy: number;
  private readonly limits: RateLimitInfo;
  private requests: number;
  private tokens: number | null;
  private credit: number | null;
  private open = 0;
  returned = false;

  constructor(key: string, grant: LeaseGrant, limits: RateLimitInfo, now: number) {
    this.id = grant.id;
    this.key = key;
    this.grant = grant;
    this.grantedAt = now;
    this.useBy = now + grant.useForMs;
    this.limits = limits;
    this.requests = grant.requests;
    this.tokens = grant.tokens;
    this.credit = grant.creditMicros;
  }

  msLeft(now: number): number {
    return Math.max(0, this.useBy - now);
  }

  usable(now: number): boolean {
    return !this.returned && now < this.useBy && this.requests > 0;
  }

  /** Whether the call is under an end user's or a model's limits, which only the gate checks. */
  leavesToGate(need: CallNeed): boolean {
    const { endUsers, models } = this.grant.exactFor;
    return (need.endUser !== null && endUsers) || need.targets.some((t) => models.some((pattern) => capMatches(pattern, t)));
  }

  /** Takes one call's room if it fits. */
  take(need: CallNeed, now: number): boolean {
    if (!this.usable(now) || this.requests < 1 || this.leavesToGate(need)) return false;
    if (this.tokens !== null && this.tokens < need.tokens) return false;
    if (this.credit !== null && this.credit < need.maxCostMicros) return false;
    if (this.grant.slots !== null && this.open >= this.grant.slots) return false;
    this.requests -= 1;
    if (this.tokens !== null) this.tokens -= need.tokens;
    if (this.credit !== null) this.credit -= need.maxCostMicros;
    this.open += 1;
    return true;
  }

  /** A call of this lease ended; whether the lease had been handed back before it did. */
  finish(): boolean {
    this.open = Math.max(0, this.open - 1);
    return this.returned;
  }

  /** Half of it used or half of its time gone: time to ask for the next one. */
  wantsRenewal(now: number): boolean {
    return this.requests * 2 < this.grant.requests || (now - this.grantedAt) * 2 > this.grant.useForMs;
  }

  handBack(): LeaseReturn {
    this.returned = true;
    return {
      id: this.id,
      unusedRequests: this.requests,
      unusedTokens: this.tokens ?? 0,
      unusedCreditMicros: this.credit ?? 0,
      open: this.open,
    };
  }

  /** The x-ratelimit-* figures as of this call: the gate's at the grant plus what the lease has not used. */
  limitsNow(now: number): RateLimitInfo {
    const elapsed = now - this.grantedAt;
    const l = this.limits;
    return {
      ...l,
      remainingRequests: l.remainingRequests === null ? null : l.remainingRequests + this.requests,
      remainingTokens: l.remainingTokens === null ? null : l.remainingTokens + (this.tokens ?? 0),
      resetRequestsMs: Math.max(0, l.resetRequestsMs - elapsed),
      resetTokensMs: Math.max(0, l.resetTokensMs - elapsed),
    };
  }
}

/**
 * This isolate's leases by tenant and key (a renewal arrives while the lease before it still has
 * room: both are used, so no room is handed back early), the keys a lease is being asked for, and
 * when the gate last said there was no room to share.
 *
 * Calls of other requests never await the request that asks (a promise of one request resolved
 * in another is an error in Workers once the first has ended): they look at this state again.
 */
const held = new Map<string, HeldLease[]>();
const asking = new Set<string>();
const refusedAt = new Map<string, number>();
/** How long "no room to share" holds before a call asks for a lease again. */
const REFUSAL_MS = 100;

export const leaseKey = (tenantId: string, keyId: string) => `${tenantId}\n${keyId}`;

/** Takes one call's room from the first of the key's leases it fits in; hands back those out of time. */
export function takeFromLeases(key: string, need: CallNeed, now: number): { lease: HeldLease | null; spent: LeaseReturn[] } {
  const leases = held.get(key);
  const spent: LeaseReturn[] = [];
  if (!leases) return { lease: null, spent };
  for (const lease of [...leases]) {
    const taken = lease.take(need, now);
    // Spent (out of time, or its last call just taken): handed back at once, so the concurrent
    // calls it holds for the gate shrink to the ones still running.
    const returned = retireIfSpent(lease, now);
    if (returned) spent.push(returned);
    if (taken) return { lease, spent };
  }
  return { lease: null, spent };
}

/** The key's newest lease: the one whose renewal is due first. */
export function newestLease(key: string): HeldLease | undefined {
  return held.get(key)?.at(-1);
}

/** Where asking for this key's next lease stands: under way, refused a moment ago (no room to share), or neither. */
export function leaseRequestState(key: string, now: number): "asking" | "refused" | "none" {
  if (asking.has(key)) return "asking";
  const refused = refusedAt.get(key);
  return refused !== undefined && now - refused < REFUSAL_MS ? "refused" : "none";
}

/** Resolves once no lease is being asked for this key, or after `maxMs` (looked at again each millisecond, never awaited across requests). */
export async function askingSettled(key: string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (asking.has(key) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Asks for a lease with `request`, unless a request for this key is already under way; remembers a refusal. */
export function ask<T>(key: string, request: () => Promise<T>, granted: (answer: T) => boolean): Promise<T> | undefined {
  if (asking.has(key)) return undefined;
  asking.add(key);
  const answer = request();
  const note = (ok: boolean) => {
    asking.delete(key);
    if (ok) refusedAt.delete(key);
    else refusedAt.set(key, Date.now());
  };
  return answer.then(
    (a) => {
      note(granted(a));
      return a;
    },
    (error: unknown) => {
      note(false);
      throw error;
    },
  );
}

export function install(lease: HeldLease): void {
  const leases = held.get(lease.key);
  if (leases) leases.push(lease);
  else held.set(lease.key, [lease]);
}

/** Hands back a lease that is out of time or out of calls. */
export function retireIfSpent(lease: HeldLease, now: number): LeaseReturn | null {
  if (lease.returned || lease.usable(now)) return null;
  const leases = held.get(lease.key)?.filter((l) => l !== lease) ?? [];
  if (leases.length) held.set(lease.key, leases);
  else held.delete(lease.key);
  return lease.handBack();
}

/**
 * A key or the tenant changed: the leases this isolate holds for it stop admitting at once and
 * are handed back (the gate grants no new one on stale terms). Other isolates' leases run out
 * within LEASE_USE_MS.
 */
function dropLeases(tenantId: string, keyId?: string): LeaseReturn[] {
  const returns: LeaseReturn[] = [];
  const prefix = keyId === undefined ? `${tenantId}\n` : leaseKey(tenantId, keyId);
  for (const [key, leases] of held) {
    if (keyId === undefined ? !key.startsWith(prefix) : key !== prefix) continue;
    held.delete(key);
    for (const lease of leases) if (!lease.returned) returns.push(lease.handBack());
  }
  return returns;
}

/** Drops the tenant's (or one key's) leases here and hands them back to the gate at once; whether there were any. */
export async function handBackLeases(env: Env, tenantId: string, keyId?: string): Promise<boolean> {
  const returns = dropLeases(tenantId, keyId);
  if (!returns.length) return false;
  await gateFor(env, tenantId).books(tenantId, { settlements: [], returns });
  return true;
}
