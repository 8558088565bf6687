// Stored responses (/v1/responses with `store: true`) past their tenant's retention, deleted from
// D1 by the bank's alarm, and captured request bodies past theirs, from the LOGS bucket
// (log-retention.ts). Reads already ignore expired rows; this frees the storage.
//
// The sweep runs from alarm() when it is due: never swept yet, the remembered next expiry has
// come, or an hour has passed since the last sweep. An alarm that finds it not due leaves it
// pending, and the gate then wakes at the end of that hour: the Worker stores responses without
// telling the gate, so a sweep after the last activity learns of rows stored since the previous
// one. After that the gate wakes only at the next expiry it knows of; a tenant with no stored
// responses and no calls causes no alarms.
import { sweepExpiredResponses } from "../../worker/db/stored-responses.ts";
import { sweepCapturedBodies } from "./log-retention.ts";
import type { GateState } from "./state.ts";

export const RETENTION_SWEEP_EVERY_MS = 3_600_000;
/** After a failed sweep (D1 unavailable), the next attempt. */
export const RETENTION_RETRY_MS = 60_000;

const SWEPT_AT = "responses_swept_at";
const NEXT_EXPIRY = "responses_next_expiry";
const PENDING = "responses_sweep_pending";

export class ResponseRetention {
  private readonly state: GateState;
  private readonly d1: D1Database;
  private readonly bucket: R2Bucket | undefined;
  /** In memory only: a restarted object simply tries again. */
  private failedAt: number | null = null;

  constructor(state: GateState, d1: D1Database, bucket?: R2Bucket) {
    this.state = state;
    this.d1 = d1;
    this.bucket = bucket;
  }

  /** Only the bank sweeps: every shard of a tenant would delete the same rows. */
  private get tenantId(): string | null {
    return this.state.shard === 0 ? this.state.tenantId : null;
  }

  private num(key: string): number | null {
    const value = this.state.meta(key);
    return value === null || value === "" ? null : Number(value);
  }

  private due(now: number): boolean {
    if (this.failedAt !== null && now < this.failedAt + RETENTION_RETRY_MS) return false;
    const sweptAt = this.num(SWEPT_AT);
    const next = this.num(NEXT_EXPIRY);
    return sweptAt === null || now >= sweptAt + RETENTION_SWEEP_EVERY_MS || (next !== null && next <= now);
  }

  /** From alarm(): sweeps if due, else leaves a sweep pending. Never throws. */
  async run(now: number): Promise<void> {
    const tenantId = this.tenantId;
    if (tenantId === null) return;
    if (!this.due(now)) {
      if (this.state.meta(PENDING) !== "1") this.state.setMeta(PENDING, "1");
      return;
    }
    try {
      const { nextExpiry } = await sweepExpiredResponses(this.d1, tenantId, now);
      if (this.bucket) await sweepCapturedBodies(this.bucket, this.d1, tenantId, now);
      this.state.transaction(() => {
        this.state.setMeta(SWEPT_AT, now);
        this.state.setMeta(NEXT_EXPIRY, nextExpiry ?? "");
        this.state.setMeta(PENDING, "0");
      });
      this.failedAt = null;
    } catch {
      this.failedAt = now; // retried by a later alarm
    }
  }

  /** When the alarm should next run for the sweep; null: not needed. */
  nextAt(): number | null {
    if (this.tenantId === null) return null;
    if (this.failedAt !== null) return this.failedAt + RETENTION_RETRY_MS;
    const sweptAt = this.num(SWEPT_AT);
    const wanted = [this.num(NEXT_EXPIRY), this.state.meta(PENDING) === "1" && sweptAt !== null ? sweptAt + RETENTION_SWEEP_EVERY_MS : null];
    const times = wanted.filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }
}
