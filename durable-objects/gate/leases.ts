// Shards (gate/shards.ts) spend credit leased from the bank and report what they spent. The bank
// lends only what it has available and inside the monthly budget, so no combination of shards
// can overspend; each report is applied once, by its sequence number.
import { LEASE_CHUNK_MICROS, type LeaseRequest, type UsageReport } from "./shards.ts";
import type { GateState } from "./state.ts";
import { MINUTE_MS, type TenantConfig } from "./storage.ts";

/** What a shard asks of its bank (the bank's RPC stub). */
export interface Bank {
  lease(tenantId: string, req: LeaseRequest): Promise<number>;
  report(tenantId: string, r: UsageReport): Promise<void>;
}

export class GateLeases {
  private readonly ctx: DurableObjectState;
  private readonly state: GateState;
  private readonly bank: () => Bank;

  constructor(ctx: DurableObjectState, state: GateState, bank: () => Bank) {
    this.ctx = ctx;
    this.state = state;
    this.bank = bank;
  }

  /** Shard: tops its lease up from the bank when it cannot cover the call (admissions wait). */
  async refill(maxCostMicros: number): Promise<void> {
    const state = this.state;
    if (state.balance - state.reserved() >= maxCostMicros) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      const needed = maxCostMicros + state.reserved() - state.balance;
      if (needed <= 0) return;
      const granted = await this.bank().lease(state.tenantId!, { shard: state.shard, neededMicros: needed });
      if (granted > 0) state.setMeta("balance", state.balance + granted);
    });
  }

  /** Bank: lends a shard credit it has available (never more), inside the monthly budget. */
  lend(config: TenantConfig, req: LeaseRequest, now: number): number {
    const state = this.state;
    const reserved = state.reserved();
    let room = state.balance - state.leasedOut - reserved;
    if (config.monthlyBudgetMicros !== null) room = Math.min(room, config.monthlyBudgetMicros - state.monthSpend(now) - state.leasedOut - reserved);
    const chunk = Math.max(req.neededMicros, Math.min(LEASE_CHUNK_MICROS, Math.floor(room / Math.max(1, config.shards))));
    const granted = room >= req.neededMicros ? Math.min(room, chunk) : 0;
    if (granted > 0) state.setMeta("leased_out", state.leasedOut + granted);
    return granted;
  }

  /** Bank: a shard's spending (and any lease handed back); false if this report was applied before. */
  applyReport(r: UsageReport, now: number): boolean {
    const state = this.state;
    const key = `report_seq_${r.shard}`;
    if (r.seq <= Number(state.meta(key) ?? 0)) return false;
    state.transaction(() => {
      state.setMeta(key, r.seq);
      state.setMeta("balance", state.balance - r.spentMicros);
      state.setMeta("leased_out", state.leasedOut - r.spentMicros - r.returnedMicros);
      // Counted in the month's spend; the shard itself writes these to the ledger.
      state.sql.exec(
        "INSERT INTO journal (id, kind, amount, minute, created_at, flushed) VALUES (?, 'shard_usage', ?, ?, ?, 1)",
        `shard:${r.shard}:${r.seq}`,
        -r.spentMicros,
        Math.floor(now / MINUTE_MS) * MINUTE_MS,
        now,
      );
    });
    return true;
  }

  /** Shard: tells the bank what it spent since the last report. */
  async reportToBank(returnedMicros = 0): Promise<void> {
    const state = this.state;
    const spent = state.unreported;
    if (state.shard === 0 || (spent === 0 && returnedMicros === 0)) return;
    const seq = Number(state.meta("report_seq") ?? 0) + 1;
    await this.bank().report(state.tenantId!, { shard: state.shard, seq, spentMicros: spent, returnedMicros });
    state.transaction(() => {
      state.setMeta("report_seq", seq);
      state.setMeta("unreported", state.unreported - spent);
      if (returnedMicros) state.setMeta("balance", state.balance - returnedMicros);
    });
  }
}
