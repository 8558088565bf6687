// Alerts raised by the tenant's gate: budget thresholds and low balance fire once per
// crossing (and again after the value went back, or in a new month), reach the notification
// list, the SSE stream and the tenant's webhook — signed, and retried with backoff.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { gateFor } from "../worker/gateway/gate.ts";
import { SIGNATURE_HEADER, verifyAlertSignature } from "../worker/services/alerts.ts";
import { call, createMember, json, jsonInit } from "./kit/fixtures.ts";
import { expectNotifications, type NotificationJson, readUntil, sleep } from "./kit/notifications.ts";
import { billingTenant, mockJson, stripeBase } from "./kit/payments.ts";

let reqCounter = 0;

/** The platform operator, a member of the tenant: only it may point the webhook at the local mock. */
const mockHookSetter = (tenantId: string) => createMember("owner", tenantId, { operator: true });

/** A call admitted and settled at the gate for `cost` micro-dollars. */
async function spend(tenantId: string, keyId: string, cost: number): Promise<void> {
  const gate = gateFor(env, tenantId);
  const requestId = `req_alert_${++reqCounter}_${Date.now()}`;
  const admitted = await gate.admit(tenantId, { requestId, keyId, tokens: 1, maxCostMicros: cost });
  expect(admitted.ok).toBe(true);
  await gate.settle(tenantId, { requestId, keyId, costMicros: cost, tokens: 1 });
}

const debit = (tenantId: string, amount: number) =>
  gateFor(env, tenantId).credit(tenantId, { idempotencyKey: `test-debit:${crypto.randomUUID()}`, kind: "adjustment", amountMicros: amount, reason: "test" });

async function hookDeliveries(name: string, atLeast: number): Promise<{ headers: Record<string, string>; body: string }[]> {
  let items: { headers: Record<string, string>; body: string }[] = [];
  for (let i = 0; i < 100; i++) {
    items = await mockJson(stripeBase(), `/__hooks/${name}`);
    if (items.length >= atLeast) break;
    await sleep(30);
  }
  return items;
}

describe("budget thresholds", () => {
  it("fire once per crossing of 50, 80 and 100 %, and again after the budget was raised and lowered", async () => {
    const { tenantId, owner } = await billingTenant();
    await getDb(env.DB).update(tenants).set({ billingEnabled: false, monthlyBudgetMicros: 1_000_000 }).where(eq(tenants.id, tenantId));
    const { id: keyId } = await json<{ id: string }>(await call("/api/keys", jsonInit({ name: "alerts" }, owner.headers)));

    await spend(tenantId, keyId, 400_000);
    await expectNotifications(owner, 0);
    await spend(tenantId, keyId, 100_000); // exactly 50 %
    const [fifty] = await expectNotifications(owner, 1);
    expect(fifty).toMatchObject({
      type: "budget.threshold_crossed",
      data: { threshold_percent: 50, month_spend_micros: 500_000, monthly_budget_micros: 1_000_000 },
    });
    await spend(tenantId, keyId, 10_000);
    await expectNotifications(owner, 1);
    await spend(tenantId, keyId, 350_000); // 86 %
    await spend(tenantId, keyId, 140_000); // 100 %
    const items = await expectNotifications(owner, 3);
    expect(items.map((n) => n.data.threshold_percent)).toEqual([100, 80, 50]);
    expect(items.map((n) => n.seq)).toEqual([...items.map((n) => n.seq)].sort((a, b) => b - a));

    // A higher budget puts the spend back under every threshold; lowering it again crosses them again.
    const admin = await createMember("admin", tenantId);
    const patch = (budget: number) => call("/api/tenant", jsonInit({ monthly_budget_micros: budget }, admin.headers, "PATCH"));
    expect((await patch(10_000_000)).status).toBe(200);
    await spend(tenantId, keyId, 1);
    await expectNotifications(owner, 3);
    expect((await patch(1_900_000)).status).toBe(200);
    await spend(tenantId, keyId, 1);
    const again = await expectNotifications(owner, 4);
    expect(again[0]).toMatchObject({ data: { threshold_percent: 50 } });
  });

  it("are remembered per month: a new month's crossing fires again", async () => {
    const { tenantId, owner } = await billingTenant();
    await getDb(env.DB)
      .update(tenants)
      .set({ billingEnabled: false, monthlyBudgetMicros: 1_000, alertThresholds: [50] })
      .where(eq(tenants.id, tenantId));
    const { id: keyId } = await json<{ id: string }>(await call("/api/keys", jsonInit({ name: "alerts" }, owner.headers)));
    await spend(tenantId, keyId, 600);
    await expectNotifications(owner, 1);
    // Pretend the crossing was remembered last month.
    await runInDurableObject(gateFor(env, tenantId), (_instance, state) => {
      state.storage.sql.exec("UPDATE alert_state SET month = month - 86400000 * 31");
    });
    await spend(tenantId, keyId, 1);
    await expectNotifications(owner, 2);
  });
});

describe("low balance", () => {
  it("fires once per crossing, to the list and to the signed webhook", async () => {
    const { tenantId, owner } = await billingTenant(10_000_000);
    const hook = `low-${crypto.randomUUID()}`;
    const settings = await call(
      "/api/notifications/settings",
      jsonInit({ webhook_url: `${stripeBase()}/__hooks/${hook}`, low_balance_micros: 5_000_000 }, (await mockHookSetter(tenantId)).headers, "PUT"),
    );
    expect(settings.status).toBe(200);
    const { webhook_secret: secret } = await json<{ webhook_secret: string }>(settings);
    expect(secret).toMatch(/^whsec_/);

    await debit(tenantId, -6_000_000); // 4 M < 5 M
    await debit(tenantId, -1_000_000); // still below: no repeat
    await expectNotifications(owner, 1);
    await debit(tenantId, 10_000_000); // back above: reset
    await expectNotifications(owner, 1);
    await debit(tenantId, -9_500_000); // 3.5 M: a new crossing
    const items = await expectNotifications(owner, 2);
    expect(items.map((n) => n.type)).toEqual(["balance.low", "balance.low"]);
    expect(items[1]!.data).toMatchObject({ balance_micros: 4_000_000, threshold_micros: 5_000_000 });

    const deliveries = await hookDeliveries(hook, 2);
    expect(deliveries).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    for (const d of deliveries) {
      const header = d.headers[SIGNATURE_HEADER]!;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(await verifyAlertSignature(secret, d.body, header, now)).toBe(true);
      expect(await verifyAlertSignature(secret, d.body.replace("balance", "BALANCE"), header, now)).toBe(false);
      expect(await verifyAlertSignature(`${secret}x`, d.body, header, now)).toBe(false);
      expect(await verifyAlertSignature(secret, d.body, header, now + 3600)).toBe(false);
    }
    expect(new Set(deliveries.map((d) => (JSON.parse(d.body) as NotificationJson).id))).toEqual(new Set(items.map((n) => n.id)));

    // Rotating the secret changes it; the old one no longer verifies new deliveries.
    const rotated = await json<{ webhook_secret: string }>(await call("/api/notifications/settings", jsonInit({ rotate_secret: true }, owner.headers, "PUT")));
    expect(rotated.webhook_secret).not.toBe(secret);
  });

  it("retries a failed delivery with exponential backoff until the receiver accepts it", async () => {
    const { tenantId } = await billingTenant(10_000_000);
    const hook = `retry-${crypto.randomUUID()}`;
    await mockJson(stripeBase(), `/__hooks/${hook}/fail`, { times: 2 });
    await call(
      "/api/notifications/settings",
      jsonInit({ webhook_url: `${stripeBase()}/__hooks/${hook}`, low_balance_micros: 5_000_000 }, (await mockHookSetter(tenantId)).headers, "PUT"),
    );
    await debit(tenantId, -9_000_000);
    const gate = gateFor(env, tenantId);
    const outbox = () =>
      runInDurableObject(gate, (_i, state) =>
        state.storage.sql
          .exec<{ attempts: number; next_at: number; delivered_at: number | null }>("SELECT attempts, next_at, delivered_at FROM alert_outbox")
          .toArray(),
      );

    expect(await hookDeliveries(hook, 1)).toHaveLength(1);
    let rows = await outbox();
    for (let i = 0; i < 50 && rows[0]?.attempts !== 1; i++) {
      await sleep(20);
      rows = await outbox();
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(1);
    expect(rows[0]!.next_at - Date.now()).toBeGreaterThan(25_000); // 30 s after the first failure

    const due = async () => {
      await runInDurableObject(gate, (_i, state) => state.storage.sql.exec("UPDATE alert_outbox SET next_at = 0"));
      expect(await runDurableObjectAlarm(gate)).toBe(true);
    };
    await due();
    rows = await outbox();
    expect(rows[0]!.attempts).toBe(2);
    expect(rows[0]!.next_at - Date.now()).toBeGreaterThan(55_000); // then 60 s
    await due();
    rows = await outbox();
    expect(rows[0]).toMatchObject({ attempts: 3 });
    expect(rows[0]!.delivered_at).not.toBeNull();
    const deliveries = await hookDeliveries(hook, 3);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.headers["x-aggregator-delivery"])).size).toBe(1);
  });
});

describe("GET /api/notifications/stream", () => {
  it("pushes an alert as it is raised, and replays what was missed after Last-Event-ID", async () => {
    const { tenantId, owner } = await billingTenant(10_000_000);
    await getDb(env.DB).update(tenants).set({ lowBalanceMicros: 1_000_000 }).where(eq(tenants.id, tenantId));
    const sse = { ...owner.headers, accept: "text/event-stream" };
    const res = await call("/api/notifications/stream", { headers: sse });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    expect(await readUntil(reader, /retry: \d+/)).toContain("retry:");

    await debit(tenantId, -9_500_000);
    const text = await readUntil(reader, /event: notification\ndata: .*\n\n/);
    const frame = /id: (\d+)\nevent: notification\ndata: (.*)\n\n/.exec(text);
    expect(frame).not.toBeNull();
    const pushed = JSON.parse(frame![2]!) as NotificationJson;
    expect(pushed).toMatchObject({ type: "balance.low", seq: Number(frame![1]) });
    await reader.cancel();

    const replay = await call("/api/notifications/stream", { headers: { ...sse, "last-event-id": "0" } });
    const replayReader = replay.body!.getReader();
    expect(await readUntil(replayReader, new RegExp(pushed.id))).toContain(pushed.id);
    await replayReader.cancel();

    // Without Accept: text/event-stream, the list once (a plain GET never hangs).
    const once = await call("/api/notifications/stream", { headers: owner.headers });
    expect((await json<{ data: NotificationJson[] }>(once)).data.map((n) => n.id)).toEqual([pushed.id]);
    expect(
      (await call("/api/notifications/stream", { headers: { ...(await createMember("viewer", tenantId)).headers, accept: "text/event-stream" } })).status,
    ).toBe(403);
  });
});
