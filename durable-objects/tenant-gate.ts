// TenantGate: one per tenant, the only place a tenant's limits and balance are decided.
//
// Admission is one RPC before the upstream call. It checks the key (revocation is immediate:
// the control plane tells the gate), the tenant's and the key's requests and tokens per minute
// and concurrent calls, the monthly budget, and reserves the most the call can cost. All of it
// runs synchronously against the object's SQLite between two awaits, so no two admissions
// interleave: limits are exact, not approximate.
//
// Rate limits are a sliding-window log: every admission of the last 60 s is a row, and a
// request is admitted iff the rows in (now − 60 s, now] number fewer than the limit. Unlike a
// fixed window it allows no double burst at a boundary, and unlike a token bucket or GCRA it
// needs no refill rate to approximate "N per minute": it *is* N per any minute. Its cost — one
// row per request in the last minute — is what one object handles anyway (~1,000 req/s).
import { DurableObject } from "cloudflare:workers";
import { AlarmClock } from "./alarm-clock.ts";
import type { Env } from "../worker/env.ts";
import { LEASE_CHUNK_MICROS, type LeaseRequest, shardName, shareOf, type UsageReport } from "./gate/shards.ts";
import { GateAlerts, type Notification, type ProviderCircuitReport } from "./gate/alerts.ts";
import { GATE_SCHEMA, type KeyConfig, MINUTE_MS, type TenantConfig, WINDOW_MS } from "./gate/storage.ts";
import type { AdmitRequest, AdmitResult, CreditRequest, GateBalance, RateLimitInfo, Reconciliation, SettleRequest } from "./gate/types.ts";

const RESERVATION_TTL_MS = 15 * 60_000;
/** Journal rows ready for the ledger: not usage, or usage whose minute closed or was sealed. */
const CLOSED = "flushed = 0 AND (kind <> 'usage' OR minute < ? OR epoch < ?)";
const CONFIG_TTL_MS = 5 * 60_000;
const SETTLED_TTL_MS = 24 * 3600_000;
const FLUSH_BATCH = 50;
const DEFAULT_CONCURRENCY = 256;

export interface GateHealth {
  ok: true;
  schemaVersion: number;
}

type Row = Record<string, SqlStorageValue>;

interface Window {
  requests: number;
  tokens: number;
  oldest: number | null;
}
const EMPTY_WINDOW: Window = { requests: 0, tokens: 0, oldest: null };

function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export class TenantGate extends DurableObject<Env> {
  private tenantId: string | null = null;
  /** 0: the bank (or the only gate); above 0, a shard spending credit leased from the bank. */
  private shard = 0;
  private config: TenantConfig | null = null;
  /** Budget, low-balance and provider alerts (the bank only): durable-objects/gate/alerts.ts. */
  private readonly alerts: GateAlerts;
  /**
   * Reads of `meta` (balance, epoch, …) served from memory: only this object writes its SQLite,
   * so the copy stays exact as long as every write goes through setMeta and a rolled-back
   * transaction drops it (see transaction()).
   */
  private readonly metaCache = new Map<string, string | null>();
  private readonly clock: AlarmClock;
  /** Keys' limits as the `keys` table has them, read from memory on the hot path. */
  private readonly keyCache = new Map<string, { config: KeyConfig; loadedAt: number }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.clock = new AlarmClock(ctx.storage);
    this.alerts = new GateAlerts(ctx, env, () =>
      this.shard === 0 && this.tenantId !== null && this.meta("initialized") === "1"
        ? { tenantId: this.tenantId, balanceMicros: this.balance, monthSpendMicros: () => this.monthSpend(Date.now()) }
        : null,
      this.clock,
    );
    ctx.blockConcurrencyWhile(async () => {
      for (const ddl of GATE_SCHEMA) this.sql.exec(ddl);
      this.tenantId = this.meta("tenant_id");
      this.shard = Number(this.meta("shard") ?? 0);
    });
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  private meta(key: string): string | null {
    const cached = this.metaCache.get(key);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    const value = row ? row.value : null;
    this.metaCache.set(key, value);
    return value;
  }

  private setMeta(key: string, value: string | number): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, String(value));
    this.metaCache.set(key, String(value));
  }

  /** transactionSync, and on a rollback the in-memory copy of `meta` is dropped with it. */
  private transaction<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (error) {
      this.metaCache.clear();
      throw error;
    }
  }

  private get balance(): number {
    return Number(this.meta("balance") ?? 0);
  }

  private get epoch(): number {
    return Number(this.meta("epoch") ?? 0);
  }

  /** Bank: credit leased to shards and not yet reported spent. */
  private get leasedOut(): number {
    return Number(this.meta("leased_out") ?? 0);
  }

  /** Shard: spent from its lease and not yet reported to the bank. */
  private get unreported(): number {
    return Number(this.meta("unreported") ?? 0);
  }

  health(): GateHealth {
    return { ok: true, schemaVersion: 1 };
  }

  // ── loading what D1 knows, once, without letting admissions interleave ──────────────────

  /** First use: remember the tenant and shard; the bank starts from the ledger's balance, a shard from nothing. */
  private async ensureTenant(tenantId: string, shard = 0): Promise<void> {
    if (this.tenantId === tenantId && this.meta("initialized") === "1") return;
    if (this.tenantId !== null && this.tenantId !== tenantId) throw new Error("this gate belongs to another tenant");
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.meta("initialized") === "1") return;
      const row =
        shard === 0
          ? await this.env.DB.prepare("SELECT coalesce(sum(amount_micros), 0) AS balance FROM ledger_entries WHERE tenant_id = ?").bind(tenantId).first<{ balance: number }>()
          : { balance: 0 };
      this.transaction(() => {
        this.setMeta("tenant_id", tenantId);
        this.setMeta("shard", shard);
        this.setMeta("balance", row?.balance ?? 0);
        this.setMeta("initialized", "1");
      });
      this.tenantId = tenantId;
      this.shard = shard;
    });
  }

  private bank() {
    return this.env.TENANT_GATE.get(this.env.TENANT_GATE.idFromName(shardName(this.tenantId!, 0)));
  }

  private async tenantConfig(now: number): Promise<TenantConfig> {
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS) return this.config;
    await this.ctx.blockConcurrencyWhile(async () => {
      const row = await this.env.DB.prepare(
        "SELECT billing_enabled, rpm_limit, tpm_limit, concurrency_limit, monthly_budget_micros, gate_shards FROM tenants WHERE id = ?",
      )
        .bind(this.tenantId)
        .first<{ billing_enabled: number; rpm_limit: number | null; tpm_limit: number | null; concurrency_limit: number | null; monthly_budget_micros: number | null; gate_shards: number }>();
      const shards = Math.max(1, row?.gate_shards ?? 1);
      this.config = {
        billingEnabled: row ? row.billing_enabled === 1 : true,
        shards,
        rpm: shareOf(row?.rpm_limit ?? null, this.shard, shards),
        tpm: shareOf(row?.tpm_limit ?? null, this.shard, shards),
        concurrency: shareOf(row?.concurrency_limit ?? defaultConcurrency(this.env.DEFAULT_CONCURRENCY_LIMIT), this.shard, shards),
        monthlyBudgetMicros: row?.monthly_budget_micros ?? null,
        loadedAt: now,
      };
    });
    return this.config!;
  }

  private async keyConfig(keyId: string, now: number): Promise<KeyConfig | null> {
    const known = this.keyCache.get(keyId);
    if (known && now - known.loadedAt < CONFIG_TTL_MS) return known.config;
    const cached = this.sql.exec<Row>("SELECT * FROM keys WHERE key_id = ?", keyId).toArray()[0];
    if (cached && now - Number(cached.loaded_at) < CONFIG_TTL_MS) {
      const config = keyFrom(cached);
      this.keyCache.set(keyId, { config, loadedAt: Number(cached.loaded_at) });
      return config;
    }
    let loaded: KeyConfig | null = null;
    await this.ctx.blockConcurrencyWhile(async () => {
      const row = await this.env.DB.prepare("SELECT tenant_id, revoked_at, expires_at, rpm_limit, tpm_limit FROM api_keys WHERE id = ?")
        .bind(keyId)
        .first<{ tenant_id: string; revoked_at: number | null; expires_at: number | null; rpm_limit: number | null; tpm_limit: number | null }>();
      if (!row || row.tenant_id !== this.tenantId) {
        this.forgetKey(keyId);
        return;
      }
      const shards = this.config?.shards ?? 1;
      loaded = { revoked: row.revoked_at !== null, expiresAt: row.expires_at, rpm: shareOf(row.rpm_limit, this.shard, shards), tpm: shareOf(row.tpm_limit, this.shard, shards) };
      this.sql.exec(
        "INSERT INTO keys (key_id, revoked, expires_at, rpm, tpm, loaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key_id) DO UPDATE SET revoked = excluded.revoked, expires_at = excluded.expires_at, rpm = excluded.rpm, tpm = excluded.tpm, loaded_at = excluded.loaded_at",
        keyId,
        row.revoked_at !== null ? 1 : 0,
        row.expires_at,
        loaded.rpm,
        loaded.tpm,
        now,
      );
      this.keyCache.set(keyId, { config: loaded, loadedAt: now });
    });
    return loaded;
  }

  private forgetKey(keyId: string): void {
    this.sql.exec("DELETE FROM keys WHERE key_id = ?", keyId);
    this.keyCache.delete(keyId);
  }

  /** The control plane changed a key or the tenant's settings: read them again on next use. */
  forget(what: { keyId?: string; tenant?: boolean }): void {
    if (what.keyId) this.forgetKey(what.keyId);
    if (what.tenant) this.config = null;
    if (what.tenant) this.alerts.forget();
  }

  // ── admission ───────────────────────────────────────────────────────────────────────────

  async admit(tenantId: string, req: AdmitRequest, shard = 0): Promise<AdmitResult> {
    const now = Date.now();
    await this.ensureTenant(tenantId, shard);
    const config = await this.tenantConfig(now);
    const key = await this.keyConfig(req.keyId, now);
    if (config.billingEnabled && this.shard > 0) await this.refillLease(req.maxCostMicros);
    // From here to the end nothing awaits: the decision and its writes are one atomic step.
    if (!key || key.revoked || (key.expiresAt !== null && key.expiresAt <= now)) {
      return { ok: false, status: 401, code: "invalid_api_key", message: "Incorrect API key provided." };
    }
    this.sql.exec("DELETE FROM admissions WHERE at <= ?", now - WINDOW_MS);
    // Counting a window costs a scan of its rows: only where a limit applies.
    const tenantWindow = config.rpm !== null || config.tpm !== null ? this.window(now, null) : EMPTY_WINDOW;
    const keyWindow = key.rpm !== null || key.tpm !== null ? this.window(now, req.keyId) : EMPTY_WINDOW;
    const limits = this.limitInfo(config, key, tenantWindow, keyWindow, now);

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
    const open = this.sql.exec<{ n: number; reserved: number }>("SELECT count(*) AS n, coalesce(sum(amount), 0) AS reserved FROM reservations").one();
    if (config.concurrency !== null && open.n >= config.concurrency) {
      return { ok: false, status: 429, code: "concurrency_limit_exceeded", message: `At most ${config.concurrency} requests may run at once.`, retryAfterMs: 1000, limits };
    }
    if (config.billingEnabled && this.balance - this.leasedOut - open.reserved < req.maxCostMicros) {
      return { ok: false, status: 402, code: "insufficient_quota", message: "You exceeded your current quota: add credit to continue." };
    }
    // A shard's lease was granted inside the budget already; the bank checks the rest.
    if (this.shard === 0 && config.monthlyBudgetMicros !== null && this.monthSpend(now) + this.leasedOut + open.reserved + req.maxCostMicros > config.monthlyBudgetMicros) {
      return { ok: false, status: 402, code: "budget_exceeded", message: "This request would exceed the tenant's monthly budget." };
    }
    this.transaction(() => {
      this.sql.exec("INSERT OR REPLACE INTO admissions (id, key_id, at, tokens) VALUES (?, ?, ?, ?)", req.requestId, req.keyId, now, req.tokens);
      this.sql.exec("INSERT OR REPLACE INTO reservations (id, key_id, amount, expires_at) VALUES (?, ?, ?, ?)", req.requestId, req.keyId, req.maxCostMicros, now + RESERVATION_TTL_MS);
    });
    void this.clock.wakeBy(now + RESERVATION_TTL_MS);
    // The answer's limits count this admission: one request and its tokens fewer, and a window
    // that is no longer empty resets when its oldest admission (perhaps this one) leaves it.
    const admitted = (w: Window): Window => ({ requests: w.requests + 1, tokens: w.tokens + req.tokens, oldest: w.oldest ?? now });
    return { ok: true, limits: this.limitInfo(config, key, admitted(tenantWindow), admitted(keyWindow), now) };
  }

  /** Whether a key may be used now, as the gate knows it (revocation reaches it at once): for calls that reserve nothing. */
  async keyUsable(tenantId: string, keyId: string): Promise<boolean> {
    const now = Date.now();
    await this.ensureTenant(tenantId);
    await this.tenantConfig(now);
    const key = await this.keyConfig(keyId, now);
    return key !== null && !key.revoked && (key.expiresAt === null || key.expiresAt > now);
  }

  private window(now: number, keyId: string | null): Window {
    const row = keyId
      ? this.sql.exec<{ n: number; t: number; o: number | null }>("SELECT count(*) AS n, coalesce(sum(tokens), 0) AS t, min(at) AS o FROM admissions WHERE key_id = ? AND at > ?", keyId, now - WINDOW_MS).one()
      : this.sql.exec<{ n: number; t: number; o: number | null }>("SELECT count(*) AS n, coalesce(sum(tokens), 0) AS t, min(at) AS o FROM admissions WHERE at > ?", now - WINDOW_MS).one();
    return { requests: row.n, tokens: row.t, oldest: row.o };
  }

  private limitInfo(config: TenantConfig, key: KeyConfig, tenant: Window, perKey: Window, now: number): RateLimitInfo {
    const tightest = (tenantLimit: number | null, keyLimit: number | null, used: (w: typeof tenant) => number) => {
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

  private monthSpend(now: number): number {
    const row = this.sql.exec<{ spent: number }>("SELECT coalesce(-sum(amount), 0) AS spent FROM journal WHERE kind IN ('usage', 'shard_usage') AND minute >= ?", monthStart(now)).one();
    return row.spent;
  }

  // ── shards: credit leased from the bank, spending reported back ─────────────────────────

  /** Shard: tops its lease up from the bank when it cannot cover the call (admissions wait). */
  private async refillLease(maxCostMicros: number): Promise<void> {
    const reserved = () => this.sql.exec<{ r: number }>("SELECT coalesce(sum(amount), 0) AS r FROM reservations").one().r;
    if (this.balance - reserved() >= maxCostMicros) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      const needed = maxCostMicros + reserved() - this.balance;
      if (needed <= 0) return;
      const granted = await this.bank().lease(this.tenantId!, { shard: this.shard, neededMicros: needed });
      if (granted > 0) this.setMeta("balance", this.balance + granted);
    });
  }

  /** Bank: lends a shard credit it has available (never more), inside the monthly budget. */
  async lease(tenantId: string, req: LeaseRequest): Promise<number> {
    await this.ensureTenant(tenantId, 0);
    const now = Date.now();
    const config = await this.tenantConfig(now);
    const reserved = this.sql.exec<{ r: number }>("SELECT coalesce(sum(amount), 0) AS r FROM reservations").one().r;
    let room = this.balance - this.leasedOut - reserved;
    if (config.monthlyBudgetMicros !== null) room = Math.min(room, config.monthlyBudgetMicros - this.monthSpend(now) - this.leasedOut - reserved);
    const chunk = Math.max(req.neededMicros, Math.min(LEASE_CHUNK_MICROS, Math.floor(room / Math.max(1, config.shards))));
    const granted = room >= req.neededMicros ? Math.min(room, chunk) : 0;
    if (granted > 0) this.setMeta("leased_out", this.leasedOut + granted);
    return granted;
  }

  /** Bank: a shard's spending (and any lease handed back), applied once per sequence number. */
  report(tenantId: string, r: UsageReport): void {
    if (this.tenantId !== tenantId) return;
    const key = `report_seq_${r.shard}`;
    if (r.seq <= Number(this.meta(key) ?? 0)) return;
    const now = Date.now();
    this.transaction(() => {
      this.setMeta(key, r.seq);
      this.setMeta("balance", this.balance - r.spentMicros);
      this.setMeta("leased_out", this.leasedOut - r.spentMicros - r.returnedMicros);
      // Counted in the month's spend; the shard itself writes these to the ledger.
      this.sql.exec(
        "INSERT INTO journal (id, kind, amount, minute, created_at, flushed) VALUES (?, 'shard_usage', ?, ?, ?, 1)",
        `shard:${r.shard}:${r.seq}`,
        -r.spentMicros,
        Math.floor(now / MINUTE_MS) * MINUTE_MS,
        now,
      );
    });
    void this.alerts.check();
  }

  /** Shard: tells the bank what it spent since the last report. */
  private async reportToBank(returnedMicros = 0): Promise<void> {
    const spent = this.unreported;
    if (this.shard === 0 || (spent === 0 && returnedMicros === 0)) return;
    const seq = Number(this.meta("report_seq") ?? 0) + 1;
    await this.bank().report(this.tenantId!, { shard: this.shard, seq, spentMicros: spent, returnedMicros });
    this.transaction(() => {
      this.setMeta("report_seq", seq);
      this.setMeta("unreported", this.unreported - spent);
      if (returnedMicros) this.setMeta("balance", this.balance - returnedMicros);
    });
  }

  /** Shard: everything to the ledger and the bank, so the bank can reconcile. */
  async flushAndReport(tenantId: string): Promise<void> {
    if (this.tenantId !== tenantId) return;
    this.setMeta("epoch", this.epoch + 1);
    for (let round = 0; round < 100 && (await this.flush(Date.now())) > 0; round++);
    await this.reportToBank();
  }

  // ── settlement and credit ───────────────────────────────────────────────────────────────

  /** Charges what the call really cost and releases its reservation; a repeat charges nothing. */
  settle(tenantId: string, req: SettleRequest): { charged: boolean; balanceMicros: number } {
    if (this.tenantId !== tenantId) return { charged: false, balanceMicros: this.balance };
    const now = Date.now();
    let charged = false;
    let costMicros = 0;
    this.transaction(() => {
      if (this.sql.exec("INSERT INTO settled (id, at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", req.requestId, now).rowsWritten === 0) return;
      costMicros = this.chargeable(req);
      this.sql.exec("DELETE FROM reservations WHERE id = ?", req.requestId);
      this.sql.exec("UPDATE admissions SET tokens = ? WHERE id = ?", req.tokens, req.requestId);
      if (costMicros > 0) {
        const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
        const epoch = this.epoch;
        this.sql.exec(
          "INSERT INTO journal (id, kind, amount, minute, epoch, created_at) VALUES (?, 'usage', ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET amount = amount + excluded.amount",
          `${this.shard ? `s${this.shard}:` : ""}usage:${req.keyId}:${minute}:${epoch}`,
          -costMicros,
          minute,
          epoch,
          now,
        );
        this.setMeta("balance", this.balance - costMicros);
        if (this.shard > 0) this.setMeta("unreported", this.unreported + costMicros);
      }
      charged = true;
    });
    if (charged && costMicros > 0) void this.clock.wakeBy(this.shard > 0 ? now + 1000 : Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS + 1000);
    if (charged && costMicros > 0) void this.alerts.check();
    return { charged, balanceMicros: this.balance };
  }

  /**
   * What a settlement may take: never more than the call's reservation, and for a call whose
   * reservation is gone (expired) never more than the credit nobody else holds, so a balance
   * cannot go below zero whatever the caller reports.
   */
  private chargeable(req: SettleRequest): number {
    const cost = Math.max(0, req.costMicros);
    const reservation = this.sql.exec<{ amount: number }>("SELECT amount FROM reservations WHERE id = ?", req.requestId).toArray()[0];
    if (reservation) return Math.min(cost, reservation.amount);
    if (this.config && !this.config.billingEnabled) return cost;
    const held = this.sql.exec<{ r: number }>("SELECT coalesce(sum(amount), 0) AS r FROM reservations").one().r;
    return Math.min(cost, Math.max(0, this.balance - this.leasedOut - held));
  }

  /** Adds (or, negative, removes) credit once per idempotency key. */
  async credit(tenantId: string, req: CreditRequest): Promise<{ applied: boolean; balanceMicros: number }> {
    await this.ensureTenant(tenantId);
    const now = Date.now();
    let applied = false;
    this.transaction(() => {
      if (this.sql.exec("SELECT 1 FROM journal WHERE id = ?", req.idempotencyKey).toArray().length) return;
      this.sql.exec(
        "INSERT INTO journal (id, kind, amount, minute, reason, actor_id, created_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
        req.idempotencyKey,
        req.kind,
        req.amountMicros,
        req.reason ?? null,
        req.actorId ?? null,
        now,
      );
      this.setMeta("balance", this.balance + req.amountMicros);
      applied = true;
    });
    if (applied) await this.flush(now);
    if (applied) await this.alerts.check();
    return { applied, balanceMicros: this.balance };
  }

  /** Bank: a provider's circuit opened or closed on one of the tenant's calls (sent after the response). */
  async providerCircuit(tenantId: string, report: ProviderCircuitReport): Promise<void> {
    await this.ensureTenant(tenantId);
    await this.alerts.provider(report);
  }

  /** The tenant's newest alerts, newest first. */
  notifications(tenantId: string, limit = 50, beforeSeq: number | null = null): Notification[] {
    return this.tenantId === tenantId ? this.alerts.list(limit, beforeSeq) : [];
  }

  /** Server-Sent Events: alerts after `afterSeq` (Last-Event-ID), then each new one as it is raised. */
  notificationStream(tenantId: string, afterSeq: number | null = null): ReadableStream<Uint8Array> {
    if (this.tenantId !== tenantId && this.tenantId !== null) throw new Error("this gate belongs to another tenant");
    return this.alerts.stream(afterSeq);
  }

  async status(tenantId: string): Promise<GateBalance> {
    await this.ensureTenant(tenantId);
    const now = Date.now();
    const config = await this.tenantConfig(now);
    const open = this.sql.exec<{ n: number; reserved: number }>("SELECT count(*) AS n, coalesce(sum(amount), 0) AS reserved FROM reservations").one();
    const unflushed = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM journal WHERE flushed = 0").one();
    return {
      balanceMicros: this.balance,
      reservedMicros: open.reserved,
      openReservations: open.n,
      monthSpendMicros: this.monthSpend(now),
      unflushedEntries: unflushed.n,
      billingEnabled: config.billingEnabled,
    };
  }

  // ── the alarm: expire reservations, flush the journal to the D1 ledger ──────────────────

  override async alarm(): Promise<void> {
    this.clock.fired();
    const now = Date.now();
    this.sql.exec("DELETE FROM reservations WHERE expires_at <= ?", now);
    this.sql.exec("DELETE FROM settled WHERE at <= ?", now - SETTLED_TTL_MS);
    this.sql.exec("DELETE FROM admissions WHERE at <= ?", now - WINDOW_MS);
    const remaining = await this.flush(now);
    await this.alerts.deliver(now).catch(() => undefined); // retried by the next alarm
    await this.reportToBank().catch(() => undefined); // retried by the next alarm
    const next = this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM reservations").one().at;
    const flushAt = remaining > 0 || this.unreported > 0 ? now + 5_000 : this.nextClosedMinute(now);
    const wanted = [next, flushAt, this.alerts.nextAttemptAt()].filter((t): t is number => t !== null);
    if (wanted.length) await this.clock.wakeBy(Math.max(now + 100, Math.min(...wanted)));
  }

  /** The end of the newest minute with unflushed usage, if any. */
  private nextClosedMinute(now: number): number | null {
    const row = this.sql.exec<{ m: number | null }>("SELECT max(minute) AS m FROM journal WHERE flushed = 0 AND kind = 'usage'").one();
    return row.m === null ? null : Math.max(now, row.m + MINUTE_MS + 1000);
  }

  /**
   * Writes closed journal rows to D1's ledger, exactly once: the ledger's unique
   * (tenant, idempotency key) turns a repeated write into nothing, and rows are marked flushed
   * only after D1 accepted them. Returns how many closed rows are still waiting.
   */
  private async flush(now: number): Promise<number> {
    if (!this.tenantId) return 0;
    const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const rows = this.sql
      .exec<{ id: string; kind: string; amount: number; reason: string | null; actor_id: string | null; created_at: number }>(
        `SELECT id, kind, amount, reason, actor_id, created_at FROM journal WHERE ${CLOSED} ORDER BY created_at LIMIT ?`,
        currentMinute,
        this.epoch,
        FLUSH_BATCH,
      )
      .toArray();
    if (!rows.length) return 0;
    const statements = rows.map((r) =>
      this.env.DB.prepare(
        "INSERT INTO ledger_entries (id, tenant_id, kind, amount_micros, idempotency_key, reason, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ).bind(`led_${this.tenantId}_${r.id}`, this.tenantId, r.kind, r.amount, r.id, r.reason, r.actor_id, r.created_at),
    );
    try {
      await this.env.DB.batch(statements);
    } catch {
      return rows.length; // kept for the next alarm
    }
    this.transaction(() => {
      for (const r of rows) this.sql.exec("UPDATE journal SET flushed = 1 WHERE id = ?", r.id);
    });
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM journal WHERE ${CLOSED}`, currentMinute, this.epoch).one().n;
  }

  /**
   * Proves the gate and the ledger agree: seals the open usage rows, flushes every journal row
   * to D1, and compares the ledger's sum with the balance. Any drift is reported, not hidden.
   */
  async reconcile(tenantId: string): Promise<Reconciliation> {
    await this.ensureTenant(tenantId);
    const config = await this.tenantConfig(Date.now());
    for (let shard = 1; shard < config.shards; shard++) {
      await this.env.TENANT_GATE.get(this.env.TENANT_GATE.idFromName(shardName(tenantId, shard))).flushAndReport(tenantId);
    }
    const now = Date.now();
    this.setMeta("epoch", this.epoch + 1);
    let remaining = 1;
    for (let round = 0; remaining > 0 && round < 100; round++) {
      const before = remaining;
      remaining = await this.flush(now);
      if (remaining > 0 && remaining === before && round > 2) break; // D1 keeps failing
    }
    const ledger = await this.env.DB.prepare("SELECT coalesce(sum(amount_micros), 0) AS total FROM ledger_entries WHERE tenant_id = ?").bind(tenantId).first<{ total: number }>();
    const ledgerMicros = ledger?.total ?? 0;
    const unflushed = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM journal WHERE flushed = 0").one().n;
    return { balanceMicros: this.balance, ledgerMicros, driftMicros: this.balance - ledgerMicros, unflushedEntries: unflushed };
  }
}

/** Concurrent calls for a tenant that set no limit: DEFAULT_CONCURRENCY_LIMIT, 256 if unset, none if 0. */
export function defaultConcurrency(value: string | undefined): number | null {
  const parsed = value === undefined || value.trim() === "" ? DEFAULT_CONCURRENCY : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) return DEFAULT_CONCURRENCY;
  return parsed === 0 ? null : parsed;
}

function keyFrom(row: Row): KeyConfig {
  return {
    revoked: Number(row.revoked) === 1,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    rpm: row.rpm === null ? null : Number(row.rpm),
    tpm: row.tpm === null ? null : Number(row.tpm),
  };
}
