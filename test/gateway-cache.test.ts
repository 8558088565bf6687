// The opt-in response cache: asked for per call (x-aggregator-cache: max-age=N) or per route;
// an identical second call is a HIT that reaches no upstream and costs nothing; streams are
// never cached. It uses a model no other test file calls, so its upstream log stays small
// while the fuzz floods the popular ones.
import { beforeAll, describe, expect, it } from "vitest";
import { anthropic, createProvider, createRoute, logRow, openai, parseSse, post, type Provider, settle, tag, upstream } from "./kit/gateway.ts";

let oa: Provider;
let an: Provider;

beforeAll(async () => {
  [oa, an] = await Promise.all([createProvider("openai", ["gpt-4.1-nano"]), createProvider("anthropic", ["claude-haiku-4-5"])]);
});

const CACHE = { headers: { "x-aggregator-cache": "max-age=60" } };

describe("x-aggregator-cache: max-age", () => {
  it("answers an identical second call from the cache, without the upstream, at no cost", async () => {
    const marker = tag();
    const params = { model: oa.model("gpt-4.1-nano"), messages: [{ role: "user" as const, content: `Cache me ${marker}` }] };
    const first = await openai.chat.completions.create(params, CACHE).withResponse();
    expect(first.response.headers.get("x-aggregator-cache")).toBe("MISS");
    const firstRow = await logRow(first.response);
    expect(firstRow.cost_micros).toBeGreaterThan(0);

    const second = await openai.chat.completions.create(params, CACHE).withResponse();
    expect(second.response.headers.get("x-aggregator-cache")).toBe("HIT");
    // The same answer; its usage.cost is what this call is charged: nothing, on a hit.
    const { cost: _firstCost, ...firstUsage } = first.data.usage as { cost?: number };
    expect(second.data).toEqual({ ...first.data, usage: { ...firstUsage, cost: 0 } });
    expect(second.response.headers.get("x-aggregator-cost-micros")).toBe("0");
    expect(await upstream("gpt-4.1-nano", { marker })).toHaveLength(1);
    const row = await logRow(second.response);
    expect(row).toMatchObject({ status: 200, error_type: "cache_hit", cost_micros: 0, input_tokens: 0, output_tokens: 0 });
  });

  it("works for /v1/messages too, keyed apart from chat completions", async () => {
    const marker = tag();
    const params = { model: an.model("claude-haiku-4-5"), max_tokens: 50, messages: [{ role: "user" as const, content: `Cache me ${marker}` }] };
    const first = await anthropic.messages.create(params, CACHE).withResponse();
    await settle();
    const second = await anthropic.messages.create(params, CACHE).withResponse();
    expect([first.response.headers.get("x-aggregator-cache"), second.response.headers.get("x-aggregator-cache")]).toEqual(["MISS", "HIT"]);
    expect(second.data).toEqual(first.data);
    expect(await upstream("claude-haiku-4-5", { marker })).toHaveLength(1);
  });

  it("misses when anything in the request differs", async () => {
    const marker = tag();
    const base = { model: oa.model("gpt-4.1-nano"), messages: [{ role: "user" as const, content: `Cache me ${marker}` }] };
    await openai.chat.completions.create(base, CACHE);
    await settle();
    const other = await openai.chat.completions.create({ ...base, temperature: 0.5 }, CACHE).withResponse();
    expect(other.response.headers.get("x-aggregator-cache")).toBe("MISS");
    expect(await upstream("gpt-4.1-nano", { marker })).toHaveLength(2);
  });

  it("is off unless asked for", async () => {
    const marker = tag();
    const params = { model: oa.model("gpt-4.1-nano"), messages: [{ role: "user" as const, content: `Do not cache me ${marker}` }] };
    const first = await openai.chat.completions.create(params).withResponse();
    await settle();
    const second = await openai.chat.completions.create(params).withResponse();
    expect([first.response.headers.get("x-aggregator-cache"), second.response.headers.get("x-aggregator-cache")]).toEqual(["BYPASS", "BYPASS"]);
    expect(await upstream("gpt-4.1-nano", { marker })).toHaveLength(2);
  });

  it("never caches a stream", async () => {
    const marker = tag();
    const body = { model: oa.model("gpt-4.1-nano"), messages: [{ role: "user", content: `Stream me ${marker}` }], stream: true };
    for (let i = 0; i < 2; i++) {
      const res = await post("/v1/chat/completions", body, { "x-aggregator-cache": "max-age=60" });
      expect(res.headers.get("x-aggregator-cache")).toBe("BYPASS");
      expect(parseSse(await res.text()).at(-1)?.data).toBe("[DONE]");
      await settle();
    }
    expect(await upstream("gpt-4.1-nano", { marker })).toHaveLength(2);
  });
});

describe("a route's cache_ttl_seconds", () => {
  it("caches without the header; no-store turns it off for one call", async () => {
    const alias = await createRoute({ targets: [{ model: oa.model("gpt-4.1-nano") }], cache_ttl_seconds: 60 });
    const marker = tag();
    const params = { model: alias, messages: [{ role: "user" as const, content: `Route cache ${marker}` }] };
    const first = await openai.chat.completions.create(params).withResponse();
    await settle();
    const second = await openai.chat.completions.create(params).withResponse();
    const third = await openai.chat.completions.create(params, { headers: { "x-aggregator-cache": "no-store" } }).withResponse();
    expect([first, second, third].map((r) => r.response.headers.get("x-aggregator-cache"))).toEqual(["MISS", "HIT", "BYPASS"]);
    expect(await upstream("gpt-4.1-nano", { marker })).toHaveLength(2);
  });
});
