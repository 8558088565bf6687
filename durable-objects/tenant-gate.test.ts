// TenantGate: exact limits and credit under concurrency, expiry of unsettled reservations,
// restarts, and agreement with the D1 ledger.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { apiKeys, tenants } from "../worker/db/schema.ts";
import { createTenant, grantCredit } from "../test/kit/fixtures.ts";
import { shardFor, shardName } from "./gate/shards.ts";
import type { TenantGate } from "./tenant-gate.ts";

interface Setup {
  tenantId: string;
  keyId: string;
  gate: DurableObjectStub<TenantGate>;
}

async function setup(limits: Partial<typeof tenants.$inferInsert> = {}, key: Partial<typeof apiKeys.$inferInsert> = {}): Promise<Setup> {
  const tenantId = await createTenant();
  const db = getDb(env.DB);
  if (Object.keys(limits).length) await db.update(tenants).set(limits).where(eq(tenants.id, tenantId));
  const keyId = `key_gate_${crypto.randomUUID().slice(0, 8)}`;
  await db.insert(apiKeys).values({ id: keyId, tenantId, name: "gate", keyHash: crypto.randomUUID(), prefix: "sk-agg-gate", createdAt: Date.now(), ...key });
  return { tenantId, keyId, gate: env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId)) };
}

const admit = (s: Setup, i: number | string, maxCostMicros = 0, tokens = 10) =>
  s.gate.admit(s.tenantId, { requestId: `req_${i}`, keyId: s.keyId, tokens, maxCostMicros });

describe("TenantGate limits", () => {
  it("admits exactly 100 of 500 concurrent requests against 100 RPM", async () => {
    const s = await setup({ billingEnabled: false, rpmLimit: 100 });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => admit(s, i)));
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, status: 429, code: "rate_limit_exceeded" });
    expect(refused && !refused.ok && refused.status === 429 && refused.retryAfterMs).toBeGreaterThan(0);
  });

  it("applies the key's own RPM under the tenant's", async () => {
    const s = await setup({ billingEnabled: false, rpmLimit: 100 }, { rpmLimit: 7 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => admit(s, i)));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    const ok = results.find((r) => r.ok);
    expect(ok?.ok && ok.limits.limitRequests).toBe(7);
  });

  it("answers an admission with limits that count it: the window it opened resets in a minute", async () => {
    const s = await setup({ billingEnabled: false, rpmLimit: 10 }, { tpmLimit: 1000 });
    const first = await admit(s, "a", 0, 100);
    expect(first).toMatchObject({
      ok: true,
      limits: { limitRequests: 10, remainingRequests: 9, resetRequestsMs: 60_000, limitTokens: 1000, remainingTokens: 900, resetTokensMs: 60_000 },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await admit(s, "b", 0, 100);
    expect(second).toMatchObject({ ok: true, limits: { remainingRequests: 8, remainingTokens: 800 } });
    // Still the first admission's window: it resets when that one leaves it.
    const limits = second.ok ? second.limits : null;
    expect(limits?.resetRequestsMs).toBeLessThan(60_000);
    expect(limits?.resetRequestsMs).toBeGreaterThan(50_000);
    expect(limits?.resetTokensMs).toBe(limits?.resetRequestsMs);
  });

  it("limits tokens per minute, counting what settlement reports", async () => {
    const s = await setup({ billingEnabled: false, tpmLimit: 1000 });
    expect((await admit(s, "a", 0, 600)).ok).toBe(true);
    expect((await admit(s, "b", 0, 600)).ok).toBe(false);
    // The first call used only 100 tokens: its window entry shrinks and room frees up.
    await s.gate.settle(s.tenantId, { requestId: "req_a", keyId: s.keyId, costMicros: 0, tokens: 100 });
    expect((await admit(s, "c", 0, 600)).ok).toBe(true);
  });

  it("limits concurrent calls until they settle", async () => {
    const s = await setup({ billingEnabled: false, concurrencyLimit: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => admit(s, i)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    await s.gate.settle(s.tenantId, { requestId: "req_0", keyId: s.keyId, costMicros: 0, tokens: 1 });
    expect((await admit(s, "next")).ok).toBe(true);
  });

  it("refuses a revoked key at once once the control plane says so", async () => {
    const s = await setup({ billingEnabled: false });
    expect((await admit(s, 1)).ok).toBe(true);
    await getDb(env.DB).update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, s.keyId));
    await s.gate.forget({ keyId: s.keyId });
    expect(await admit(s, 2)).toMatchObject({ ok: false, status: 401 });
  });
});

describe("TenantGate credit", () => {
  it("serves at most 37 of 500 concurrent calls a balance covers, never below zero, and agrees with the ledger", async () => {
    const s = await setup();
    const cost = 1_000;
    await grantCredit(s.tenantId, 37 * cost + 999);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => admit(s, i, cost)));
    const admitted = results.map((r, i) => (r.ok ? i : -1)).filter((i) => i >= 0);
    expect(admitted).toHaveLength(37);
    expect(results.find((r) => !r.ok)).toMatchObject({ status: 402, code: "insufficient_quota" });
    // Each call really cost a little less than reserved.
    await Promise.all(admitted.map((i) => s.gate.settle(s.tenantId, { requestId: `req_${i}`, keyId: s.keyId, costMicros: cost - 1, tokens: 5 })));
    const status = await s.gate.status(s.tenantId);
    expect(status.balanceMicros).toBe(37 * cost + 999 - 37 * (cost - 1));
    expect(status.balanceMicros).toBeGreaterThanOrEqual(0);
    expect(status.reservedMicros).toBe(0);
    const reconciled = await s.gate.reconcile(s.tenantId);
    expect(reconciled).toEqual({ balanceMicros: status.balanceMicros, ledgerMicros: status.balanceMicros, driftMicros: 0, unflushedEntries: 0 });
  });

  it("settles once however often settlement is repeated", async () => {
    const s = await setup();
    await grantCredit(s.tenantId, 10_000);
    expect((await admit(s, 1, 500)).ok).toBe(true);
    const first = await s.gate.settle(s.tenantId, { requestId: "req_1", keyId: s.keyId, costMicros: 400, tokens: 5 });
    const again = await s.gate.settle(s.tenantId, { requestId: "req_1", keyId: s.keyId, costMicros: 400, tokens: 5 });
    expect(first).toEqual({ charged: true, balanceMicros: 9_600 });
    expect(again).toEqual({ charged: false, balanceMicros: 9_600 });
  });

  it("credits once per idempotency key", async () => {
    const s = await setup();
    const credit = { idempotencyKey: "stripe:evt_1", kind: "topup" as const, amountMicros: 5_000_000 };
    const results = await Promise.all(Array.from({ length: 10 }, () => s.gate.credit(s.tenantId, credit)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect((await s.gate.status(s.tenantId)).balanceMicros).toBe(5_000_000);
    const rows = await env.DB.prepare("SELECT count(*) AS n, sum(amount_micros) AS total FROM ledger_entries WHERE tenant_id = ?")
      .bind(s.tenantId)
      .first<{ n: number; total: number }>();
    expect(rows).toEqual({ n: 1, total: 5_000_000 });
  });

  it("admits without credit when billing is off, limits still apply", async () => {
    const s = await setup({ billingEnabled: false, rpmLimit: 2 });
    const results = await Promise.all([1, 2, 3].map((i) => admit(s, i, 1_000_000)));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });

  it("enforces the monthly budget", async () => {
    const s = await setup({ monthlyBudgetMicros: 1_000 });
    await grantCredit(s.tenantId, 1_000_000);
    expect((await admit(s, 1, 800)).ok).toBe(true);
    expect(await admit(s, 2, 800)).toMatchObject({ ok: false, status: 402, code: "budget_exceeded" });
    await s.gate.settle(s.tenantId, { requestId: "req_1", keyId: s.keyId, costMicros: 100, tokens: 1 });
    expect((await admit(s, 3, 800)).ok).toBe(true);
  });
});

describe("TenantGate durability", () => {
  it("releases reservations that were never settled once they expire", async () => {
    const s = await setup();
    await grantCredit(s.tenantId, 1_000);
    expect((await admit(s, "lost", 1_000)).ok).toBe(true);
    expect((await admit(s, "blocked", 1)).ok).toBe(false);
    await runInDurableObject(s.gate, (_instance, state) => {
      state.storage.sql.exec("UPDATE reservations SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(s.gate)).toBe(true);
    expect((await s.gate.status(s.tenantId)).reservedMicros).toBe(0);
    expect((await admit(s, "after", 1_000)).ok).toBe(true);
  });

  it("keeps reservations, windows and balance across a restart mid-burst", async () => {
    const s = await setup({ rpmLimit: 60 });
    await grantCredit(s.tenantId, 100_000);
    const first = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(s, `a${i}`, 1_000)));
    await evictDurableObject(s.gate);
    const second = await Promise.all(Array.from({ length: 60 }, (_, i) => admit(s, `b${i}`, 1_000)));
    expect([...first, ...second].filter((r) => r.ok)).toHaveLength(60);
    const status = await s.gate.status(s.tenantId);
    expect(status).toMatchObject({ openReservations: 60, reservedMicros: 60_000, balanceMicros: 100_000 });
  });
});

describe("TenantGate shards", () => {
  const shardStub = (tenantId: string, shard: number) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(shardName(tenantId, shard)));
  const admitSharded = (s: Setup, shards: number, i: number, maxCostMicros = 0) => {
    const requestId = `req_${i}`;
    const shard = shardFor(requestId, shards);
    return shardStub(s.tenantId, shard)
      .admit(s.tenantId, { requestId, keyId: s.keyId, tokens: 10, maxCostMicros }, shard)
      .then((r) => ({ ...r, shard }));
  };

  it("splits a limit so 4 shards together admit exactly 100 of 500 against 100 RPM", async () => {
    const s = await setup({ billingEnabled: false, rpmLimit: 100, gateShards: 4 });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => admitSharded(s, 4, i)));
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    for (let shard = 0; shard < 4; shard++) expect(results.filter((r) => r.ok && r.shard === shard)).toHaveLength(25);
  });

  it("never overspends with credit leased to 4 shards, and the ledger agrees", async () => {
    const s = await setup({ gateShards: 4 });
    const cost = 1_000;
    await grantCredit(s.tenantId, 37 * cost + 999);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => admitSharded(s, 4, i, cost)));
    const admitted = results.map((r, i) => (r.ok ? { i, shard: r.shard } : null)).filter((x) => x !== null);
    expect(admitted.length).toBeLessThanOrEqual(37);
    expect(admitted.length).toBeGreaterThanOrEqual(30);
    await Promise.all(
      admitted.map(({ i, shard }) => shardStub(s.tenantId, shard).settle(s.tenantId, { requestId: `req_${i}`, keyId: s.keyId, costMicros: cost, tokens: 5 })),
    );
    const reconciled = await s.gate.reconcile(s.tenantId);
    expect(reconciled.driftMicros).toBe(0);
    expect(reconciled.balanceMicros).toBe(37 * cost + 999 - admitted.length * cost);
    expect(reconciled.balanceMicros).toBeGreaterThanOrEqual(0);
    // What is left can still be spent, through any shard.
    const more = await Promise.all(Array.from({ length: 40 }, (_, i) => admitSharded(s, 4, 1000 + i, cost)));
    expect(admitted.length + more.filter((r) => r.ok).length).toBeLessThanOrEqual(37);
  });
});
