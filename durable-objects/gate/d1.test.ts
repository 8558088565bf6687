// The gate's D1 statements against the real schema: the reads it caches, and the ledger write
// that a repeated flush turns into nothing.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/kit/fixtures.ts";
import { getDb } from "../../worker/db/client.ts";
import { apiKeys, endUsers, ledgerEntries, tenants } from "../../worker/db/schema.ts";
import { type LedgerWrite, alertSettings, endUserLimits, hasEndUserOverrides, keyLimits, ledgerBalance, tenantLimits, writeLedger } from "./d1.ts";

const ledgerRow = (tenantId: string, id: string, amountMicros: number, extra: Partial<LedgerWrite> = {}): LedgerWrite => ({
  id: `led_${tenantId}_${id}`,
  tenantId,
  kind: "topup",
  amountMicros,
  idempotencyKey: id,
  reason: null,
  actorId: null,
  createdAt: 1_700_000_000_000,
  ...extra,
});

describe("TenantGate D1 statements", () => {
  it("writes journal rows to the ledger once, every field in its column", async () => {
    const tenantId = await createTenant();
    const rows = [ledgerRow(tenantId, "pay_1", 5_000_000, { reason: "card", actorId: "usr_1" }), ledgerRow(tenantId, "usage:k:0:0", -1_234, { kind: "usage" })];
    await writeLedger(env.DB, rows);
    await writeLedger(env.DB, rows);
    expect(await ledgerBalance(env.DB, tenantId)).toBe(5_000_000 - 1_234);
    const stored = await getDb(env.DB).select().from(ledgerEntries).where(eq(ledgerEntries.tenantId, tenantId)).all();
    expect(stored.sort((a, b) => a.id.localeCompare(b.id))).toEqual(rows.sort((a, b) => String(a.id).localeCompare(String(b.id))));
  });

  it("reads a tenant's limits and alert settings, a key's limits, and nothing for unknown ids", async () => {
    const tenantId = await createTenant();
    const db = getDb(env.DB);
    await db
      .update(tenants)
      .set({
        billingEnabled: false,
        rpmLimit: 60,
        tpmLimit: 6_000,
        concurrencyLimit: 6,
        monthlyBudgetMicros: 9_000_000,
        gateShards: 3,
        alertThresholds: [25, 75],
        lowBalanceMicros: 1_000,
        alertWebhookUrl: "https://example.com/hook",
        timeZone: "Europe/Berlin",
        endUserDefaults: { rpm: 5, tpm: null, budgetMicros: 1_000, budgetPeriod: "daily" },
        modelLimits: [{ model: "demo/*", rpm: 3, tpm: null, budgetMicros: null, budgetPeriod: "monthly" }],
      })
      .where(eq(tenants.id, tenantId));
    await db.insert(apiKeys).values({
      id: `key_${tenantId}`,
      tenantId,
      name: "d1",
      keyHash: crypto.randomUUID(),
      prefix: "sk-agg-d1",
      rpmLimit: 7,
      expiresAt: 123,
      revokedAt: 456,
      budgetMicros: 2_000,
      budgetMode: "soft",
    });

    expect(await tenantLimits(env.DB, tenantId)).toEqual({
      billingEnabled: false,
      rpmLimit: 60,
      tpmLimit: 6_000,
      concurrencyLimit: 6,
      monthlyBudgetMicros: 9_000_000,
      gateShards: 3,
      timeZone: "Europe/Berlin",
      endUserDefaults: { rpm: 5, tpm: null, budgetMicros: 1_000, budgetPeriod: "daily" },
      modelLimits: [{ model: "demo/*", rpm: 3, tpm: null, budgetMicros: null, budgetPeriod: "monthly" }],
    });
    expect(await alertSettings(env.DB, tenantId)).toEqual({
      billingEnabled: false,
      monthlyBudgetMicros: 9_000_000,
      alertThresholds: [25, 75],
      lowBalanceMicros: 1_000,
      alertWebhookUrl: "https://example.com/hook",
      slackWebhookUrl: null,
      slackLanguage: "en",
      alertWebhookSecretVersion: 1,
    });
    expect(await keyLimits(env.DB, `key_${tenantId}`)).toEqual({
      tenantId,
      revokedAt: 456,
      expiresAt: 123,
      rpmLimit: 7,
      tpmLimit: null,
      budgetMicros: 2_000,
      budgetPeriod: "monthly",
      budgetMode: "soft",
      modelLimits: null,
    });
    expect(await hasEndUserOverrides(env.DB, tenantId)).toBe(false);
    await db.insert(endUsers).values({ tenantId, endUser: "ann", rpmLimit: 2 });
    expect(await hasEndUserOverrides(env.DB, tenantId)).toBe(true);
    expect(await endUserLimits(env.DB, tenantId, "ann")).toEqual({ rpm: 2, tpm: null, budgetMicros: null, budgetPeriod: "monthly" });
    expect(await endUserLimits(env.DB, tenantId, "bob")).toBeUndefined();

    expect(await tenantLimits(env.DB, "ten_missing")).toBeUndefined();
    expect(await alertSettings(env.DB, "ten_missing")).toBeUndefined();
    expect(await keyLimits(env.DB, "key_missing")).toBeUndefined();
    expect(await ledgerBalance(env.DB, "ten_missing")).toBe(0);
  });
});
