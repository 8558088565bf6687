// /api/providers end to end: keys encrypted at rest and never shown, scopes and roles, the
// upstream test against the mock provider APIs, the gateway's model list kept current, and
// every change audited and reversible (a deleted provider comes back with its key).
import { DEMO_MODELS } from "../worker/gateway/providers/demo/models.ts";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  type Member,
  bearer,
  call,
  createMember,
  createTenant,
  json,
  jsonInit,
  TENANT_ID,
  latestAudit,
  rollback,
  uniqueName,
} from "./kit/fixtures.ts";
import { UPSTREAM_KEYS, UPSTREAM_MODELS, type UpstreamFlavor } from "./mocks/upstream-keys.ts";

interface ProviderJson {
  id: string;
  name: string;
  kind: string;
  base_url: string | null;
  api_key_last4: string | null;
  has_api_key: boolean;
  models: string[];
  weight: number;
  enabled: boolean;
  scope: "tenant" | "platform";
}

interface ProbeJson {
  ok: boolean;
  status: number | null;
  latency_ms: number;
  models?: string[];
  error?: string;
}

let admin: Member;
let operator: Member;
beforeAll(async () => {
  admin = await createMember("admin");
  operator = await createMember("owner", TENANT_ID, { operator: true });
});

/** The mock upstream's base URL for a flavour, as a provider's base_url. */
const mockBase = (flavor: UpstreamFlavor) => `http://127.0.0.1:${env.UPSTREAM_PORT}/${flavor}${flavor === "openai" ? "/v1" : ""}`;

const openaiBody = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName("byo"),
  kind: "openai",
  base_url: mockBase("openai"),
  api_key: UPSTREAM_KEYS.openai,
  models: ["gpt-4o-mini"],
  ...overrides,
});

// The operator, a member of the seeded tenant, sets up providers at the local mock: a tenant's own
// base_url must be public https (see test/url-guard.test.ts).
async function createProvider(body: Record<string, unknown> = openaiBody(), who: Member = operator): Promise<ProviderJson> {
  const res = await call("/api/providers", jsonInit(body, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<ProviderJson>(res);
}

const getProvider = (id: string, who: Member = operator) => call(`/api/providers/${id}`, { headers: who.headers });
const patchProvider = (id: string, body: unknown, who: Member = operator) => call(`/api/providers/${id}`, jsonInit(body, who.headers, "PATCH"));
const deleteProvider = (id: string, who: Member = operator) => call(`/api/providers/${id}`, { method: "DELETE", headers: who.headers });

async function probe(id: string, who: Member = operator): Promise<ProbeJson> {
  const res = await call(`/api/providers/${id}/test`, { method: "POST", headers: who.headers });
  expect(res.status).toBe(200);
  return json<ProbeJson>(res);
}

async function gatewayModels(key = API_KEY): Promise<string[]> {
  const res = await call("/v1/models", { headers: bearer(key) });
  expect(res.status).toBe(200);
  return (await json<{ data: { id: string }[] }>(res)).data.map((m) => m.id);
}

describe("providers", () => {
  it("stores the key encrypted and shows only its last four characters", async () => {
    const created = await createProvider();
    expect(created).toMatchObject({
      kind: "openai",
      scope: "tenant",
      has_api_key: true,
      api_key_last4: UPSTREAM_KEYS.openai.slice(-4),
      models: ["gpt-4o-mini"],
      weight: 1,
      enabled: true,
    });
    expect(created).not.toHaveProperty("api_key");

    const row = await env.DB.prepare("SELECT * FROM providers WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(row?.api_key_encrypted).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(UPSTREAM_KEYS.openai);

    const list = await call("/api/providers", { headers: admin.headers });
    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE entity_id = ?").bind(created.id).all();
    for (const text of [await list.text(), JSON.stringify(await latestAudit(admin, created.id)), JSON.stringify(audit.results)]) {
      expect(text).not.toContain(UPSTREAM_KEYS.openai);
    }
    expect((await latestAudit(admin, created.id)).after).toMatchObject({ name: created.name, apiKeyEncrypted: "[redacted]" });
  });

  it("validates bodies with a 400 naming the field", async () => {
    for (const [body, param] of [
      [{ kind: "openai" }, "name"],
      [{ name: "Upper", kind: "openai" }, "name"],
      [{ name: "has/slash", kind: "openai" }, "name"],
      [{ name: "-dash", kind: "openai" }, "name"],
      [{ name: "x".repeat(64), kind: "openai" }, "name"],
      [{ name: "ok", kind: "mystery" }, "kind"],
      [{ name: "ok", kind: "openai", base_url: "ftp://example.com" }, "base_url"],
      [{ name: "ok", kind: "openai", base_url: "not a url" }, "base_url"],
      [{ name: "ok", kind: "openai", base_url: "https://example.com/v1?x=1" }, "base_url"],
      [{ name: "ok", kind: "openai-compatible" }, "base_url"],
      [{ name: "ok", kind: "openai", api_key: "" }, "api_key"],
      [{ name: "ok", kind: "openai", models: ["has space"] }, "models.0"],
      [{ name: "ok", kind: "openai", weight: 1.5 }, "weight"],
      [{ name: "ok", kind: "openai", scope: "galaxy" }, "scope"],
      [{ name: "ok", kind: "openai", surprise: true }, undefined],
    ] as const) {
      const res = await call("/api/providers", jsonInit(body, admin.headers));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await json<{ error: { code: string; param?: string } }>(res)).error;
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param, JSON.stringify(body)).toBe(param);
    }
    const created = await createProvider(openaiBody({ kind: "openai-compatible" }));
    const res = await patchProvider(created.id, { base_url: null });
    expect(res.status).toBe(400);
    expect((await json<{ error: { param: string } }>(res)).error.param).toBe("base_url");
  });

  it("answers 409 for a name taken in the same scope, and allows it in another", async () => {
    const name = uniqueName("dup");
    await createProvider(openaiBody({ name }));
    const again = await call("/api/providers", jsonInit(openaiBody({ name }), operator.headers));
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: { code: "provider_exists" } });

    const other = await createMember("admin", await createTenant());
    await createProvider(openaiBody({ name, base_url: "https://llm.example.com/v1" }), other);
    await createProvider(openaiBody({ name, scope: "platform" }), operator);

    const second = await createProvider();
    const rename = await patchProvider(second.id, { name });
    expect(rename.status).toBe(409);
    expect(await json(rename)).toMatchObject({ error: { code: "provider_exists" } });

    // Two creates racing for one name: one wins, the other is a 409, never a 500.
    const raced = uniqueName("race");
    const statuses = await Promise.all(
      [1, 2, 3].map(() => call("/api/providers", jsonInit(openaiBody({ name: raced }), operator.headers)).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([201, 409, 409]);
  });

  it("enforces roles: builders below admin cannot write, platform scope is the operator's", async () => {
    const developer = await createMember("developer");
    const viewer = await createMember("viewer");
    for (const who of [developer, viewer]) {
      expect((await call("/api/providers", jsonInit(openaiBody(), who.headers))).status).toBe(403);
      expect((await call("/api/providers", { headers: who.headers })).status).toBe(200);
    }
    const refused = await call("/api/providers", jsonInit(openaiBody({ scope: "platform" }), admin.headers));
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: { code: "forbidden" } });

    const platform = await createProvider(openaiBody({ scope: "platform" }), operator);
    expect(platform.scope).toBe("platform");
    expect(platform.api_key_last4).toBe(UPSTREAM_KEYS.openai.slice(-4));
    const seen = await json<ProviderJson>(await getProvider(platform.id, admin));
    expect(seen).toMatchObject({ scope: "platform", has_api_key: true, api_key_last4: null });
    expect((await patchProvider(platform.id, { weight: 5 }, admin)).status).toBe(403);
    expect((await deleteProvider(platform.id, admin)).status).toBe(403);
    expect((await call(`/api/providers/${platform.id}/test`, { method: "POST", headers: admin.headers })).status).toBe(403);
    expect((await patchProvider(platform.id, { weight: 5 }, operator)).status).toBe(200);

    const outsider = await createMember("viewer", await createTenant());
    const listed = await json<{ data: ProviderJson[] }>(await call("/api/providers", { headers: outsider.headers }));
    expect(listed.data.find((p) => p.id === platform.id)).toMatchObject({ scope: "platform", weight: 5 });
  });

  it("never shows or changes another tenant's providers", async () => {
    const mine = await createProvider();
    const outsider = await createMember("owner", await createTenant());
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { name: "stolen" }],
      ["DELETE", "", undefined],
      ["POST", "/test", undefined],
    ] as const) {
      const url = `/api/providers/${mine.id}${path}`;
      const res = await call(url, body ? jsonInit(body, outsider.headers, method) : { method, headers: outsider.headers });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await json<{ data: ProviderJson[] }>(await call("/api/providers", { headers: outsider.headers }));
    expect(list.data.every((p) => p.scope === "platform")).toBe(true);
    expect((await json<ProviderJson>(await getProvider(mine.id))).name).toBe(mine.name);
  });
});

describe("POST /api/providers/:id/test", () => {
  it("lists the models of each kind's API with its own auth", async () => {
    const cases = [
      { kind: "openai", flavor: "openai" },
      { kind: "openai-compatible", flavor: "openai" },
      { kind: "anthropic", flavor: "anthropic" },
      { kind: "gemini", flavor: "gemini" },
    ] as const;
    for (const { kind, flavor } of cases) {
      const created = await createProvider({ name: uniqueName(kind), kind, base_url: mockBase(flavor), api_key: UPSTREAM_KEYS[flavor] });
      const result = await probe(created.id);
      expect(result, kind).toMatchObject({ ok: true, status: 200, models: [...UPSTREAM_MODELS[flavor]] });
      expect(result.latency_ms).toBeGreaterThanOrEqual(0);
    }
    const demo = await createProvider({ name: uniqueName("demo"), kind: "demo" });
    expect(await probe(demo.id)).toMatchObject({ ok: true, status: 200, models: DEMO_MODELS.map((m) => m.id) });
  });

  it("reports a rejected key as ok: false without echoing it", async () => {
    const wrongKey = "sk-wrong-0123456789abcdefghijklmnopqrstuv";
    for (const flavor of ["openai", "anthropic", "gemini"] as const) {
      const created = await createProvider({ name: uniqueName(flavor), kind: flavor, base_url: mockBase(flavor), api_key: wrongKey });
      const res = await call(`/api/providers/${created.id}/test`, { method: "POST", headers: operator.headers });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(wrongKey);
      // A generic reason, never the upstream's own text (the mock's OpenAI error quotes the key).
      expect(JSON.parse(text), flavor).toEqual({ ok: false, status: 401, latency_ms: expect.any(Number), error: "The provider refused the API key." });
    }
  });

  it("reports an unreachable or wrong upstream as ok: false", async () => {
    const unreachable = await createProvider(openaiBody({ base_url: "http://127.0.0.1:1/v1" }));
    expect(await probe(unreachable.id)).toMatchObject({ ok: false, status: null });
    const wrongPath = await createProvider(openaiBody({ base_url: `http://127.0.0.1:${env.UPSTREAM_PORT}/nowhere` }));
    expect(await probe(wrongPath.id)).toMatchObject({ ok: false, status: 404 });
  });

  it("rotates a key with PATCH, and removes it with null", async () => {
    const created = await createProvider(openaiBody({ api_key: "sk-old-key-that-the-mock-refuses" }));
    expect((await probe(created.id)).ok).toBe(false);
    const rotated = await patchProvider(created.id, { api_key: UPSTREAM_KEYS.openai });
    expect(rotated.status).toBe(200);
    const body = await rotated.text();
    expect(body).not.toContain(UPSTREAM_KEYS.openai);
    expect(JSON.parse(body)).toMatchObject({ api_key_last4: UPSTREAM_KEYS.openai.slice(-4), has_api_key: true });
    expect((await probe(created.id)).ok).toBe(true);
    const update = await latestAudit(admin, created.id);
    expect(update).toMatchObject({ action: "update", before: { apiKeyEncrypted: "[redacted]" }, after: { apiKeyEncrypted: "[redacted]" } });

    const removed = await json<ProviderJson>(await patchProvider(created.id, { api_key: null }));
    expect(removed).toMatchObject({ has_api_key: false, api_key_last4: null });
    expect(await probe(created.id)).toMatchObject({ ok: false, status: 401 });
  });
});

describe("providers on the gateway", () => {
  it("lists a new provider's models at once and drops them on delete", async () => {
    const created = await createProvider(openaiBody({ models: ["gpt-4o-mini", "gpt-5-mini"] }));
    expect(await gatewayModels()).toEqual(expect.arrayContaining([`${created.name}/gpt-4o-mini`, `${created.name}/gpt-5-mini`]));

    await patchProvider(created.id, { enabled: false });
    expect(await gatewayModels()).not.toContain(`${created.name}/gpt-4o-mini`);
    await patchProvider(created.id, { enabled: true });

    expect((await deleteProvider(created.id)).status).toBe(200);
    expect(await gatewayModels()).not.toContain(`${created.name}/gpt-4o-mini`);
    expect((await getProvider(created.id)).status).toBe(404);
  });

  it("keeps one tenant's providers off another tenant's model list", async () => {
    const created = await createProvider();
    const tenant = await createTenant();
    const owner = await createMember("owner", tenant);
    const key = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "other" }, owner.headers)));
    const models = await gatewayModels(key.key);
    expect(models).toContain("demo/echo");
    expect(models.some((m) => m.startsWith(`${created.name}/`))).toBe(false);
  });
});

describe("audit and rollback of providers", () => {
  it("rolls back an update, then rolls back the rollback", async () => {
    const created = await createProvider(openaiBody({ weight: 2 }));
    const newName = uniqueName("renamed");
    expect((await patchProvider(created.id, { name: newName, weight: 7, models: ["gpt-5-mini"] })).status).toBe(200);
    const update = await latestAudit(admin, created.id);
    expect(update).toMatchObject({ action: "update", before: { name: created.name, weight: 2 }, after: { name: newName, weight: 7 } });

    expect((await rollback(admin, update.id)).status).toBe(200);
    expect(await json(await getProvider(created.id))).toMatchObject({ name: created.name, weight: 2, models: ["gpt-4o-mini"] });
    expect(await gatewayModels()).toContain(`${created.name}/gpt-4o-mini`);

    const undo = await latestAudit(admin, created.id);
    expect(undo.action).toBe("rollback");
    expect((await rollback(admin, undo.id)).status).toBe(200);
    expect(await json(await getProvider(created.id))).toMatchObject({ name: newName, weight: 7, models: ["gpt-5-mini"] });
  });

  it("restores a deleted provider with its key, which still authenticates upstream", async () => {
    const created = await createProvider();
    expect((await probe(created.id)).ok).toBe(true);
    await deleteProvider(created.id);
    const deletion = await latestAudit(admin, created.id);
    expect(deletion).toMatchObject({ action: "delete", after: null, before: { apiKeyEncrypted: "[redacted]" } });
    expect((await call(`/api/providers/${created.id}/test`, { method: "POST", headers: admin.headers })).status).toBe(404);

    // The operator restores it: its base_url is the local mock, which a tenant may not configure.
    expect((await rollback(operator, deletion.id)).status).toBe(200);
    expect(await json(await getProvider(created.id))).toMatchObject({ name: created.name, has_api_key: true, api_key_last4: created.api_key_last4 });
    expect(await probe(created.id)).toMatchObject({ ok: true, status: 200, models: [...UPSTREAM_MODELS.openai] });
    expect(await gatewayModels()).toContain(`${created.name}/gpt-4o-mini`);

    const restore = await latestAudit(admin, created.id);
    expect((await rollback(admin, restore.id)).status).toBe(200);
    expect((await getProvider(created.id)).status).toBe(404);
    expect(await gatewayModels()).not.toContain(`${created.name}/gpt-4o-mini`);
  });

  it("rolls back a create: the provider is gone", async () => {
    const created = await createProvider();
    expect((await rollback(admin, (await latestAudit(admin, created.id)).id)).status).toBe(200);
    expect((await getProvider(created.id)).status).toBe(404);
  });

  it("answers 409 when the provider changed since the entry", async () => {
    const created = await createProvider();
    await patchProvider(created.id, { weight: 3 });
    const first = await latestAudit(admin, created.id);
    await patchProvider(created.id, { weight: 4 });
    const conflict = await rollback(admin, first.id);
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ error: { code: "rollback_conflict", current: { weight: 4, apiKeyEncrypted: "[redacted]" } } });
  });

  it("audits platform providers as platform entries the operator can roll back", async () => {
    const created = await createProvider(openaiBody({ scope: "platform" }), operator);
    await deleteProvider(created.id, operator);
    const deletion = await latestAudit(operator, created.id, "platform");
    expect(deletion).toMatchObject({ action: "delete", tenant_id: null });
    expect((await rollback(admin, deletion.id)).status).toBe(404);
    expect((await rollback(operator, deletion.id)).status).toBe(200);
    expect(await probe(created.id, operator)).toMatchObject({ ok: true });
  });
});
