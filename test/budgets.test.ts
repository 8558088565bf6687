// Budgets at every level (issue 16): a key's spend budget per period (hard or soft), an end
// user's limits (named by `user`, `metadata.user_id` or x-aggregator-user), and caps per model
// or provider. Each is decided in the tenant's gate, so a burst of concurrent calls cannot pass
// it: against a budget that covers k calls' reservations, at most k are served.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { bearer, call, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN } from "./kit/fixtures.ts";
import { eventually, gatewayFetch, mockBase, operator, settle, tag } from "./kit/gateway.ts";
import { expectNotifications } from "./kit/notifications.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

/** A model at the mock that answers after 1.5 s: a burst is admitted before any call settles. */
const SLOW = "slow-1500";
let slow: string;
let fast: string;

beforeAll(async () => {
  const name = tag();
  const body = { name, kind: "openai-compatible", base_url: mockBase("openai"), api_key: UPSTREAM_KEYS.openai, models: [SLOW, "fast"], scope: "platform" };
  const op = await operator();
  const res = await call("/api/providers", jsonInit(body, op.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  slow = `${name}/${SLOW}`;
  fast = `${name}/fast`;
  for (const model of [slow, fast]) {
    const price = { model, input_per_mtok_micros: 1_000_000, output_per_mtok_micros: 1_000_000, scope: "platform" };
    expect((await call("/api/prices", jsonInit(price, op.headers))).status).toBe(201);
  }
});

const request = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 10, messages: [{ role: "user", content: "hi" }], ...extra });
/** What admission reserves for `body` at 1 µ$ a token: the prompt's bound (UTF-8 bytes + 1,024) and max_tokens. */
const reservation = (body: object) => new TextEncoder().encode(JSON.stringify(body)).length + 1024 + 10;

interface Tenant {
  tenantId: string;
  owner: Member;
  key: string;
  keyId: string;
}

async function tenantWithKey(keyBody: Record<string, unknown> = {}, shards = 1): Promise<Tenant> {
  const tenantId = await createTenant();
  if (shards > 1) await getDb(env.DB).update(tenants).set({ gateShards: shards }).where(eq(tenants.id, tenantId));
  await grantCredit(tenantId, 100_000_000);
  const owner = await createMember("owner", tenantId);
  const res = await call("/api/keys", jsonInit({ name: "budgeted", ...keyBody }, owner.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  const { key, id } = await json<{ key: string; id: string }>(res);
  return { tenantId, owner, key, keyId: id };
}

const chat = (key: string, body: object, headers: Record<string, string> = {}) => call("/v1/chat/completions", jsonInit(body, { ...bearer(key), ...headers }));

async function burst(n: number, send: () => Promise<Response>): Promise<{ counts: Record<number, number>; codes: string[] }> {
  const results = await Promise.all(Array.from({ length: n }, send));
  const counts: Record<number, number> = {};
  const codes: string[] = [];
  for (const res of results) {
    counts[res.status] = (counts[res.status] ?? 0) + 1;
    if (res.status !== 200) codes.push((await json<{ error: { code: string } }>(res)).error.code);
    else await res.body?.cancel();
  }
  return { counts, codes };
}

const gate = (tenantId: string) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));

describe("a key's budget", () => {
  it("hard: of 30 concurrent calls, exactly the 4 its budget covers are served, the rest are 402 budget_exceeded", async () => {
    const body = request(slow);
    const t = await tenantWithKey({ budget_micros: reservation(body) * 4 + reservation(body) - 1, budget_period: "daily" });
    const { counts, codes } = await burst(30, () => chat(t.key, body));
    expect(counts).toEqual({ 200: 4, 402: 26 });
    expect(new Set(codes)).toEqual(new Set(["budget_exceeded"]));
    // The burst's books leave after its responses: wait for them to reach the gate.
    const daily = () => gate(t.tenantId).spend(t.tenantId, [{ scope: `key:${t.keyId}`, period: "daily" }]);
    const [spent = 0] = await eventually(daily, ([s = 0]) => s > 0);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(reservation(body) * 5 - 1);
  });

  it("hard: holds with admission leases on and calls that settle as they go; a raised budget applies at once", async () => {
    // ~250 prompt tokens a call; room for one reservation and ~1,000 µ$ of real spend.
    const body = request(fast, { messages: [{ role: "user", content: "word ".repeat(250) }] });
    const budget = reservation(body) + 1000;
    const t = await tenantWithKey({ budget_micros: budget, budget_period: "monthly" });
    let served = 0;
    let refused: Response | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await gatewayFetch(new Request(`${ORIGIN}/v1/chat/completions`, jsonInit(body, bearer(t.key))));
      if (res.status === 200) served++;
      else refused = res;
      await res.body?.cancel();
      await settle(); // its settlement reaches the gate before the next call
    }
    expect(refused?.status).toBe(402);
    expect(served).toBeGreaterThan(1);
    await settle();
    const [spent] = await gate(t.tenantId).spend(t.tenantId, [{ scope: `key:${t.keyId}`, period: "monthly" }]);
    expect(spent).toBeGreaterThan(1000 - reservation(body));
    expect(spent).toBeLessThanOrEqual(budget);
    const patched = await call(`/api/keys/${t.keyId}`, jsonInit({ budget_micros: 1_000_000 }, t.owner.headers, "PATCH"));
    expect(patched.status).toBe(200);
    expect((await chat(t.key, body)).status).toBe(200);
  }, 30_000);

  it("soft: every call is served past the budget", async () => {
    const body = request(slow);
    const t = await tenantWithKey({ budget_micros: reservation(body), budget_mode: "soft" });
    const { counts } = await burst(6, () => chat(t.key, body));
    expect(counts).toEqual({ 200: 6 });
  });

  it("is decided by the bank when the tenant's calls are spread over gate shards", async () => {
    const body = request(slow);
    const t = await tenantWithKey({ budget_micros: reservation(body) * 3 + reservation(body) - 1 }, 4);
    const { counts } = await burst(20, () => chat(t.key, body));
    expect(counts).toEqual({ 200: 3, 402: 17 });
  });

  it("is shown and changed through /api/keys, and refused when malformed", async () => {
    const t = await tenantWithKey({
      budget_micros: 5_000_000,
      budget_period: "weekly",
      budget_mode: "soft",
      model_limits: [{ model: "demo/*", rpm_limit: 5 }],
    });
    const key = await json<Record<string, unknown>>(await call(`/api/keys/${t.keyId}`, { headers: t.owner.headers }));
    expect(key).toMatchObject({
      budget_micros: 5_000_000,
      budget_period: "weekly",
      budget_mode: "soft",
      model_limits: [{ model: "demo/*", rpm_limit: 5, tpm_limit: null, budget_micros: null, budget_period: "monthly" }],
    });
    for (const bad of [
      { budget_period: "hourly" },
      { budget_micros: -1 },
      { model_limits: [{ model: "no-slash" }] },
      { model_limits: [{ model: "a/b" }, { model: "a/b" }] },
    ]) {
      const res = await call(`/api/keys/${t.keyId}`, jsonInit(bad, t.owner.headers, "PATCH"));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe("an end user's limits", () => {
  it("a budget of their own: of 20 concurrent calls naming them, the 3 it covers are served; other users are not held back", async () => {
    const body = request(slow, { user: "alice" });
    const t = await tenantWithKey();
    const put = await call(
      "/api/end-users/alice",
      jsonInit({ budget_micros: reservation(body) * 3 + reservation(body) - 1, budget_period: "daily" }, t.owner.headers, "PUT"),
    );
    expect(put.status, await put.clone().text()).toBe(200);
    const [alice, bob] = await Promise.all([burst(20, () => chat(t.key, body)), burst(10, () => chat(t.key, request(slow, { user: "bob" })))]);
    expect(alice.counts).toEqual({ 200: 3, 402: 17 });
    expect(alice.codes[0]).toBe("budget_exceeded");
    expect(bob.counts).toEqual({ 200: 10 });
  });

  it("the tenant's defaults apply to every user without their own, named by the body, metadata.user_id or the header", async () => {
    const t = await tenantWithKey();
    const patch = await call("/api/tenant", jsonInit({ end_user_defaults: { rpm_limit: 2 } }, t.owner.headers, "PATCH"));
    expect(patch.status, await patch.clone().text()).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(t.key, request(fast), { "x-aggregator-user": "carol" })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const anthropic = (user: string) =>
      call("/v1/messages", jsonInit({ model: fast, max_tokens: 10, messages: [{ role: "user", content: "hi" }], metadata: { user_id: user } }, bearer(t.key)));
    expect([(await anthropic("dave")).status, (await anthropic("dave")).status]).toEqual([200, 200]);
    const third = await anthropic("dave");
    expect(third.status).toBe(429);
    expect(await json(third)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(third.headers.get("retry-after")).toBeTruthy();
    // No user named: the defaults do not apply.
    for (let i = 0; i < 3; i++) expect((await chat(t.key, request(fast))).status).toBe(200);
  });

  it("an override replaces the defaults; deleting it brings them back; both are audited and listed", async () => {
    const t = await tenantWithKey();
    await call("/api/tenant", jsonInit({ end_user_defaults: { rpm_limit: 1 } }, t.owner.headers, "PATCH"));
    expect((await call("/api/end-users/erin", jsonInit({ rpm_limit: 100 }, t.owner.headers, "PUT"))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await chat(t.key, request(fast, { user: "erin" }))).status).toBe(200);
    const listed = await json<{ data: { end_user: string; own_limits: unknown; limits: { rpm_limit: number } }[] }>(
      await call("/api/end-users", { headers: t.owner.headers }),
    );
    expect(listed.data.find((u) => u.end_user === "erin")).toMatchObject({ own_limits: { rpm_limit: 100 }, limits: { rpm_limit: 100 } });
    expect((await call("/api/end-users/erin", { method: "DELETE", headers: t.owner.headers })).status).toBe(200);
    const statuses = [(await chat(t.key, request(fast, { user: "erin" }))).status, (await chat(t.key, request(fast, { user: "erin" }))).status];
    expect(statuses).toContain(429);
    const audit = await json<{ data: { entity_type: string; action: string }[] }>(await call("/api/audit?entity_type=end_user", { headers: t.owner.headers }));
    expect(audit.data.map((e) => e.action)).toEqual(expect.arrayContaining(["create", "delete"]));
  });

  it("refuses a malformed name and a viewer's change", async () => {
    const t = await tenantWithKey();
    expect((await chat(t.key, request(fast, { user: "x".repeat(129) }))).status).toBe(400);
    expect((await chat(t.key, request(fast), { "x-aggregator-user": "\u0001" })).status).toBe(400);
    const viewer = await createMember("viewer", t.tenantId);
    expect((await call("/api/end-users/frank", jsonInit({ rpm_limit: 1 }, viewer.headers, "PUT"))).status).toBe(403);
  });
});

describe("caps per model or provider", () => {
  it("a key's cap on one provider's models holds under concurrency and leaves other models alone", async () => {
    const body = request(slow);
    const provider = slow.split("/")[0];
    const t = await tenantWithKey({
      model_limits: [{ model: `${provider}/*`, budget_micros: reservation(body) * 2 + reservation(body) - 1, budget_period: "daily" }],
    });
    const { counts, codes } = await burst(15, () => chat(t.key, body));
    expect(counts).toEqual({ 200: 2, 402: 13 });
    expect(codes[0]).toBe("budget_exceeded");
    expect((await chat(t.key, request("demo/echo"))).status).toBe(200);
  });

  it("a tenant's cap on one model limits requests per minute across its keys", async () => {
    const t = await tenantWithKey();
    const patch = await call("/api/tenant", jsonInit({ model_limits: [{ model: fast, rpm_limit: 3 }] }, t.owner.headers, "PATCH"));
    expect(patch.status, await patch.clone().text()).toBe(200);
    const { counts } = await burst(8, () => chat(t.key, request(fast)));
    expect(counts).toEqual({ 200: 3, 429: 5 });
    expect((await chat(t.key, request("demo/echo"))).status).toBe(200);
  });
});

describe("alerts for budgets below the tenant's", () => {
  it("a soft key budget alerts once per threshold crossed in its period; an end user's too", async () => {
    const t = await tenantWithKey({ budget_micros: 1_000_000, budget_mode: "soft", budget_period: "daily" });
    await call("/api/end-users/gina", jsonInit({ budget_micros: 2_000_000 }, t.owner.headers, "PUT"));
    const g = gate(t.tenantId);
    let n = 0;
    const spendVia = async (cost: number, endUser: string | null) => {
      const requestId = `req_budget_alert_${++n}_${Date.now()}`;
      const admitted = await g.admit(t.tenantId, { requestId, keyId: t.keyId, tokens: 1, maxCostMicros: cost, endUser, targets: ["demo/echo"] });
      expect(admitted.ok, JSON.stringify(admitted)).toBe(true);
      await g.books(t.tenantId, { settlements: [{ requestId, keyId: t.keyId, costMicros: cost, tokens: 1, endUser, model: "demo/echo" }], returns: [] });
    };
    await spendVia(600_000, null); // key 60 %: crosses 50
    await spendVia(300_000, null); // key 90 %: crosses 80
    await spendVia(50_000, null); // key 95 %: nothing new
    await spendVia(1_100_000, "gina"); // key 205 %: crosses 100; gina 55 %: crosses 50
    const items = await expectNotifications(t.owner, 4);
    const seen = items.map((i) => `${i.data.scope}:${i.data.threshold_percent}`).sort();
    expect(seen).toEqual([`key:${t.keyId}:100`, `key:${t.keyId}:50`, `key:${t.keyId}:80`, "user:gina:50"].sort());
    expect(items.find((i) => i.data.scope === "user:gina")?.message).toContain("end user 'gina'");
  });
});
