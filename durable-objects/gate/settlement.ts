// Balance changes, each once: a call's settlement (what it really cost, never more than it
// reserved) and a credit (a top-up, refund, adjustment …) per idempotency key. Both are journal
// rows, which reach the D1 ledger through ledger-flush.ts.
import { expireLeases, leaseCap, settleFromLease } from "./call-leases.ts";
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
 * Charges what the call really cost, releases its reservation and puts its real tokens in the
 * window; returns whether this was the first settlement of the request and what it charged.
 */
export function settle(state: GateState, config: TenantConfig | null, req: SettleRequest, now: number): { charged: boolean; costMicros: number } {
  let charged = false;
  let costMicros = 0;
  state.transaction(() => {
    if (state.sql.exec("INSERT INTO settled (id, at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", req.requestId, now).rowsWritten === 0) return;
    costMicros = chargeable(state, config, req);
    if (req.lease) settleFromLease(state, req.lease, req.tokens);
    else {
      state.sql.exec("DELETE FROM reservations WHERE id = ?", req.requestId);
      state.sql.exec("UPDATE admissions SET tokens = ? WHERE id = ?", req.tokens, req.requestId);
    }
    if (costMicros > 0) {
      const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      const epoch = state.epoch;
      // Usage is one journal row per key, minute and epoch, summed until its minute closes.
      state.sql.exec(
        "INSERT INTO journal (id, kind, amount, minute, epoch, created_at) VALUES (?, 'usage', ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET amount = amount + excluded.amount",
        `${state.shard ? `s${state.shard}:` : ""}usage:${req.keyId}:${minute}:${epoch}`,
        -costMicros,
        minute,
        epoch,
        now,
      );
      state.setMeta("balance", state.balance - costMicros);
      if (state.shard > 0) state.setMeta("unreported", state.unreported + costMicros);
    }
    charged = true;
  });
  return { charged, costMicros };
}

/**
 * What a settlement may take: never more than the call's reservation, and for a call whose
 * reservation is gone (expired) never more than the credit nobody else holds, so a balance
 * cannot go below zero whatever the caller reports.
 */
function chargeable(state: GateState, config: TenantConfig | null, req: SettleRequest): number {
  const cost = Math.max(0, req.costMicros);
  const leased = req.lease ? leaseCap(state, req.lease) : null;
  if (leased !== null) return Math.min(cost, leased);
  const reservation = state.sql.exec<{ amount: number }>("SELECT amount FROM reservations WHERE id = ?", req.requestId).toArray()[0];
  if (reservation) return Math.min(cost, reservation.amount);
  if (config && !config.billingEnabled) return cost;
  return Math.min(cost, Math.max(0, state.balance - state.leasedOut - state.reserved()));
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
