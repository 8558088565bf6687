// TenantGate: one per tenant, the only place a tenant's limits and balance are decided.
//
// Admission is one RPC before the upstream call. It checks the key (revocation is immediate:
// the control plane tells the gate), the tenant's and the key's requests and tokens per minute
// and concurrent calls, the monthly budget, and reserves the most the call can cost. Once the
// limits are in memory all of it runs synchronously against the object's SQLite, so no two
// admissions interleave: limits are exact, not approximate.
//
// This class is the RPC surface; the parts live in gate/:
//   state.ts         the tenant, shard, balance and reservations every part reads
//   config.ts        what D1 knows (opening balance, the tenant's and keys' limits), cached
//   admission.ts     the sliding-window decision
//   settlement.ts    charges and credits, once each, into the journal
//   leases.ts        shards spending credit leased from the bank
//   ledger-flush.ts  the journal to the D1 ledger, and reconciliation
//   d1.ts            every D1 statement;  alerts.ts  budget, balance and provider alerts
//   scopes.ts        key budgets, end users' limits, caps per model or provider
//   response-retention.ts  stored /v1/responses deleted once the tenant's retention ends
//   batch-polls.ts   batches followed at their provider until they end and are settled
import { DurableObject } from "cloudflare:workers";
import { AlarmClock } from "./alarm-clock.ts";
import { BatchPolls } from "./gate/batch-polls.ts";
import type { Env } from "./bindings.ts";
import { decide, keyUsable, type LeaseOffer, pruneWindow, topUp } from "./gate/admission.ts";
import { periodStart } from "../worker/core/periods.ts";
import { GateAlerts, type Notification, type ProviderCircuitReport, type ScopeSpend } from "./gate/alerts.ts";
import { GateConfig } from "./gate/config.ts";
import { GateLeases } from "./gate/leases.ts";
import { LedgerFlush } from "./gate/ledger-flush.ts";
import { ResponseRetention } from "./gate/response-retention.ts";
import { credit, expireSettlements, settle, settleAll } from "./gate/settlement.ts";
import { type LeaseRequest, shardName, type UsageReport } from "./gate/shards.ts";
import { GateState } from "./gate/state.ts";
import { nextHoldExpiry, rulesFor, type ScopeRule, type SpendQuery, spentIn, sweepScopes } from "./gate/scopes.ts";
import { holdMsOf, type KeyConfig, MINUTE_MS, type TenantConfig } from "./gate/storage.ts";
import { LEASE_ABANDONED_MS, nextLeaseExpiry, returnLease } from "./gate/call-leases.ts";
import type { AdmitRequest, AdmitResult, BooksBatch, BooksResult, CreditRequest, GateBalance, Reconciliation, SettleRequest } from "./gate/types.ts";

export interface GateHealth {
  ok: true;
  schemaVersion: number;
}

export class TenantGate extends DurableObject<Env> {
  private readonly state: GateState;
  private readonly config: GateConfig;
  private readonly leases: GateLeases;
  private readonly ledger: LedgerFlush;
  private readonly clock: AlarmClock;
  /** Budget, low-balance and provider alerts (the bank only). */
  private readonly alerts: GateAlerts;
  /** Expired stored responses deleted from D1 (the bank only). */
  private readonly retention: ResponseRetention;
  /** Batches polled until they end (the bank only). */
  private readonly batches: BatchPolls;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const state = new GateState(ctx.storage);
    this.state = state;
    this.clock = new AlarmClock(ctx.storage);
    this.config = new GateConfig(ctx, state, env.DB, env);
    this.leases = new GateLeases(ctx, state, () => this.gate(0));
    this.ledger = new LedgerFlush(state, env.DB);
    this.retention = new ResponseRetention(state, env.DB, env.LOGS);
    this.batches = new BatchPolls(state);
    this.alerts = new GateAlerts(
      ctx,
      env,
      () =>
        state.shard === 0 && state.tenantId !== null && state.initialized
          ? { tenantId: state.tenantId, balanceMicros: state.balance, monthSpendMicros: () => state.monthSpend(Date.now()) }
          : null,
      this.clock,
    );
    ctx.blockConcurrencyWhile(async () => state.open());
  }

  /** One of this tenant's gates: 0 is the bank. */
  private gate(shard: number) {
    return this.env.TENANT_GATE.get(this.env.TENANT_GATE.idFromName(shardName(this.state.tenantId!, shard)));
  }

  health(): GateHealth {
    return { ok: true, schemaVersion: 1 };
  }

  /** The control plane changed a key or the tenant's settings: read them again on next use. */
  forget(what: { keyId?: string; tenant?: boolean; endUser?: string }): void {
    if (what.keyId) this.config.forgetKey(what.keyId);
    if (what.endUser) this.config.forgetEndUser(what.endUser);
    if (what.tenant) this.config.forgetTenant();
    if (what.tenant) this.alerts.forget();
  }

  // ── admission ───────────────────────────────────────────────────────────────────────────

  async admit(tenantId: string, req: AdmitRequest, shard = 0): Promise<AdmitResult> {
    const now = Date.now();
    await this.config.ensureTenant(tenantId, shard);
    const config = await this.config.tenant(now);
    const key = await this.config.key(req.keyId, now);
    if (config.billingEnabled && this.state.shard > 0) await this.leases.refill(req.maxCostMicros);
    const rules = await this.rules(config, key, req, now);
    // From here to the end nothing awaits: the decision and its writes are one atomic step.
    const result = decide(this.state, config, key, req, rules, now);
    if (result.ok) void this.clock.wakeBy(now + (result.lease ? result.lease.useForMs + LEASE_ABANDONED_MS : holdMsOf(req)));
    return result;
  }

  /** The call's scoped limits: its key's budget, its end user's limits, the caps on its models. */
  private async rules(config: TenantConfig, key: KeyConfig | null, req: AdmitRequest, now: number): Promise<ScopeRule[]> {
    if (!key) return [];
    const user = req.endUser ? await this.config.endUser(req.endUser, config, now) : null;
    return rulesFor(config, req.keyId, key, user, req);
  }

  /** A renewal: the next admission lease for calls like `req`, admitting none now; null when the room left is too small to share. */
  async topUp(tenantId: string, req: AdmitRequest): Promise<LeaseOffer | null> {
    const now = Date.now();
    await this.config.ensureTenant(tenantId);
    const config = await this.config.tenant(now);
    const key = await this.config.key(req.keyId, now);
    const offered = topUp(this.state, config, key, req, await this.rules(config, key, req, now), now);
    if (offered) void this.clock.wakeBy(now + offered.lease.useForMs + LEASE_ABANDONED_MS);
    return offered;
  }

  /** Whether a key may be used now, as the gate knows it (revocation reaches it at once): for calls that reserve nothing. */
  async keyUsable(tenantId: string, keyId: string): Promise<boolean> {
    const now = Date.now();
    await this.config.ensureTenant(tenantId);
    await this.config.tenant(now);
    return keyUsable(await this.config.key(keyId, now), now);
  }

  // ── shards: credit leased from the bank, spending reported back ─────────────────────────

  /** Bank: lends a shard credit it has available (never more), inside the monthly budget. */
  async lease(tenantId: string, req: LeaseRequest): Promise<number> {
    await this.config.ensureTenant(tenantId, 0);
    const now = Date.now();
    return this.leases.lend(await this.config.tenant(now), req, now);
  }

  /** Bank: a shard's spending (and any lease handed back), applied once per sequence number. */
  report(tenantId: string, r: UsageReport): void {
    if (this.state.tenantId !== tenantId) return;
    if (this.leases.applyReport(r, Date.now())) void this.alerts.check();
  }

  /** Shard: everything to the ledger and the bank, so the bank can reconcile. */
  async flushAndReport(tenantId: string): Promise<void> {
    if (this.state.tenantId !== tenantId) return;
    await this.ledger.flushAll();
    await this.leases.reportToBank();
  }

  /** Bank: follows an admitted batch at its provider until it ends (batch-polls.ts). */
  async watchBatch(tenantId: string, batchId: string): Promise<void> {
    await this.config.ensureTenant(tenantId, 0);
    if (this.state.tenantId !== tenantId || this.state.shard !== 0) return;
    await this.clock.wakeBy(this.batches.watch(batchId, Date.now()));
  }

  // ── settlement and credit ───────────────────────────────────────────────────────────────

  /** Charges what the call really cost and releases its reservation; a repeat charges nothing. */
  settle(tenantId: string, req: SettleRequest): { charged: boolean; balanceMicros: number } {
    const state = this.state;
    if (state.tenantId !== tenantId) return { charged: false, balanceMicros: state.balance };
    const { charged, costMicros } = settle(state, this.config.loaded, req, Date.now());
    if (charged && costMicros > 0) this.afterCharge();
    return { charged, balanceMicros: state.balance };
  }

  /** An isolate's batch: every settlement (each once) and every lease handed back, in one transaction; what each call was charged. */
  books(tenantId: string, batch: BooksBatch): BooksResult {
    const state = this.state;
    const charged: BooksResult = {};
    if (state.tenantId !== tenantId) return charged;
    const now = Date.now();
    state.transaction(() => {
      for (const r of batch.returns) returnLease(state, r);
      const costs = settleAll(state, this.config.loaded, batch.settlements, now);
      // A repeat (in this batch or an earlier one) charges nothing and changes nothing.
      for (const [i, req] of batch.settlements.entries()) charged[req.requestId] ??= costs[i] ?? 0;
    });
    if (Object.values(charged).some((micros) => micros > 0)) {
      this.afterCharge();
      this.alertScopedBudgets(
        batch.settlements.filter((s) => (charged[s.requestId] ?? 0) > 0),
        now,
      );
    }
    return charged;
  }

  /** The budgets the charged calls spent into (as far as their limits are in memory), for their threshold alerts. */
  private alertScopedBudgets(settlements: SettleRequest[], now: number): void {
    const config = this.config.loaded;
    if (!config || this.state.shard !== 0) return;
    const spends = new Map<string, ScopeSpend>();
    for (const s of settlements) {
      const key = this.config.cachedKey(s.keyId);
      if (!key) continue;
      const user = s.endUser ? (this.config.cachedEndUser(s.endUser) ?? null) : null;
      for (const rule of rulesFor(config, s.keyId, key, user, { endUser: s.endUser, targets: s.model ? [s.model] : [] })) {
        if (!rule.budget || spends.has(rule.scope)) continue;
        spends.set(rule.scope, {
          scope: rule.scope,
          what: rule.what,
          period: rule.budget.period,
          periodStart: periodStart(now, rule.budget.period, config.timeZone),
          spentMicros: spentIn(this.state, rule.scope, rule.budget, config.timeZone, now),
          budgetMicros: rule.budget.micros,
        });
      }
    }
    if (spends.size) void this.alerts.scopeBudgets([...spends.values()]);
  }

  private afterCharge(): void {
    const now = Date.now();
    // A shard reports soon; the bank flushes once the minute has closed.
    void this.clock.wakeBy(this.state.shard > 0 ? now + 1000 : Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS + 1000);
    void this.alerts.check();
  }

  /** Adds (or, negative, removes) credit once per idempotency key. */
  async credit(tenantId: string, req: CreditRequest): Promise<{ applied: boolean; balanceMicros: number }> {
    await this.config.ensureTenant(tenantId);
    const now = Date.now();
    const applied = credit(this.state, req, now);
    if (applied) await this.ledger.flush(now);
    if (applied) await this.alerts.check();
    return { applied, balanceMicros: this.state.balance };
  }

  // ── alerts ──────────────────────────────────────────────────────────────────────────────

  /** Bank: a provider's circuit opened or closed on one of the tenant's calls (sent after the response). */
  async providerCircuit(tenantId: string, report: ProviderCircuitReport): Promise<void> {
    await this.config.ensureTenant(tenantId);
    await this.alerts.provider(report);
  }

  /** The tenant's newest alerts, newest first. */
  notifications(tenantId: string, limit = 50, beforeSeq: number | null = null): Notification[] {
    return this.state.tenantId === tenantId ? this.alerts.list(limit, beforeSeq) : [];
  }

  /** Server-Sent Events: alerts after `afterSeq` (Last-Event-ID), then each new one as it is raised. */
  notificationStream(tenantId: string, afterSeq: number | null = null): ReadableStream<Uint8Array> {
    if (this.state.tenantId !== tenantId && this.state.tenantId !== null) throw new Error("this gate belongs to another tenant");
    return this.alerts.stream(afterSeq);
  }

  async status(tenantId: string): Promise<GateBalance> {
    await this.config.ensureTenant(tenantId);
    const now = Date.now();
    const config = await this.config.tenant(now);
    const open = this.state.openReservations();
    return {
      balanceMicros: this.state.balance,
      reservedMicros: open.reserved,
      openReservations: open.n,
      monthSpendMicros: this.state.monthSpend(now),
      unflushedEntries: this.ledger.unflushed(),
      billingEnabled: config.billingEnabled,
      leasesGranted: Number(this.state.meta("leases_granted") ?? 0),
    };
  }

  /** What each scope (scopes.ts keyScope, userScope) has spent in its current budget period. */
  async spend(tenantId: string, queries: SpendQuery[]): Promise<number[]> {
    await this.config.ensureTenant(tenantId);
    const now = Date.now();
    const { timeZone } = await this.config.tenant(now);
    return queries.map((q) => spentIn(this.state, q.scope, q, timeZone, now));
  }

  // ── the alarm: expire reservations, flush the journal to the D1 ledger, sweep responses ──

  override async alarm(): Promise<void> {
    this.clock.fired();
    const now = Date.now();
    expireSettlements(this.state, now);
    pruneWindow(this.state, now);
    sweepScopes(this.state, now);
    const remaining = await this.ledger.flush(now);
    await this.alerts.deliver(now).catch(() => undefined); // retried by the next alarm
    await this.leases.reportToBank().catch(() => undefined); // retried by the next alarm
    await this.retention.run(now); // never throws: a failed sweep is retried by a later alarm
    await this.batches.run(this.env, now); // never throws: a failed poll is retried later
    const reservation = this.state.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM reservations").one().at;
    const flushAt = remaining > 0 || this.state.unreported > 0 ? now + 5_000 : this.ledger.nextClosedMinute(now);
    const times = [
      reservation,
      nextHoldExpiry(this.state),
      nextLeaseExpiry(this.state),
      flushAt,
      this.alerts.nextAttemptAt(),
      this.retention.nextAt(),
      this.batches.nextAt(),
    ];
    const wanted = times.filter((t): t is number => t !== null);
    if (wanted.length) await this.clock.wakeBy(Math.max(now + 100, Math.min(...wanted)));
  }

  /**
   * Proves the gate and the ledger agree: every shard flushes and reports first, then the bank
   * seals its open usage rows, flushes every journal row to D1 and compares the sums.
   */
  async reconcile(tenantId: string): Promise<Reconciliation> {
    await this.config.ensureTenant(tenantId);
    const config = await this.config.tenant(Date.now());
    for (let shard = 1; shard < config.shards; shard++) await this.gate(shard).flushAndReport(tenantId);
    return this.ledger.reconcile(tenantId);
  }
}
