// Batches the bank's alarm follows until they end: each is polled at the provider (by the
// gateway's poller, handed in by the Worker's entry: the gate knows nothing of providers), first
// soon, then less and less often, until the poller says it has settled.
import type { Env } from "../bindings.ts";
import type { GateState } from "./state.ts";

/** Polls a batch; true once it has ended and its reservation is settled. Throws when the provider could not be asked. */
export type BatchPoller = (env: Env, tenantId: string, batchId: string) => Promise<boolean>;

let poller: BatchPoller | null = null;

/** Set once by the Worker's entry (worker/index.ts). */
export function pollBatchesWith(p: BatchPoller): void {
  poller = p;
}

const FIRST_POLL_MS = 15_000;
const MAX_INTERVAL_MS = 10 * 60_000;
/** Batches polled per alarm at most; the rest are due at once on the next. */
const POLLS_PER_ALARM = 20;

export class BatchPolls {
  private readonly state: GateState;

  constructor(state: GateState) {
    this.state = state;
  }

  /** Starts following a batch; returns when to wake for it. */
  watch(batchId: string, now: number): number {
    const at = now + FIRST_POLL_MS;
    this.state.sql.exec("INSERT INTO batch_polls (id, poll_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", batchId, at);
    return at;
  }

  /** From alarm(): polls the batches that are due. Never throws. */
  async run(env: Env, now: number): Promise<void> {
    const tenantId = this.state.tenantId;
    if (!poller || tenantId === null || this.state.shard !== 0) return;
    const due = this.state.sql
      .exec<{ id: string; polls: number }>("SELECT id, polls FROM batch_polls WHERE poll_at <= ? ORDER BY poll_at LIMIT ?", now, POLLS_PER_ALARM)
      .toArray();
    for (const { id, polls } of due) {
      const settled = await poller(env, tenantId, id).catch(() => false);
      if (settled) this.state.sql.exec("DELETE FROM batch_polls WHERE id = ?", id);
      else {
        const interval = Math.min(FIRST_POLL_MS * 2 ** Math.min(polls + 1, 10), MAX_INTERVAL_MS);
        this.state.sql.exec("UPDATE batch_polls SET poll_at = ?, polls = polls + 1 WHERE id = ?", Date.now() + interval, id);
      }
    }
  }

  nextAt(): number | null {
    return this.state.sql.exec<{ at: number | null }>("SELECT min(poll_at) AS at FROM batch_polls").one().at;
  }
}
