// Admission leases at the gate: what a lease holds is counted and reserved, what comes back
// (settlements and the hand-back, in any order) releases exactly it, and an isolate that never
// comes back is released by the alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTenant, grantCredit } from "../../test/kit/fixtures.ts";
import { getDb } from "../../worker/db/client.ts";
import { apiKeys, tenants } from "../../worker/db/schema.ts";
import type { TenantGate } from "../tenant-gate.ts";
import { LEASE_ABANDONED_MS } from "./call-leases.ts";
import { RESERVATION_TTL_MS } from "./storage.ts";
import type { LeaseGrant, SettleRequest } from "./types.ts";

async function setup(limits: Partial<typeof tenants.$inferInsert>) {
  const tenantId = await createTenant();
  const db = getDb(env.DB);
  await db.update(tenants).set(limits).where(eq(tenants.id, tenantId));
  const keyId = `key_lease_${crypto.randomUUID().slice(0, 8)}`;
  await db.insert(apiKeys).values({ id: keyId, tenantId, name: "lease", keyHash: crypto.randomUUID(), prefix: "sk-agg-lease", createdAt: Date.now() });
  const gate: DurableObjectStub<TenantGate> = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
  return { tenantId, keyId, gate };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function leased(s: Setup, maxCostMicros: number, tokens = 10): Promise<LeaseGrant> {
  const result = await s.gate.admit(s.tenantId, {
    requestId: crypto.randomUUID(),
    keyId: s.keyId,
    tokens,
    maxCostMicros,
    lease: { id: crypto.randomUUID(), requests: 8 },
  });
  if (!result.ok || !result.lease) throw new Error(`no lease: ${JSON.stringify(result)}`);
  return result.lease;
}

const settlement = (s: Setup, lease: LeaseGrant, costMicros: number, afterReturn: boolean): SettleRequest => ({
  requestId: crypto.randomUUID(),
  keyId: s.keyId,
  costMicros,
  tokens: 4,
  lease: { id: lease.id, reservedMicros: 100, estimatedTokens: 10, afterReturn },
});

describe("admission leases at the gate", () => {
  it("hold a quarter of what is left, in whole calls, and count in the window and the reservations", async () => {
    const s = await setup({ rpmLimit: 100, concurrencyLimit: 40 });
    await grantCredit(s.tenantId, 1_050);
    const lease = await leased(s, 100);
    // Credit room 1,050 → a quarter is 262 → two calls of 100; requests 25, slots 10: credit decides.
    expect(lease).toMatchObject({ requests: 2, creditMicros: 200, slots: 2, tokens: null });
    const status = await s.gate.status(s.tenantId);
    expect(status).toMatchObject({ reservedMicros: 200, openReservations: 2, leasesGranted: 1 });
  });

  it("give a lease only far from every limit: near one, each call is admitted exactly", async () => {
    const s = await setup({ rpmLimit: 5, billingEnabled: false });
    const result = await s.gate.admit(s.tenantId, { requestId: "r1", keyId: s.keyId, tokens: 1, maxCostMicros: 0, lease: { id: "l1", requests: 8 } });
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.lease).toBeFalsy();
    expect(result.ok && result.limits.remainingRequests).toBe(4);
  });

  it("release exactly what they held whatever order settlements and the hand-back arrive in", async () => {
    const s = await setup({ billingEnabled: true, concurrencyLimit: 100 });
    await grantCredit(s.tenantId, 10_000);
    const lease = await leased(s, 100);
    expect(lease.requests).toBeGreaterThanOrEqual(4);
    // The isolate used 3 calls: one ended before the hand-back, two after (one of them settled before the hand-back arrived).
    const early = settlement(s, lease, 30, false);
    const lateFirst = settlement(s, lease, 40, true);
    const lateLast = settlement(s, lease, 50, true);
    await s.gate.books(s.tenantId, { settlements: [lateFirst], returns: [] });
    await s.gate.books(s.tenantId, {
      settlements: [early],
      returns: [{ id: lease.id, unusedRequests: lease.requests - 3, unusedTokens: 0, unusedCreditMicros: lease.creditMicros! - 300, open: 2 }],
    });
    let status = await s.gate.status(s.tenantId);
    expect(status).toMatchObject({ reservedMicros: 100, openReservations: 1 }); // lateLast still running
    const charged = await s.gate.books(s.tenantId, { settlements: [lateLast, lateLast], returns: [] });
    expect(charged).toEqual({ [lateLast.requestId]: 50 });
    status = await s.gate.status(s.tenantId);
    expect(status).toMatchObject({ reservedMicros: 0, openReservations: 0, balanceMicros: 10_000 - 120 });
    expect((await s.gate.reconcile(s.tenantId)).driftMicros).toBe(0);
  });

  it("charge a leased call at most what it took from the lease", async () => {
    const s = await setup({ billingEnabled: true });
    await grantCredit(s.tenantId, 10_000);
    const lease = await leased(s, 100);
    const over = settlement(s, lease, 5_000, false);
    expect(await s.gate.books(s.tenantId, { settlements: [over], returns: [] })).toEqual({ [over.requestId]: 100 });
  });

  it("keep a lease's requests in the window for a minute after its last usable moment", async () => {
    const s = await setup({ rpmLimit: 40, billingEnabled: false });
    const lease = await leased(s, 0);
    expect(lease.requests).toBe(8); // min(asked 8, 40 / 4)
    const counted = await runInDurableObject(s.gate, (_, state) =>
      state.storage.sql.exec<{ use_by: number; requests: number }>("SELECT use_by, requests FROM admission_leases").one(),
    );
    expect(counted.requests).toBe(8);
    // Handed back unused: the room is free again at once.
    await s.gate.books(s.tenantId, { settlements: [], returns: [{ id: lease.id, unusedRequests: 8, unusedTokens: 0, unusedCreditMicros: 0, open: 0 }] });
    const again = await s.gate.admit(s.tenantId, { requestId: "x", keyId: s.keyId, tokens: 1, maxCostMicros: 0 });
    expect(again.ok && again.limits.remainingRequests).toBe(39);
  });

  it("are given up 30 s after their last usable moment when not handed back, their requests still counted for the minute", async () => {
    const s = await setup({ billingEnabled: true, rpmLimit: 100 });
    await grantCredit(s.tenantId, 10_000);
    const lease = await leased(s, 100);
    await runInDurableObject(s.gate, (_, state) => {
      state.storage.sql.exec("UPDATE admission_leases SET use_by = ?", Date.now() - LEASE_ABANDONED_MS - 1);
    });
    await runDurableObjectAlarm(s.gate);
    expect(await s.gate.status(s.tenantId)).toMatchObject({ reservedMicros: 0, openReservations: 0, balanceMicros: 10_000 });
    const after = await s.gate.admit(s.tenantId, { requestId: "after", keyId: s.keyId, tokens: 1, maxCostMicros: 0 });
    expect(after.ok && after.limits.remainingRequests).toBe(100 - lease.requests - 1);
  });

  it("are released by the alarm when the isolate never comes back", async () => {
    const s = await setup({ billingEnabled: true });
    await grantCredit(s.tenantId, 10_000);
    await leased(s, 100);
    expect((await s.gate.status(s.tenantId)).reservedMicros).toBeGreaterThan(0);
    await runInDurableObject(s.gate, (_, state) => {
      state.storage.sql.exec("UPDATE admission_leases SET expires_at = ?", Date.now() - 1);
    });
    await runDurableObjectAlarm(s.gate);
    expect(await s.gate.status(s.tenantId)).toMatchObject({ reservedMicros: 0, openReservations: 0, balanceMicros: 10_000 });
    expect(RESERVATION_TTL_MS).toBeGreaterThan(0);
  });
});
