// The journal to the D1 ledger, exactly once: the ledger's unique (tenant, idempotency key) turns
// a repeated write into nothing, and rows are marked flushed only after D1 accepted them. Usage
// rows wait until their minute has closed (so a ledger row never changes) or was sealed by a
// bump of the epoch; reconciliation seals, flushes everything and compares the sums.
import { type LedgerWrite, ledgerBalance, writeLedger } from "./d1.ts";
import type { GateState } from "./state.ts";
import { MINUTE_MS } from "./storage.ts";
import type { Reconciliation } from "./types.ts";

/** Journal rows ready for the ledger: not usage, or usage whose minute closed or was sealed. */
const CLOSED = "flushed = 0 AND (kind <> 'usage' OR minute < ? OR epoch < ?)";
const FLUSH_BATCH = 50;
const MAX_ROUNDS = 100;

type JournalRow = { id: string; kind: string; amount: number; reason: string | null; actor_id: string | null; created_at: number };

export class LedgerFlush {
  private readonly state: GateState;
  private readonly d1: D1Database;

  constructor(state: GateState, d1: D1Database) {
    this.state = state;
    this.d1 = d1;
  }

  /** Writes up to FLUSH_BATCH closed journal rows to the ledger; returns how many closed rows still wait. */
  async flush(now: number): Promise<number> {
    const { sql, tenantId } = this.state;
    if (!tenantId) return 0;
    const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const epoch = this.state.epoch;
    const rows = sql
      .exec<JournalRow>(
        `SELECT id, kind, amount, reason, actor_id, created_at FROM journal WHERE ${CLOSED} ORDER BY created_at LIMIT ?`,
        currentMinute,
        epoch,
        FLUSH_BATCH,
      )
      .toArray();
    if (!rows.length) return 0;
    try {
      await writeLedger(
        this.d1,
        rows.map((r) => ledgerRow(tenantId, r)),
      );
    } catch {
      return rows.length; // kept for the next alarm
    }
    this.state.transaction(() => {
      for (const r of rows) sql.exec("UPDATE journal SET flushed = 1 WHERE id = ?", r.id);
    });
    return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM journal WHERE ${CLOSED}`, currentMinute, this.state.epoch).one().n;
  }

  /** The end of the newest minute with unflushed usage, if any: when the alarm should flush next. */
  nextClosedMinute(now: number): number | null {
    const row = this.state.sql.exec<{ m: number | null }>("SELECT max(minute) AS m FROM journal WHERE flushed = 0 AND kind = 'usage'").one();
    return row.m === null ? null : Math.max(now, row.m + MINUTE_MS + 1000);
  }

  unflushed(): number {
    return this.state.sql.exec<{ n: number }>("SELECT count(*) AS n FROM journal WHERE flushed = 0").one().n;
  }

  /** Seals the open minute's usage rows, so the next flushes take them too. */
  seal(): void {
    this.state.setMeta("epoch", this.state.epoch + 1);
  }

  /** Shard: seals and flushes until nothing waits (or D1 keeps failing). */
  async flushAll(): Promise<void> {
    this.seal();
    for (let round = 0; round < MAX_ROUNDS && (await this.flush(Date.now())) > 0; round++);
  }

  /**
   * Proves the gate and the ledger agree: seals the open usage rows, flushes every journal row to
   * D1, and compares the ledger's sum with the balance. Any drift is reported, not hidden.
   */
  async reconcile(tenantId: string): Promise<Reconciliation> {
    const now = Date.now();
    this.seal();
    let remaining = 1;
    for (let round = 0; remaining > 0 && round < MAX_ROUNDS; round++) {
      const before = remaining;
      remaining = await this.flush(now);
      if (remaining > 0 && remaining === before && round > 2) break; // D1 keeps failing
    }
    const ledgerMicros = await ledgerBalance(this.d1, tenantId);
    const balanceMicros = this.state.balance;
    return { balanceMicros, ledgerMicros, driftMicros: balanceMicros - ledgerMicros, unflushedEntries: this.unflushed() };
  }
}

function ledgerRow(tenantId: string, r: JournalRow): LedgerWrite {
  return {
    id: `led_${tenantId}_${r.id}`,
    tenantId,
    kind: r.kind,
    amountMicros: r.amount,
    idempotencyKey: r.id,
    reason: r.reason,
    actorId: r.actor_id,
    createdAt: r.created_at,
  };
}
