// The bank's alarm deletes stored responses past their retention: on its first run, when the
// next expiry it knows of comes (it wakes for it on its own), and otherwise at most hourly; a
// failing sweep is retried later and never throws out of the alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/kit/fixtures.ts";
import { getDb } from "../../worker/db/client.ts";
import { storedResponses } from "../../worker/db/schema.ts";
import { type ResponseRecord, saveResponse } from "../../worker/db/stored-responses.ts";
import type { TenantGate } from "../tenant-gate.ts";
import { RETENTION_SWEEP_EVERY_MS as HOUR, RETENTION_RETRY_MS, ResponseRetention } from "./response-retention.ts";
import { GateState } from "./state.ts";

const db = getDb(env.DB);
const DAY = 86_400_000;

/** A response stored with 1 day of retention that expires at `expiresAt`. */
function expiringAt(tenantId: string, id: string, expiresAt: number): Promise<void> {
  const record: ResponseRecord = { id, tenantId, keyId: "k", model: "m", createdAt: expiresAt - DAY, response: { id }, inputItems: [] };
  return saveResponse(db, record, 1);
}

async function storedIds(tenantId: string): Promise<string[]> {
  const rows = await db.select({ id: storedResponses.id }).from(storedResponses).where(eq(storedResponses.tenantId, tenantId)).all();
  return rows.map((r) => r.id).sort();
}

async function bank() {
  const tenantId = await createTenant();
  const gate: DurableObjectStub<TenantGate> = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
  await gate.status(tenantId); // claims the gate for the tenant
  return { tenantId, gate };
}

/** Runs the gate's alarm now, as if something else (a flush, a lease) had woken it. */
async function alarmNow(gate: DurableObjectStub<TenantGate>): Promise<void> {
  // Set far ahead so workerd does not run it on its own first; runDurableObjectAlarm runs it now.
  await runInDurableObject(gate, (_, state) => state.storage.setAlarm(Date.now() + DAY));
  expect(await runDurableObjectAlarm(gate)).toBe(true);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alarmAt = (gate: DurableObjectStub<TenantGate>) => runInDurableObject(gate, (_, state) => state.storage.getAlarm());

describe("response retention at the gate", () => {
  it("sweeps expired responses, then wakes for the next expiry by itself, and otherwise at most hourly", async () => {
    const { tenantId, gate } = await bank();
    const other = await createTenant();
    const now = Date.now();
    const soon = now + 1_500;
    await expiringAt(tenantId, "resp_expired", now - 1);
    await expiringAt(tenantId, "resp_soon", soon);
    await expiringAt(tenantId, "resp_later", now + 20 * DAY);
    await expiringAt(other, "resp_other_expired", now - 1);

    await alarmNow(gate);
    expect(await storedIds(tenantId)).toEqual(["resp_later", "resp_soon"]);
    expect(await storedIds(other)).toEqual(["resp_other_expired"]);
    // Nothing else is scheduled: the alarm is the next expiry, so no further call is needed.
    expect(await alarmAt(gate)).toBe(soon);

    // workerd runs the alarm when it is due: nobody calls the gate in between.
    await until(async () => (await storedIds(tenantId)).length === 1, 10_000);
    const sweptTo = Date.now();
    expect(await storedIds(tenantId)).toEqual(["resp_later"]);
    expect(await alarmAt(gate)).toBe(now + 20 * DAY);

    // Stored after that sweep: an alarm within the hour leaves it (cheap) but wakes by the hour's end.
    await expiringAt(tenantId, "resp_new", Date.now() - 1);
    await alarmNow(gate);
    expect(await storedIds(tenantId)).toEqual(["resp_later", "resp_new"]);
    const next = await alarmAt(gate);
    expect(next).toBeGreaterThanOrEqual(soon + HOUR);
    expect(next).toBeLessThanOrEqual(sweptTo + HOUR);
  });

  it("retries a failed sweep a minute later without throwing, and only the bank sweeps", async () => {
    const { tenantId, gate } = await bank();
    let attempts = 0;
    const broken = {
      prepare: () => {
        attempts++;
        throw new Error("D1 unavailable");
      },
    } as unknown as D1Database;
    await runInDurableObject(gate, async (_, state) => {
      const gateState = new GateState(state.storage);
      gateState.open();
      expect(gateState.tenantId).toBe(tenantId);
      const retention = new ResponseRetention(gateState, broken);
      const now = Date.now();
      await retention.run(now);
      expect(attempts).toBeGreaterThan(0);
      expect(retention.nextAt()).toBe(now + RETENTION_RETRY_MS);
      const tried = attempts;
      await retention.run(now + RETENTION_RETRY_MS - 1);
      expect(attempts).toBe(tried);
      await retention.run(now + RETENTION_RETRY_MS);
      expect(attempts).toBeGreaterThan(tried);

      gateState.shard = 1;
      const shard = new ResponseRetention(gateState, broken);
      const before = attempts;
      await shard.run(now);
      expect(attempts).toBe(before);
      expect(shard.nextAt()).toBeNull();
    });
  });
});
