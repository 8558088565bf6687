// What the gate knows from D1: the balance the bank starts from, the tenant's limits and its keys'.
// Each is loaded once inside blockConcurrencyWhile, so no admission interleaves with a load, and
// then read from memory on the hot path until it expires or the control plane says it changed.
import type { Env } from "../bindings.ts";
import { leaseMs } from "./call-leases.ts";
import { endUserLimits, hasEndUserOverrides, keyLimits, ledgerBalance, tenantLimits } from "./d1.ts";
import { shareOf } from "./shards.ts";
import type { GateState } from "./state.ts";
import type { ScopeLimits } from "../../worker/db/schema.ts";
import type { KeyConfig, TenantConfig } from "./storage.ts";

const CONFIG_TTL_MS = 5 * 60_000;
const DEFAULT_CONCURRENCY = 256;

/** Concurrent calls for a tenant that set no limit: DEFAULT_CONCURRENCY_LIMIT, 256 if unset, none if 0. */
export function defaultConcurrency(value: string | undefined): number | null {
  const parsed = value === undefined || value.trim() === "" ? DEFAULT_CONCURRENCY : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) return DEFAULT_CONCURRENCY;
  return parsed === 0 ? null : parsed;
}

/** The deployment's settings the gate reads (wrangler.toml [vars]). */
export type GateSettings = Pick<Env, "DEFAULT_CONCURRENCY_LIMIT" | "ADMISSION_LEASE_MS">;

/** The limits of an end user without an override, or none. */
const NO_LIMITS: ScopeLimits | null = null;
/** How many end users' limits are kept in memory. */
const END_USER_CACHE = 10_000;

export class GateConfig {
  private readonly ctx: DurableObjectState;
  private readonly state: GateState;
  private readonly d1: D1Database;
  private readonly settings: GateSettings;
  private config: TenantConfig | null = null;
  /** Keys' limits as the `keys` table has them, read from memory on the hot path. */
  private readonly keyCache = new Map<string, { config: KeyConfig; loadedAt: number }>();
  /** End users' limits (their own, else the tenant's defaults), read from memory on the hot path. */
  private readonly endUserCache = new Map<string, { limits: ScopeLimits | null; loadedAt: number }>();

  constructor(ctx: DurableObjectState, state: GateState, d1: D1Database, settings: GateSettings) {
    this.ctx = ctx;
    this.state = state;
    this.d1 = d1;
    this.settings = settings;
  }

  /** The tenant's limits if they are loaded, without loading them. */
  get loaded(): TenantConfig | null {
    return this.config;
  }

  /** First use: remember the tenant and shard; the bank starts from the ledger's balance, a shard from nothing. */
  async ensureTenant(tenantId: string, shard = 0): Promise<void> {
    const state = this.state;
    if (state.tenantId === tenantId && state.initialized) return;
    if (state.tenantId !== null && state.tenantId !== tenantId) throw new Error("this gate belongs to another tenant");
    await this.ctx.blockConcurrencyWhile(async () => {
      if (state.initialized) return;
      const balanceMicros = shard === 0 ? await ledgerBalance(this.d1, tenantId) : 0;
      state.claim(tenantId, shard, balanceMicros);
    });
  }

  async tenant(now: number): Promise<TenantConfig> {
    if (this.config && now - this.config.loadedAt < CONFIG_TTL_MS) return this.config;
    await this.ctx.blockConcurrencyWhile(async () => {
      const tenantId = this.state.tenantId!;
      const [row, overrides] = await Promise.all([tenantLimits(this.d1, tenantId), hasEndUserOverrides(this.d1, tenantId)]);
      const shard = this.state.shard;
      const shards = Math.max(1, row?.gateShards ?? 1);
      this.config = {
        billingEnabled: row ? row.billingEnabled : true,
        shards,
        rpm: shareOf(row?.rpmLimit ?? null, shard, shards),
        tpm: shareOf(row?.tpmLimit ?? null, shard, shards),
        concurrency: shareOf(row?.concurrencyLimit ?? defaultConcurrency(this.settings.DEFAULT_CONCURRENCY_LIMIT), shard, shards),
        leaseMs: leaseMs(this.settings.ADMISSION_LEASE_MS),
        monthlyBudgetMicros: row?.monthlyBudgetMicros ?? null,
        timeZone: row?.timeZone ?? "UTC",
        endUserDefaults: row?.endUserDefaults ?? null,
        endUsersLimited: overrides || (row?.endUserDefaults ?? null) !== null,
        modelLimits: row?.modelLimits ?? [],
        loadedAt: now,
      };
      if (this.state.timeZone !== this.config.timeZone) this.state.setMeta("time_zone", this.config.timeZone);
    });
    return this.config!;
  }

  async key(keyId: string, now: number): Promise<KeyConfig | null> {
    const known = this.keyCache.get(keyId);
    if (known && now - known.loadedAt < CONFIG_TTL_MS) return known.config;
    const sql = this.state.sql;
    const cached = sql.exec<{ config: string; loaded_at: number }>("SELECT config, loaded_at FROM key_configs WHERE key_id = ?", keyId).toArray()[0];
    if (cached && now - cached.loaded_at < CONFIG_TTL_MS) {
      const config = JSON.parse(cached.config) as KeyConfig;
      this.keyCache.set(keyId, { config, loadedAt: cached.loaded_at });
      return config;
    }
    let loaded: KeyConfig | null = null;
    await this.ctx.blockConcurrencyWhile(async () => {
      const row = await keyLimits(this.d1, keyId);
      if (!row || row.tenantId !== this.state.tenantId) {
        this.forgetKey(keyId);
        return;
      }
      const shard = this.state.shard;
      const shards = this.config?.shards ?? 1;
      loaded = {
        revoked: row.revokedAt !== null,
        expiresAt: row.expiresAt,
        rpm: shareOf(row.rpmLimit, shard, shards),
        tpm: shareOf(row.tpmLimit, shard, shards),
        budget: row.budgetMicros === null ? null : { micros: row.budgetMicros, period: row.budgetPeriod, mode: row.budgetMode },
        modelLimits: row.modelLimits ?? [],
      };
      sql.exec(
        "INSERT INTO key_configs (key_id, config, loaded_at) VALUES (?, ?, ?) ON CONFLICT(key_id) DO UPDATE SET config = excluded.config, loaded_at = excluded.loaded_at",
        keyId,
        JSON.stringify(loaded),
        now,
      );
      this.keyCache.set(keyId, { config: loaded, loadedAt: now });
    });
    return loaded;
  }

  /** A key's limits if they are in memory, without loading them. */
  cachedKey(keyId: string): KeyConfig | null {
    return this.keyCache.get(keyId)?.config ?? null;
  }

  /** An end user's limits if they are in memory (undefined: not loaded). */
  cachedEndUser(name: string): ScopeLimits | null | undefined {
    return this.endUserCache.get(name)?.limits;
  }

  /** An end user's limits: their own if an admin set them, else the tenant's defaults; null: none. */
  async endUser(name: string, tenant: TenantConfig, now: number): Promise<ScopeLimits | null> {
    if (!tenant.endUsersLimited) return NO_LIMITS;
    const known = this.endUserCache.get(name);
    if (known && now - known.loadedAt < CONFIG_TTL_MS) return known.limits;
    let limits: ScopeLimits | null = NO_LIMITS;
    await this.ctx.blockConcurrencyWhile(async () => {
      const own = await endUserLimits(this.d1, this.state.tenantId!, name);
      limits = own ?? tenant.endUserDefaults;
      if (this.endUserCache.size >= END_USER_CACHE) this.endUserCache.clear();
      this.endUserCache.set(name, { limits, loadedAt: now });
    });
    return limits;
  }

  forgetEndUser(name: string): void {
    this.endUserCache.delete(name);
    this.config = null;
  }

  forgetKey(keyId: string): void {
    this.state.sql.exec("DELETE FROM key_configs WHERE key_id = ?", keyId);
    this.keyCache.delete(keyId);
  }

  forgetTenant(): void {
    this.config = null;
    this.endUserCache.clear();
  }
}
