// Balance changes, each once: a call's settlement (what it really cost, never more than it
// reserved) and a credit (a top-up, refund, adjustment …) per idempotency key. Both are journal
// rows, which reach the D1 ledger through ledger-flush.ts.
import { expireLeases, LeaseSettlements, leaseHeld } from "./call-leases.ts";
import { addSpend, releaseScopes, spendScopes } from "./scopes.ts";
import type { GateState } from "./state.ts";
import { MINUTE_MS, type TenantConfig } from "./storage.ts";
import type { CreditRequest, SettleRequest } from "./types.ts";

/** How long a settled request id is remembered, so a repeated settlement charges nothing. */
const SETTLED_TTL_MS = 24 * 3600_000;

/** The alarm's sweep: reservations never settled release their credit; old settled ids are forgotten. */
export function expireSettlements(state: GateState, now: number): void {
  state.sql.exec("DELETE FROM reservations WHERE expires_at <= ?", now);
  expireLeases(state, now);
  state.sql.exec("DELETE FROM settled WHERE at <= ?", now - SETTLED_TTL_MS);
}

/**
 * Charges what each call really cost, releases its reservation (or what it took from its lease)
 * and puts its real tokens in the window, in one transaction; returns what each was charged
 * (null: a repeat, charged nothing). The balance and the journal's usage rows are written once
 * per batch, not once per call.
 */
export function settleAll(state: GateState, config: TenantConfig | null, reqs: SettleRequest[], now: number): (number | null)[] {
  return state.transaction(() => {
    const batch = new SettlementBatch(state, config);
    const charged = reqs.map((req) => {
      if (state.sql.exec("INSERT INTO settled (id, at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", req.requestId, now).rowsWritten === 0) return null;
      return batch.add(req);
    });
    batch.apply(now);
    return charged;
  });
}

/** One settlement: what it charged, null for a repeat. */
export function settle(state: GateState, config: TenantConfig | null, req: SettleRequest, now: number): { charged: boolean; costMicros: number } {
  const [costMicros] = settleAll(state, config, [req], now);
  return { charged: costMicros !== null && costMicros !== undefined, costMicros: costMicros ?? 0 };
}

/** A batch's charges, summed per key and per lease until apply(). */
class SettlementBatch {
  private readonly state: GateState;
  private readonly config: TenantConfig | null;
  private total = 0;
  private readonly byKey = new Map<string, number>();
  /** Spend per scope (scopes.ts): the key, the end user, the caps the serving model falls under. */
  private readonly byScope = new Map<string, number>();
  private readonly leases = new Map<string, LeaseSettlements>();

  constructor(state: GateState, config: TenantConfig | null) {
    this.state = state;
    this.config = config;
  }

  add(req: SettleRequest): number {
    const cost = this.chargeable(req);
    if (req.lease) this.leases.get(req.lease.id)?.add(req.lease, req.tokens);
    else {
      this.state.sql.exec("DELETE FROM reservations WHERE id = ?", req.requestId);
      this.state.sql.exec("UPDATE admissions SET tokens = ? WHERE id = ?", req.tokens, req.requestId);
      releaseScopes(this.state, req.requestId, req.tokens);
    }
    if (cost > 0) {
      this.total += cost;
      this.byKey.set(req.keyId, (this.byKey.get(req.keyId) ?? 0) + cost);
      for (const scope of spendScopes(req.keyId, req.endUser, req.model)) this.byScope.set(scope, (this.byScope.get(scope) ?? 0) + cost);
    }
    return cost;
  }

  /**
   * What a settlement may take: never more than the call's reservation, and for a call whose
   * reservation is gone (expired) never more than the credit nobody else holds, so a balance
   * cannot go below zero whatever the caller reports.
   */
  private chargeable(req: SettleRequest): number {
    const state = this.state;
    const cost = Math.max(0, req.costMicros);
    if (req.lease && this.lease(req.lease.id)) return Math.min(cost, req.lease.reservedMicros);
    if (!req.lease) {
      const reservation = state.sql.exec<{ amount: number }>("SELECT amount FROM reservations WHERE id = ?", req.requestId).toArray()[0];
      if (reservation) return Math.min(cost, reservation.amount);
    }
    if (this.config && !this.config.billingEnabled) return cost;
    return Math.min(cost, Math.max(0, state.balance - this.total - state.leasedOut - state.reserved()));
  }

  /** The lease's settlements in this batch; undefined when the lease is gone (expired). */
  private lease(id: string): LeaseSettlements | undefined {
    if (!this.leases.has(id) && leaseHeld(this.state, id)) this.leases.set(id, new LeaseSettlements(id));
    return this.leases.get(id);
  }

  apply(now: number): void {
    const state = this.state;
    for (const lease of this.leases.values()) lease.apply(state);
    if (this.total === 0) return;
    addSpend(state, this.byScope, state.timeZone, now);
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const epoch = state.epoch;
    // Usage is one journal row per key, minute and epoch, summed until its minute closes.
    for (const [keyId, cost] of this.byKey) {
      state.sql.exec(
        "INSERT INTO journal (id, kind, amount, minute, epoch, created_at) VALUES (?, 'usage', ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET amount = amount + excluded.amount",
        `${state.shard ? `s${state.shard}:` : ""}usage:${keyId}:${minute}:${epoch}`,
        -cost,
        minute,
        epoch,
        now,
      );
    }
    state.setMeta("balance", state.balance - this.total);
    if (state.shard > 0) state.setMeta("unreported", state.unreported + this.total);
  }
}

/** Adds (or, negative, removes) credit once per idempotency key; false if the key was seen. */
export function credit(state: GateState, req: CreditRequest, now: number): boolean {
  let applied = false;
  state.transaction(() => {
    if (state.sql.exec("SELECT 1 FROM journal WHERE id = ?", req.idempotencyKey).toArray().length) return;
    state.sql.exec(
      "INSERT INTO journal (id, kind, amount, minute, reason, actor_id, created_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
      req.idempotencyKey,
      req.kind,
      req.amountMicros,
      req.reason ?? null,
      req.actorId ?? null,
      now,
    );
    state.setMeta("balance", state.balance + req.amountMicros);
    applied = true;
  });
  return applied;
}
