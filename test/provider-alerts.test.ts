// Provider alerts: a provider whose circuit opens on a tenant's calls raises one provider.down
// for that tenant (listed, pushed over SSE, sent to the signed webhook); further failures add
// none; the circuit closing again raises one provider.recovered. The calls themselves get their
// usual answers: the fallback's, or the mapped upstream error.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { PROVIDER_DOWN_REPEAT_MS, type ProviderCircuitReport } from "../durable-objects/gate/alerts.ts";
import { breakers } from "../worker/gateway/breaker.ts";
import { gateFor } from "../worker/gateway/gate.ts";
import { SIGNATURE_HEADER, verifyAlertSignature } from "../worker/services/alerts.ts";
import { call, createMember, json, jsonInit, type Member, ORIGIN, uniqueName } from "./kit/fixtures.ts";
import { gatewayFetch, mockBase, settle, tag, upstream } from "./kit/gateway.ts";
import { expectNotifications, listNotifications, type NotificationJson, readUntil, sleep } from "./kit/notifications.ts";
import { billingTenant, mockJson, stripeBase } from "./kit/payments.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

const COOL_DOWN_MS = 1000;

/** Runs with a short circuit cool-down, so a test can wait for the half-open probe. */
async function withCoolDown(run: () => Promise<void>): Promise<void> {
  const previous = breakers.configure({ coolDownMs: COOL_DOWN_MS });
  try {
    await run();
  } finally {
    breakers.configure(previous);
  }
}

interface Tenant {
  tenantId: string;
  owner: Member;
  /** The platform operator, a member of the tenant: only it may point providers and webhooks at the local mocks. */
  operator: Member;
  apiKey: string;
}

/** A tenant of its own (so its alerts are only this test's), billing off, with an API key. */
async function tenant(): Promise<Tenant> {
  const { tenantId, owner } = await billingTenant();
  await getDb(env.DB).update(tenants).set({ billingEnabled: false }).where(eq(tenants.id, tenantId));
  const res = await call("/api/keys", jsonInit({ name: "provider-alerts" }, owner.headers));
  expect(res.status).toBe(201);
  return { tenantId, owner, operator: await createMember("owner", tenantId, { operator: true }), apiKey: (await json<{ key: string }>(res)).key };
}

/** A provider at the mock upstream (made by an operator), the tenant's own or the platform's. */
async function provider(by: Member, models: string[], scope: "tenant" | "platform" = "tenant"): Promise<{ id: string; name: string }> {
  const body = { name: uniqueName("down"), kind: "openai", base_url: mockBase("openai"), api_key: UPSTREAM_KEYS.openai, models, scope };
  const res = await call("/api/providers", jsonInit(body, by.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ id: string; name: string }>(res);
}

/** A route alias over `models` without retries: one attempt per target per call. */
async function route(t: Tenant, models: string[]): Promise<string> {
  const alias = uniqueName("route");
  const res = await call("/api/routes", jsonInit({ alias, targets: models.map((model) => ({ model })), retries: 0 }, t.owner.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return alias;
}

/** A chat call with the tenant's key; its after-response work (the alerts) done before it returns. */
async function chat(t: Tenant, model: string): Promise<{ status: number; attempts: string | null; body: string }> {
  const init = jsonInit({ model, messages: [{ role: "user", content: "Hello there" }] }, { authorization: `Bearer ${t.apiKey}` });
  const res = await gatewayFetch(new Request(`${ORIGIN}/v1/chat/completions`, init));
  const body = await res.text();
  await settle();
  return { status: res.status, attempts: res.headers.get("x-aggregator-attempts"), body };
}

const list = (t: Tenant) => listNotifications(t.owner);
const expectAlerts = (t: Tenant, n: number) => expectNotifications(t.owner, n);

const pushed = (text: string): NotificationJson[] =>
  [...text.matchAll(/event: notification\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!) as NotificationJson);

describe("provider alerts", () => {
  it("one provider.down when the circuit opens, none for further failures, one provider.recovered when it closes", () =>
    withCoolDown(async () => {
      const t = await tenant();
      const hook = `provider-${crypto.randomUUID()}`;
      const settings = await call("/api/notifications/settings", jsonInit({ webhook_url: `${stripeBase()}/__hooks/${hook}` }, t.operator.headers, "PUT"));
      const { webhook_secret: secret } = await json<{ webhook_secret: string }>(settings);
      const faultModel = `flaky-6-${tag()}`;
      const okModel = `ok-${tag()}`;
      const [down, backup] = await Promise.all([provider(t.operator, [faultModel]), provider(t.operator, [okModel])]);
      const first = `${down.name}/${faultModel}`;
      const second = `${backup.name}/${okModel}`;
      const alias = await route(t, [first, second]);

      const stream = await call("/api/notifications/stream", { headers: { ...t.owner.headers, accept: "text/event-stream" } });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      expect(await readUntil(reader, /retry: \d+/)).toContain("retry:");

      // Five failures in the window (the minimum sample) open the circuit; every call is answered by the fallback.
      for (let i = 0; i < 5; i++) expect(await chat(t, alias)).toMatchObject({ status: 200, attempts: `${first}=503, ${second}=ok` });
      // Open: the provider is skipped, and nothing more is raised.
      for (let i = 0; i < 2; i++) expect(await chat(t, alias)).toMatchObject({ status: 200, attempts: `${second}=ok` });
      const text = await readUntil(reader, /"provider\.down"/);
      const [downAlert] = await expectAlerts(t, 1);
      expect(downAlert).toMatchObject({
        type: "provider.down",
        tenant_id: t.tenantId,
        data: { provider_id: down.id, provider_name: down.name, reason: "503", failures: 5, samples: 5 },
      });
      expect(downAlert!.message).toContain(down.name);
      expect(pushed(text).map((n) => n.id)).toEqual([downAlert!.id]);

      // Half-open: the probe fails (the 6th request) and the circuit opens again; the outage was told already.
      await sleep(COOL_DOWN_MS + 100);
      expect(await chat(t, alias)).toMatchObject({ status: 200, attempts: `${first}=503, ${second}=ok` });
      await expectAlerts(t, 1);

      // The next probe succeeds and closes the circuit: one provider.recovered.
      await sleep(COOL_DOWN_MS + 100);
      expect(await chat(t, alias)).toMatchObject({ status: 200, attempts: `${first}=ok` });
      expect(await chat(t, alias)).toMatchObject({ status: 200, attempts: `${first}=ok` });
      const more = await readUntil(reader, /"provider\.recovered"/);
      const [recovered] = await expectAlerts(t, 2);
      expect(recovered).toMatchObject({ type: "provider.recovered", data: { provider_id: down.id, provider_name: down.name } });
      expect(pushed(more).map((n) => n.type)).toEqual(["provider.recovered"]);
      await reader.cancel();
      expect(await upstream(faultModel)).toHaveLength(8);

      // Both went to the webhook, signed.
      let deliveries: { headers: Record<string, string>; body: string }[] = [];
      for (let i = 0; i < 100 && deliveries.length < 2; i++) {
        deliveries = await mockJson(stripeBase(), `/__hooks/${hook}`);
        if (deliveries.length < 2) await sleep(30);
      }
      expect(deliveries.map((d) => (JSON.parse(d.body) as NotificationJson).type).sort()).toEqual(["provider.down", "provider.recovered"]);
      const now = Math.floor(Date.now() / 1000);
      for (const d of deliveries) expect(await verifyAlertSignature(secret, d.body, d.headers[SIGNATURE_HEADER]!, now)).toBe(true);
    }));

  it("raises provider.down for a provider with no fallback, while the caller gets the mapped upstream error", () =>
    withCoolDown(async () => {
      const t = await tenant();
      const faultModel = `fail-500-${tag()}`;
      const only = await provider(t.operator, [faultModel]);
      const alias = await route(t, [`${only.name}/${faultModel}`]);
      // The only target is still tried while its circuit is open: the caller gets the provider's error each time.
      for (let i = 0; i < 7; i++) {
        const res = await chat(t, alias);
        expect(res.status).toBe(502);
        expect(JSON.parse(res.body)).toMatchObject({ error: { code: "upstream_error" } });
      }
      const [alert] = await expectAlerts(t, 1);
      expect(alert).toMatchObject({ type: "provider.down", data: { provider_id: only.id, reason: "500", failures: 5, samples: 5 } });
    }));

  it("a shared platform provider: the tenant whose call opened the circuit is told, and told of the recovery another tenant's call saw", () =>
    withCoolDown(async () => {
      const [a, b] = await Promise.all([tenant(), tenant()]);
      const operator = await createMember("owner", a.tenantId, { operator: true });
      const faultModel = `flaky-6-${tag()}`;
      const shared = await provider(operator, [faultModel], "platform");
      const model = `${shared.name}/${faultModel}`;
      // A platform model is served only once the operator has priced it (model_not_priced).
      const priced = await call("/api/prices", jsonInit({ model, input_per_mtok_micros: 1, output_per_mtok_micros: 1, scope: "platform" }, operator.headers));
      expect(priced.status).toBe(201);
      const [aliasA, aliasB] = await Promise.all([route(a, [model]), route(b, [model])]);
      for (let i = 0; i < 5; i++) expect((await chat(a, aliasA)).status).toBe(502);
      // B's call fails too (the circuit is open, but it is B's only target): no change of the circuit, no alert for B.
      expect((await chat(b, aliasB)).status).toBe(502);
      expect(await expectAlerts(a, 1)).toMatchObject([{ type: "provider.down", tenant_id: a.tenantId, data: { provider_id: shared.id } }]);
      expect(await list(b)).toEqual([]);

      // B's call is the probe that closes the circuit: A, told of the outage, is told of the recovery; B of neither.
      await sleep(COOL_DOWN_MS + 100);
      expect((await chat(b, aliasB)).status).toBe(200);
      expect((await expectAlerts(a, 2)).map((n) => n.type)).toEqual(["provider.recovered", "provider.down"]);
      expect(await list(b)).toEqual([]);
    }));

  it("the gate dedupes per outage: repeated openings add nothing until the alert is old, a closing only after an opening", async () => {
    const t = await tenant();
    const gate = gateFor(env, t.tenantId);
    const report = (state: "open" | "closed"): ProviderCircuitReport => ({
      providerId: "prv_x",
      providerName: "x",
      state,
      reason: "timeout",
      failures: 3,
      samples: 5,
    });
    await gate.providerCircuit(t.tenantId, report("closed"));
    await gate.providerCircuit(t.tenantId, report("open"));
    await gate.providerCircuit(t.tenantId, report("open"));
    expect((await expectAlerts(t, 1))[0]).toMatchObject({ type: "provider.down", data: { reason: "timeout", failures: 3, samples: 5 } });
    expect((await list(t))[0]!.message).toContain("last: timeout");
    // Still down long after it was told (a recovery no isolate saw): the next opening raises again.
    await runInDurableObject(gate, (_instance, state) => {
      state.storage.sql.exec("UPDATE alert_state SET at = at - ? WHERE key = 'provider:prv_x'", PROVIDER_DOWN_REPEAT_MS);
    });
    await gate.providerCircuit(t.tenantId, report("open"));
    await gate.providerCircuit(t.tenantId, report("closed"));
    await gate.providerCircuit(t.tenantId, report("closed"));
    expect((await expectAlerts(t, 3)).map((n) => n.type)).toEqual(["provider.recovered", "provider.down", "provider.down"]);
  });
});
