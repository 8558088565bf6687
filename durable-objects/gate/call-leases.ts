// Admission leases: room an isolate admits calls in without a round trip. A lease is counted and
// reserved here when granted — its requests and tokens in the rate windows, its credit and its
// concurrent calls as if they were calls in flight — so admitting from it locally can never take
// the tenant over a limit or below zero. Far from every limit a lease is a quarter of what is
// left; near one there is no lease and each call is admitted exactly, one round trip each.
//
// Its requests and tokens stay in the window until a full window after `use_by`, the last moment
// a call may be admitted from it, so a call made late in the lease still counts for a whole minute
// after it. Each call's settlement gives back what the call reserved (credit, and the tokens it
// did not use); the lease handed back gives back what was never used and keeps one concurrent
// call for each still running. Settlements and the return may arrive in any order: each change
// below is a difference that does not depend on the others having happened.
import { exactFor } from "./scopes.ts";
import type { GateState } from "./state.ts";
import { type Counted, type KeyConfig, RESERVATION_TTL_MS, type TenantConfig } from "./storage.ts";
import type { AdmitRequest, LeaseGrant, LeaseReturn, SettleRequest } from "./types.ts";

/**
 * How long an isolate may admit calls from a lease (ADMISSION_LEASE_MS): also how late a revoked
 * key or a lowered limit reaches another isolate's lease.
 */
const DEFAULT_LEASE_MS = 1000;

export function leaseMs(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isSafeInteger(n) && n > 0 ? Math.min(n, 5000) : DEFAULT_LEASE_MS;
}
/** The share of what is left that one lease may take. */
const LEASE_SHARE = 4;

const share = (room: number) => Math.floor(room / LEASE_SHARE);
const least = (...limits: (number | null)[]) => Math.min(...limits.map((l) => l ?? Number.POSITIVE_INFINITY));

/**
 * A lease for calls like `req`, inside every limit, or null when the room left is too small to
 * share (the call is then admitted exactly). Nothing here awaits.
 */
export function grantLease(
  state: GateState,
  config: TenantConfig,
  key: KeyConfig,
  req: AdmitRequest,
  counted: Counted,
  keyBudgetRoom: number | null,
  now: number,
): LeaseGrant | null {
  if (!req.lease || state.shard !== 0 || config.shards > 1) return null;
  const requestRoom = least(config.rpm === null ? null : config.rpm - counted.tenant.requests, key.rpm === null ? null : key.rpm - counted.key.requests);
  const tokenRoom = least(config.tpm === null ? null : config.tpm - counted.tenant.tokens, key.tpm === null ? null : key.tpm - counted.key.tokens);
  const slotRoom = least(config.concurrency === null ? null : config.concurrency - counted.open.n);
  const free = state.balance - counted.leasedOut - counted.open.reserved;
  const budgetRoom =
    config.monthlyBudgetMicros === null ? null : config.monthlyBudgetMicros - state.monthSpend(now) - counted.leasedOut - counted.open.reserved;
  const creditRoom = least(config.billingEnabled ? free : null, budgetRoom, keyBudgetRoom);

  // Sized in calls like this one, so no lease holds a fraction of a call it cannot use.
  const callsIn = (room: number, perCall: number) => (perCall > 0 ? Math.floor(share(room) / perCall) : Number.POSITIVE_INFINITY);
  const requests = Math.min(req.lease.requests, share(requestRoom), callsIn(tokenRoom, req.tokens), callsIn(creditRoom, req.maxCostMicros));
  // A lease's calls cannot be open more at once than it has calls.
  const slots = Math.min(requests, share(slotRoom));
  if (requests < 2 || slots < 1) return null;

  const grant: LeaseGrant = {
    id: req.lease.id,
    requests,
    tokens: Number.isFinite(tokenRoom) ? requests * req.tokens : null,
    creditMicros: Number.isFinite(creditRoom) ? requests * req.maxCostMicros : null,
    slots: Number.isFinite(slotRoom) ? slots : null,
    useForMs: config.leaseMs,
    exactFor: exactFor(config, key),
  };
  state.sql.exec(
    "INSERT INTO admission_leases (id, key_id, use_by, expires_at, requests, tokens, credit, slots) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
    grant.id,
    req.keyId,
    now + config.leaseMs,
    now + config.leaseMs + RESERVATION_TTL_MS,
    requests,
    grant.tokens ?? 0,
    grant.creditMicros ?? 0,
    grant.slots ?? 0,
  );
  state.setMeta("leases_granted", Number(state.meta("leases_granted") ?? 0) + 1);
  return grant;
}

export function leaseHeld(state: GateState, id: string): boolean {
  return state.sql.exec("SELECT 1 FROM admission_leases WHERE id = ?", id).toArray().length > 0;
}

/**
 * A lease's settled calls in one batch: each gives back its reservation and the tokens it did
 * not use and, if it ended after the lease was handed back, its concurrent call. One update.
 */
export class LeaseSettlements {
  private readonly id: string;
  private credit = 0;
  private tokens = 0;
  private afterReturn = 0;

  constructor(id: string) {
    this.id = id;
  }

  add(lease: NonNullable<SettleRequest["lease"]>, actualTokens: number): void {
    this.credit += lease.reservedMicros;
    this.tokens += actualTokens - lease.estimatedTokens;
    if (lease.afterReturn) this.afterReturn += 1;
  }

  apply(state: GateState): void {
    state.sql.exec(
      `UPDATE admission_leases SET credit = max(0, credit - ?), tokens = max(0, tokens + ?),
         slots = CASE WHEN returned = 1 THEN max(0, slots - ?) ELSE slots END,
         freed = freed + CASE WHEN returned = 0 THEN ? ELSE 0 END
       WHERE id = ?`,
      this.credit,
      this.tokens,
      this.afterReturn,
      this.afterReturn,
      this.id,
    );
  }
}

/** The isolate hands a lease back: what it never used leaves the window and the reservation; its running calls keep their slots. */
export function returnLease(state: GateState, r: LeaseReturn): void {
  state.sql.exec(
    `UPDATE admission_leases SET requests = max(0, requests - ?), tokens = max(0, tokens - ?), credit = max(0, credit - ?),
       slots = CASE WHEN slots = 0 THEN 0 ELSE max(0, ? - freed) END, returned = 1
     WHERE id = ? AND returned = 0`,
    r.unusedRequests,
    r.unusedTokens,
    r.unusedCreditMicros,
    r.open,
    r.id,
  );
}

/**
 * A lease not handed back this long after its last usable moment is taken as lost with its
 * isolate — and the calls admitted from it with it, since their settlements would come from
 * that isolate — so what it holds is released then, not after the 15 minutes a running call may
 * take. Its requests and tokens stay in the window for their minute.
 */
export const LEASE_ABANDONED_MS = 30_000;

/** The alarm's sweep: a lease whose isolate never came back releases what it held. */
export function expireLeases(state: GateState, now: number): void {
  state.sql.exec("UPDATE admission_leases SET credit = 0, slots = 0, returned = 1 WHERE returned = 0 AND use_by <= ?", now - LEASE_ABANDONED_MS);
  state.sql.exec("DELETE FROM admission_leases WHERE expires_at <= ?", now);
}

/** When the alarm must next look at leases: one to give up on, or one whose calls' time ran out. */
export function nextLeaseExpiry(state: GateState): number | null {
  return state.sql
    .exec<{ at: number | null }>(
      "SELECT min(CASE WHEN returned = 0 THEN use_by + ? ELSE expires_at END) AS at FROM admission_leases WHERE credit > 0 OR slots > 0",
      LEASE_ABANDONED_MS,
    )
    .one().at;
}
