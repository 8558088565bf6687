// What every part of the gate reads: the tenant and shard it serves, the `meta` values (balance,
// epoch, leases, …) and the credit that open reservations hold, all in the object's SQLite.
import { monthStart } from "../../worker/core/time.ts";
import { GATE_SCHEMA } from "./storage.ts";
import { BATCH_REQUEST_PREFIX } from "./types.ts";

export class GateState {
  readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;
  /**
   * Reads of `meta` served from memory: only this object writes its SQLite, so the copy stays
   * exact as long as every write goes through set() and a rolled-back transaction drops it
   * (see transaction()).
   */
  private readonly metaCache = new Map<string, string | null>();
  tenantId: string | null = null;
  /** 0: the bank (or the only gate); above 0, a shard spending credit leased from the bank. */
  shard = 0;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
  }

  /** Creates the tables and reads who this gate belongs to (in the constructor's blockConcurrencyWhile). */
  open(): void {
    for (const ddl of GATE_SCHEMA) this.sql.exec(ddl);
    this.tenantId = this.meta("tenant_id");
    this.shard = Number(this.meta("shard") ?? 0);
  }

  /** Remembers the tenant and shard on first use, with the balance it starts from. */
  claim(tenantId: string, shard: number, balanceMicros: number): void {
    this.transaction(() => {
      this.setMeta("tenant_id", tenantId);
      this.setMeta("shard", shard);
      this.setMeta("balance", balanceMicros);
      this.setMeta("initialized", "1");
    });
    this.tenantId = tenantId;
    this.shard = shard;
  }

  get initialized(): boolean {
    return this.meta("initialized") === "1";
  }

  meta(key: string): string | null {
    const cached = this.metaCache.get(key);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    const value = row ? row.value : null;
    this.metaCache.set(key, value);
    return value;
  }

  setMeta(key: string, value: string | number): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, String(value));
    this.metaCache.set(key, String(value));
  }

  /** transactionSync, and on a rollback the in-memory copy of `meta` is dropped with it. */
  transaction<T>(fn: () => T): T {
    try {
      return this.storage.transactionSync(fn);
    } catch (error) {
      this.metaCache.clear();
      throw error;
    }
  }

  /** The tenant's time zone as last loaded (budgets' days are counted in it). */
  get timeZone(): string {
    return this.meta("time_zone") ?? "UTC";
  }

  get balance(): number {
    return Number(this.meta("balance") ?? 0);
  }

  /** Bumped to seal the open minute's usage rows, so they can be flushed before it closes. */
  get epoch(): number {
    return Number(this.meta("epoch") ?? 0);
  }

  /** Bank: credit leased to shards and not yet reported spent. */
  get leasedOut(): number {
    return Number(this.meta("leased_out") ?? 0);
  }

  /** Shard: spent from its lease and not yet reported to the bank. */
  get unreported(): number {
    return Number(this.meta("unreported") ?? 0);
  }

  /** Credit held by calls in flight and by admission leases. */
  reserved(): number {
    return this.openReservations().reserved;
  }

  /** Calls in flight (a lease counts the concurrent calls it holds; a batch is not one) and the credit they and batches hold. */
  openReservations(): { n: number; reserved: number } {
    return this.sql
      .exec<{ n: number; reserved: number }>(
        `SELECT (SELECT count(*) FROM reservations WHERE id NOT GLOB '${BATCH_REQUEST_PREFIX}*') + (SELECT coalesce(sum(slots), 0) FROM admission_leases) AS n, (SELECT coalesce(sum(amount), 0) FROM reservations) + (SELECT coalesce(sum(credit), 0) FROM admission_leases) AS reserved`,
      )
      .one();
  }

  monthSpend(now: number): number {
    const row = this.sql
      .exec<{ spent: number }>("SELECT coalesce(-sum(amount), 0) AS spent FROM journal WHERE kind IN ('usage', 'shard_usage') AND minute >= ?", monthStart(now))
      .one();
    return row.spent;
  }
}
