// Token classes end to end (issue 16): an Anthropic model whose answer reports cache reads and
// 5-minute and 1-hour cache writes, as OpenAI and Anthropic clients see the usage; what the call
// costs in x-aggregator-cost-micros and usage.cost, to the micro-dollar, and the balance moved by
// exactly that; cache_control reaching Anthropic from every client format; prices per class.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN, TENANT_ID } from "./kit/fixtures.ts";
import { createProvider, gatewayFetch, logRow, mockBase, parseSse, post, type Provider, settledGateStatus, tag, upstream } from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

const SONNET = "claude-sonnet-4-5";
const GPT = "gpt-4o";
// Anthropic's published Claude Sonnet prices and OpenAI's gpt-4o prices, in µ$ per million tokens.
const SONNET_PRICE = {
  input_per_mtok_micros: 3_000_000,
  output_per_mtok_micros: 15_000_000,
  cached_input_per_mtok_micros: 300_000,
  cache_write_5m_per_mtok_micros: 3_750_000,
  cache_write_1h_per_mtok_micros: 6_000_000,
};
const GPT_PRICE = { input_per_mtok_micros: 2_500_000, output_per_mtok_micros: 10_000_000, cached_input_per_mtok_micros: 1_250_000 };

// The mock counts words: "[cached=1000] [write5m=300] [write1h=200] hello <marker>" is 5 words, plus
// 1,000 read from the cache, 300 written for 5 minutes and 200 for an hour; the echo is 5 words out.
const cachePrompt = (marker: string) => `[cached=1000] [write5m=300] [write1h=200] hello ${marker}`;
// 5 × 3 + 1,000 × 0.30 + (300 × 3.75 + 200 × 6) + 5 × 15 = 15 + 300 + 2,325 + 75
const SONNET_COST = 2715;

let operator: Member;
let tenant: { id: string; key: string };
let anthropicPlatform: { name: string };
let openAIPlatform: { name: string };

async function platformProvider(kind: "openai" | "anthropic", models: string[]): Promise<{ name: string }> {
  const body = { name: tag(), kind, base_url: mockBase(kind), api_key: UPSTREAM_KEYS[kind], models, scope: "platform" };
  const res = await call("/api/providers", jsonInit(body, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<{ name: string }>(res);
}

async function platformPrice(model: string, price: Record<string, number>): Promise<void> {
  const res = await call("/api/prices", jsonInit({ model, ...price, scope: "platform" }, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
}

beforeAll(async () => {
  operator = await createMember("owner", TENANT_ID, { operator: true });
  [anthropicPlatform, openAIPlatform] = await Promise.all([platformProvider("anthropic", [SONNET]), platformProvider("openai", [GPT])]);
  await Promise.all([platformPrice(`${anthropicPlatform.name}/${SONNET}`, SONNET_PRICE), platformPrice(`${openAIPlatform.name}/${GPT}`, GPT_PRICE)]);
  const id = await createTenant("Cache user");
  const owner = await createMember("owner", id);
  const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "cache" }, owner.headers)));
  await grantCredit(id, 10_000_000);
  tenant = { id, key };
});

const gate = () => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant.id));

/** The tenant's balance once every call so far is settled. */
async function balance(): Promise<number> {
  await settledGateStatus(tenant.id);
  return (await gate().reconcile(tenant.id)).balanceMicros;
}

const asTenant = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  gatewayFetch(new Request(`${ORIGIN}${path}`, jsonInit(body, { authorization: `Bearer ${tenant.key}`, ...headers })));

const chat = (model: string, content: string, extra: Record<string, unknown> = {}) =>
  asTenant("/v1/chat/completions", { model, messages: [{ role: "user", content }], ...extra });

interface OpenAIUsageJson {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: Record<string, number>;
  cost?: number;
}

/** The last chunk of an OpenAI stream that carries usage. */
async function streamedUsage(res: Response): Promise<OpenAIUsageJson | undefined> {
  const chunks = parseSse(await res.text())
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data) as { usage?: OpenAIUsageJson | null });
  return chunks.findLast((c) => c.usage)?.usage ?? undefined;
}

describe("an Anthropic answer with cache reads and writes", () => {
  it("gives an OpenAI client every class, charges the hand-computed cost, and moves the balance by exactly that", async () => {
    const before = await balance();
    const res = await chat(`${anthropicPlatform.name}/${SONNET}`, cachePrompt(tag()));
    expect(res.status, await res.clone().text()).toBe(200);
    const { usage } = await json<{ usage: OpenAIUsageJson }>(res);
    expect(usage).toEqual({
      prompt_tokens: 1505,
      completion_tokens: 5,
      total_tokens: 1510,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 500, cache_write_1h_tokens: 200 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost: SONNET_COST / 1e6,
    });
    expect(res.headers.get("x-aggregator-cost-micros")).toBe(String(SONNET_COST));
    expect(before - (await balance())).toBe(SONNET_COST);
    const row = await logRow(res);
    expect(row).toMatchObject({ input_tokens: 1505, cached_tokens: 1000, cache_write_5m_tokens: 300, cache_write_1h_tokens: 200, cost_micros: SONNET_COST });
  });

  it("gives an Anthropic client Anthropic's classes, with the same cost in the header", async () => {
    const before = await balance();
    const body = { model: `${anthropicPlatform.name}/${SONNET}`, max_tokens: 1024, messages: [{ role: "user", content: cachePrompt(tag()) }] };
    const res = await asTenant("/v1/messages", body);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await json<{ usage: Record<string, unknown> }>(res)).usage).toMatchObject({
      input_tokens: 5,
      output_tokens: 5,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 500,
      cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 200 },
    });
    expect(res.headers.get("x-aggregator-cost-micros")).toBe(String(SONNET_COST));
    expect(before - (await balance())).toBe(SONNET_COST);
  });

  it("bills a stream the same, and its final usage chunk carries usage.cost", async () => {
    const before = await balance();
    const res = await chat(`${anthropicPlatform.name}/${SONNET}`, cachePrompt(tag()), { stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aggregator-cost-micros")).toBeNull();
    expect(await streamedUsage(res)).toMatchObject({
      prompt_tokens: 1505,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 500, cache_write_1h_tokens: 200 },
      cost: SONNET_COST / 1e6,
    });
    expect(before - (await balance())).toBe(SONNET_COST);
  });

  it("bills an Anthropic pass-through stream its cache writes", async () => {
    const before = await balance();
    const body = { model: `${anthropicPlatform.name}/${SONNET}`, max_tokens: 1024, stream: true, messages: [{ role: "user", content: cachePrompt(tag()) }] };
    const res = await asTenant("/v1/messages", body);
    expect(res.status).toBe(200);
    const start = parseSse(await res.text()).find((e) => e.event === "message_start");
    expect(JSON.parse(start!.data)).toMatchObject({ message: { usage: { input_tokens: 5, cache_creation_input_tokens: 500 } } });
    expect(before - (await balance())).toBe(SONNET_COST);
  });
});

describe("the reservation of a call that may write the cache", () => {
  it("covers a prompt written to the 1-hour cache at 2× input: nothing is left uncollected", async () => {
    // ~3,000 prompt bytes, all reported written for an hour: 3,500 × 6 µ$ = 21,000 µ$, above what
    // the same prompt reserves at the plain input price (its byte bound × 3 µ$ ≈ 12,500 µ$).
    const marker = tag();
    const system = [{ type: "text", text: "rule ".repeat(600), cache_control: { type: "ephemeral", ttl: "1h" } }];
    const res = await asTenant("/v1/messages", {
      model: `${anthropicPlatform.name}/${SONNET}`,
      max_tokens: 10,
      system,
      messages: [{ role: "user", content: `[write1h=3500] hello ${marker}` }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const row = await logRow(res);
    expect(row.cost_micros).toBeGreaterThanOrEqual(21_000);
    expect(row.uncollected_micros).toBe(0);
  });
});

describe("usage.cost on OpenAI-format answers", () => {
  // "[cached=1000] hello <marker>": 3 words + 1,000 cached in, 3 words out.
  // 3 × 2.5 = 7.5 → 8; 1,000 × 1.25 = 1,250; 3 × 10 = 30
  const GPT_COST = 1288;

  it("a pass-through answer, whole and streamed", async () => {
    const before = await balance();
    const whole = await chat(`${openAIPlatform.name}/${GPT}`, `[cached=1000] hello ${tag()}`);
    expect(whole.status, await whole.clone().text()).toBe(200);
    expect(whole.headers.get("x-aggregator-cost-micros")).toBe(String(GPT_COST));
    expect((await json<{ usage: OpenAIUsageJson }>(whole)).usage).toMatchObject({ prompt_tokens: 1003, cost: GPT_COST / 1e6 });
    const streamed = await chat(`${openAIPlatform.name}/${GPT}`, `[cached=1000] hello ${tag()}`, { stream: true, stream_options: { include_usage: true } });
    expect(await streamedUsage(streamed)).toMatchObject({ prompt_tokens: 1003, prompt_tokens_details: { cached_tokens: 1000 }, cost: GPT_COST / 1e6 });
    expect(before - (await balance())).toBe(2 * GPT_COST);
  });

  it("embeddings carry it too", async () => {
    const embedded = await asTenant("/v1/embeddings", { model: "demo/embed", input: "one two three" });
    expect(embedded.status, await embedded.clone().text()).toBe(200);
    const micros = Number(embedded.headers.get("x-aggregator-cost-micros"));
    expect(Number.isSafeInteger(micros)).toBe(true);
    expect((await json<{ usage: OpenAIUsageJson }>(embedded)).usage.cost).toBe(micros / 1e6);
  });
});

// ── cache_control reaching Anthropic, on the seeded tenant's own providers ──────────────

describe("cache_control reaching Anthropic", () => {
  let an: Provider;
  let oa: Provider;
  const HOUR = { type: "ephemeral", ttl: "1h" };
  const FIVE = { type: "ephemeral" };
  const TOOL = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } };

  beforeAll(async () => {
    [an, oa] = await Promise.all([createProvider("anthropic", ["claude-haiku-4-5"]), createProvider("openai", ["gpt-4o-mini"])]);
  });

  const sentBody = async (model: string, marker: string) => {
    const seen = await upstream(model, { marker });
    expect(seen).toHaveLength(1);
    return seen[0]!.body as Record<string, unknown>;
  };

  it("from OpenAI chat: on system and user parts and on tools", async () => {
    const marker = tag();
    const res = await post("/v1/chat/completions", {
      model: an.model("claude-haiku-4-5"),
      messages: [
        { role: "system", content: [{ type: "text", text: `Rules ${marker}`, cache_control: HOUR }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Long document", cache_control: FIVE },
            { type: "text", text: "question" },
          ],
        },
      ],
      tools: [{ ...TOOL, cache_control: FIVE }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await sentBody("claude-haiku-4-5", marker)).toMatchObject({
      system: [{ type: "text", text: `Rules ${marker}`, cache_control: HOUR }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Long document", cache_control: FIVE },
            { type: "text", text: "question" },
          ],
        },
      ],
      tools: [{ name: "lookup", cache_control: FIVE }],
    });
  });

  it("from the Responses API: on input parts and tools", async () => {
    const marker = tag();
    const res = await post("/v1/responses", {
      model: an.model("claude-haiku-4-5"),
      store: false,
      input: [{ role: "user", content: [{ type: "input_text", text: `Document ${marker}`, cache_control: HOUR }] }],
      tools: [{ type: "function", name: "lookup", parameters: { type: "object", properties: {} }, cache_control: FIVE }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await sentBody("claude-haiku-4-5", marker)).toMatchObject({
      messages: [{ role: "user", content: [{ type: "text", text: `Document ${marker}`, cache_control: HOUR }] }],
      tools: [{ name: "lookup", cache_control: FIVE }],
    });
  });

  it("from Anthropic's own format: as sent", async () => {
    const marker = tag();
    const body = {
      model: an.model("claude-haiku-4-5"),
      max_tokens: 100,
      system: [{ type: "text", text: `Rules ${marker}`, cache_control: HOUR }],
      messages: [{ role: "user", content: [{ type: "text", text: "Document", cache_control: FIVE }] }],
      tools: [{ name: "lookup", input_schema: { type: "object" }, cache_control: FIVE }],
    };
    const res = await post("/v1/messages", body);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await sentBody("claude-haiku-4-5", marker)).toMatchObject({ system: body.system, messages: body.messages, tools: body.tools });
  });

  it("refuses a malformed cache_control with a 400 in the caller's format", async () => {
    const res = await post("/v1/chat/completions", {
      model: an.model("claude-haiku-4-5"),
      messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "1d" } }] }],
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it("OpenAI gets prompt_cache_key and prompt_cache_retention as sent, and no cache_control", async () => {
    const marker = tag();
    const res = await post("/v1/chat/completions", {
      model: oa.model("gpt-4o-mini"),
      messages: [{ role: "user", content: [{ type: "text", text: `Hello ${marker}`, cache_control: FIVE }] }],
      tools: [{ ...TOOL, cache_control: FIVE }],
      prompt_cache_key: "tenant-42",
      prompt_cache_retention: "24h",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const sent = await sentBody("gpt-4o-mini", marker);
    expect(sent).toMatchObject({ prompt_cache_key: "tenant-42", prompt_cache_retention: "24h" });
    expect(JSON.stringify(sent)).not.toContain("cache_control");
  });

  it("Anthropic is not refused prompt_cache_key: the hint is dropped", async () => {
    const marker = tag();
    const res = await post("/v1/chat/completions", {
      model: an.model("claude-haiku-4-5"),
      messages: [{ role: "user", content: `Hello ${marker}` }],
      prompt_cache_key: "tenant-42",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await sentBody("claude-haiku-4-5", marker)).not.toHaveProperty("prompt_cache_key");
  });
});

describe("prices per token class", () => {
  it("the prices API takes and returns the cache-write prices; null means Anthropic's multiples of input", async () => {
    const model = `${tag()}/model`;
    const res = await call("/api/prices", jsonInit({ model, input_per_mtok_micros: 1_000_000, output_per_mtok_micros: 2_000_000 }, operator.headers));
    expect(res.status, await res.clone().text()).toBe(201);
    const created = await json<{ id: string }>(res);
    expect(created).toMatchObject({ cache_write_5m_per_mtok_micros: null, cache_write_1h_per_mtok_micros: null });
    const patched = await call(
      `/api/prices/${created.id}`,
      jsonInit({ cache_write_5m_per_mtok_micros: 1_250_000, cache_write_1h_per_mtok_micros: 2_000_000 }, operator.headers, "PATCH"),
    );
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(await json(patched)).toMatchObject({ cache_write_5m_per_mtok_micros: 1_250_000, cache_write_1h_per_mtok_micros: 2_000_000 });
    const bad = await call(`/api/prices/${created.id}`, jsonInit({ cache_write_1h_per_mtok_micros: -1 }, operator.headers, "PATCH"));
    expect(bad.status).toBe(400);
  });
});
