// The operator's money and the tenants' balances, tried as an attacker would (issue 12): a
// tenant cannot price the platform's models, an unpriced platform model is not served, a
// caller cannot shrink its reservation below what it is charged, abandoned and thinking
// streams are billed, unpriced extras are refused on the operator's keys, a tenant's short
// timeouts cannot open a platform circuit, and a key revoked elsewhere stops at once.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultConcurrency } from "../durable-objects/gate/config.ts";
import { breakers } from "../worker/gateway/breaker.ts";
import { promptTokenBound } from "../worker/gateway/prompt-bound.ts";
import { StreamTally } from "../worker/gateway/stream-out.ts";
import { countTokens } from "../worker/gateway/tokens.ts";
import { API_KEY, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN, TENANT_ID, call } from "./kit/fixtures.ts";
import { createRoute, gatewayFetch, logRow, mockBase, post, readEvents, settle, tag, upstream } from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

let admin: Member;
let operator: Member;
beforeAll(async () => {
  admin = await createMember("admin");
  operator = await createMember("owner", TENANT_ID, { operator: true });
});

interface Created {
  id: string;
  name: string;
}

/** A platform provider (the operator's keys) at the mock, offering `models`. */
async function platformProvider(kind: "openai" | "anthropic", models: string[]): Promise<Created> {
  const flavor = kind;
  const body = { name: tag(), kind, base_url: mockBase(flavor), api_key: UPSTREAM_KEYS[flavor], models, scope: "platform" };
  const res = await call("/api/providers", jsonInit(body, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<Created>(res);
}

async function setPrice(who: Member, model: string, input: number, output: number, scope: "tenant" | "platform" = "tenant"): Promise<{ id: string }> {
  const res = await call("/api/prices", jsonInit({ model, input_per_mtok_micros: input, output_per_mtok_micros: output, scope }, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ id: string }>(res);
}

const chat = (model: string, content: string, extra: Record<string, unknown> = {}, key = API_KEY) =>
  gatewayFetch(
    new Request(`${ORIGIN}/v1/chat/completions`, jsonInit({ model, messages: [{ role: "user", content }], ...extra }, { authorization: `Bearer ${key}` })),
  );

describe("prices of the platform's models", () => {
  it("a tenant's own price for a platform model is ignored: the operator's price is billed", async () => {
    const model = `cheap-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, `${p.name}/${model}`, 1_000_000, 1_000_000, "platform");
    const own = await setPrice(admin, `${p.name}/${model}`, 0, 0);
    const res = await chat(`${p.name}/${model}`, "one two three");
    expect(res.status, await res.clone().text()).toBe(200);
    const row = await logRow(res);
    expect(row.cost_micros).toBe(row.input_tokens + row.output_tokens); // 1 µ$ a token, not 0
    expect(row.cost_micros).toBeGreaterThan(0);
    const listed = await json<{ data: { model: string; price_id: string | null; priced: boolean }[] }>(
      await call("/api/prices/models", { headers: admin.headers }),
    );
    const entry = listed.data.find((m) => m.model === `${p.name}/${model}`);
    expect(entry).toMatchObject({ priced: true });
    expect(entry?.price_id).not.toBe(own.id);
  });

  it("a price the operator set for the tenant applies to platform models, and only the operator may change it", async () => {
    const model = `negotiated-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 5_000_000, 5_000_000, "platform");
    const negotiated = await json<{ id: string; operator_set: boolean }>(
      await call(
        "/api/prices",
        jsonInit({ model: `${p.name}/${model}`, input_per_mtok_micros: 2_000_000, output_per_mtok_micros: 2_000_000 }, operator.headers),
      ),
    );
    expect(negotiated.operator_set).toBe(true);
    const res = await chat(`${p.name}/${model}`, "one two three");
    const row = await logRow(res);
    expect(row.cost_micros).toBe(2 * (row.input_tokens + row.output_tokens));
    expect((await call(`/api/prices/${negotiated.id}`, jsonInit({ input_per_mtok_micros: 0 }, admin.headers, "PATCH"))).status).toBe(403);
    expect((await call(`/api/prices/${negotiated.id}`, { method: "DELETE", headers: admin.headers })).status).toBe(403);
  });

  it("a platform model without a price is refused (model_not_priced), flagged for the operator, and not listed", async () => {
    const model = `unpriced-${tag()}`;
    const p = await platformProvider("openai", [model]);
    const res = await chat(`${p.name}/${model}`, "free lunch?");
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "model_not_priced", param: "model" } });
    expect(await upstream(model)).toHaveLength(0);
    const listed = await json<{ data: { model: string; priced: boolean; platform: boolean }[] }>(
      await call("/api/prices/models", { headers: operator.headers }),
    );
    expect(listed.data.find((m) => m.model === `${p.name}/${model}`)).toMatchObject({ priced: false, platform: true });
    const models = await json<{ data: { id: string }[] }>(
      await gatewayFetch(new Request(`${ORIGIN}/v1/models`, { headers: { authorization: `Bearer ${API_KEY}` } })),
    );
    expect(models.data.map((m) => m.id)).not.toContain(`${p.name}/${model}`);
  });
});

describe("reservations and charges", () => {
  it("every byte of the body counts toward the reserved prompt, and referenced media more", () => {
    const text = JSON.stringify({ model: "m", messages: [{ role: "user", content: "supercalifragilisticexpialidocious".repeat(100) }] });
    const bytes = new TextEncoder().encode(text).length;
    expect(countTokens(text)).toBeLessThan(bytes / 10); // our estimate: a run of letters is one token
    expect(promptTokenBound(text, bytes)).toBeGreaterThanOrEqual(bytes);
    const withImage = JSON.stringify({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] });
    expect(promptTokenBound(withImage, withImage.length)).toBeGreaterThanOrEqual(withImage.length + 8_000);
  });

  it("200 concurrent calls whose prompts are 100× the estimate cannot take a balance below zero, and the books reconcile", async () => {
    const tenantId = await createTenant("Attacker");
    const owner = await createMember("owner", tenantId);
    const keyRes = await call("/api/keys", jsonInit({ name: "burst" }, owner.headers));
    expect(keyRes.status).toBe(201);
    const { key } = await json<{ key: string }>(keyRes);
    const model = `inflated-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform"); // 1 µ$ a token
    await grantCredit(tenantId, 6_000); // a handful of ~1,300 µ$ reservations
    // ~3 tokens by our count; the provider reports 300 more (100×).
    const prompt = "hello [input=300]";
    const answers = await Promise.all(Array.from({ length: 200 }, () => chat(`${p.name}/${model}`, prompt, { max_tokens: 10 }, key)));
    await settle();
    const statuses = answers.map((r) => r.status);
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(5);
    expect(statuses.every((s) => s === 200 || s === 402)).toBe(true);
    const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
    const books = await gate.reconcile(tenantId);
    expect(books.balanceMicros).toBeGreaterThanOrEqual(0);
    expect(books.driftMicros).toBe(0);
    await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).flush();
    const logged = await env.DB.prepare(
      "SELECT coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(uncollected_micros), 0) AS uncollected, count(*) AS n FROM request_log WHERE tenant_id = ? AND status = 200",
    )
      .bind(tenantId)
      .first<{ cost: number; uncollected: number; n: number }>();
    expect(logged?.n).toBe(served);
    expect(6_000 - books.balanceMicros).toBe(logged?.cost);
  });

  it("a call charged beyond its reservation records the rest as uncollected", async () => {
    const model = `overrun-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const res = await chat(`${p.name}/${model}`, "hi [input=100000]", { max_tokens: 5 });
    expect(res.status).toBe(200);
    const row = await logRow(res);
    const reported = row.input_tokens + row.output_tokens;
    expect(row.cost_micros).toBeLessThan(reported);
    expect(row.cost_micros + (row as unknown as { uncollected_micros: number }).uncollected_micros).toBe(reported);
  });

  it("tenants that set no concurrency limit get the operator's default", () => {
    expect(defaultConcurrency(undefined)).toBe(256);
    expect(defaultConcurrency("32")).toBe(32);
    expect(defaultConcurrency("0")).toBeNull();
    expect(defaultConcurrency("-3")).toBe(256);
    expect(env.DEFAULT_CONCURRENCY_LIMIT).toBe("256");
  });
});

describe("streams and estimates", () => {
  it("the estimate of a stream with no reported usage bills the prompt, thinking included, even with no text yet", () => {
    const tally = new StreamTally();
    expect(tally.final(12)).toMatchObject({ inputTokens: 12, outputTokens: 0 });
    tally.reportedInput = { inputTokens: 5_000, cachedTokens: 1_000 };
    tally.produced("thinking hard about it");
    expect(tally.final(12)).toMatchObject({ inputTokens: 5_000, cachedTokens: 1_000, outputTokens: 4, estimated: true });
  });

  it("an Anthropic stream abandoned during thinking is billed the reported prompt and the thinking read", async () => {
    const model = `long-5-${tag()}`;
    const p = await platformProvider("anthropic", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const res = await gatewayFetch(
      new Request(
        `${ORIGIN}/v1/messages`,
        jsonInit(
          { model: `${p.name}/${model}`, max_tokens: 2000, stream: true, messages: [{ role: "user", content: "Think [input=500] [thinking=400]" }] },
          { authorization: `Bearer ${API_KEY}` },
        ),
      ),
    );
    const reader = res.body!.getReader();
    await readEvents(reader, 2); // message_start and the thinking block's start: no text yet
    await reader.cancel();
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 499, error_type: "client_closed", input_tokens: 503 });
    expect(row.output_tokens).toBeGreaterThan(20); // thinking read on after the client left
    expect(row.cost_micros).toBe(503 + row.output_tokens);
  });

  it("/v1/responses without reported usage is estimated, never billed 0", async () => {
    const model = `nousage-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const res = await post("/v1/responses", { model: `${p.name}/${model}`, input: "one two three four" });
    expect(res.status, await res.clone().text()).toBe(200);
    const row = await logRow(res);
    expect(row.estimated).toBe(1);
    expect(row.cost_micros).toBeGreaterThan(0);
  });
});

describe("extras billed beyond tokens", () => {
  it.each([
    ["service_tier", { service_tier: "priority" }],
    ["web_search_options", { web_search_options: {} }],
  ])("are refused on a platform provider (%s)", async (param, extra) => {
    const model = `extras-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const res = await chat(`${p.name}/${model}`, "search the web", extra);
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "unpriced_feature", param } });
    expect(await upstream(model)).toHaveLength(0);
  });

  it("background responses and server tools are refused on a platform provider", async () => {
    const model = `bg-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const res = await post("/v1/responses", { model: `${p.name}/${model}`, input: "later", background: true });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "unpriced_feature", param: "background" } });
    const tools = await post("/v1/messages", {
      model: `${p.name}/${model}`,
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    });
    expect(tools.status).toBe(400);
    expect(await json(tools)).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("pass through to a tenant's own provider", async () => {
    const model = `own-extras-${tag()}`;
    const res = await call(
      "/api/providers",
      jsonInit({ name: tag(), kind: "openai", base_url: mockBase("openai"), api_key: UPSTREAM_KEYS.openai, models: [model] }, operator.headers),
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const { name } = await json<Created>(res);
    const answer = await chat(`${name}/${model}`, "fast please", { service_tier: "priority" });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect((await upstream(model))[0]?.body).toMatchObject({ service_tier: "priority" });
  });
});

describe("shared platform circuits", () => {
  it("a tenant's short route timeouts do not open a platform provider's circuit", async () => {
    const model = `slow-400-${tag()}`;
    const p = await platformProvider("openai", [model]);
    await setPrice(operator, model, 1_000_000, 1_000_000, "platform");
    const alias = await createRoute({ targets: [{ model: `${p.name}/${model}` }], timeout_ms: 100, retries: 0 });
    for (let i = 0; i < 6; i++) expect(await json(await chat(alias, "hurry"))).toMatchObject({ error: { code: "upstream_timeout" } });
    expect(breakers.state(p.id)).toBe("closed");
  });
});

describe("revoked keys", () => {
  it("stop at once in an isolate that still knows the key, /v1/models included", async () => {
    const keyRes = await call("/api/keys", jsonInit({ name: "to revoke" }, admin.headers));
    const { id, key } = await json<{ id: string; key: string }>(keyRes);
    const models = () => gatewayFetch(new Request(`${ORIGIN}/v1/models`, { headers: { authorization: `Bearer ${key}` } }));
    expect((await models()).status).toBe(200); // this isolate now knows the key
    // Revoked by another isolate: D1 and the gate know, this isolate's key cache does not.
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), id).run();
    await env.TENANT_GATE.get(env.TENANT_GATE.idFromName(TENANT_ID)).forget({ keyId: id });
    expect((await models()).status).toBe(401);
    expect((await chat("demo/echo", "still there?", {}, key)).status).toBe(401);
  });
});
