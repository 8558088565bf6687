// Route aliases under upstream faults: fallback to the next target on 5xx, 429, resets,
// timeouts and broken bodies (never on a client's 4xx), retries with backoff honouring
// Retry-After, weighted and lowest-latency strategies, the circuit breaker, and upstream errors
// mapped into the caller's format without the provider's key or URL.
import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { breakers } from "../worker/gateway/breaker.ts";
import { call, json, jsonInit, uniqueName } from "./kit/fixtures.ts";
import {
  admin,
  anthropic,
  attemptsOf,
  createProvider,
  createRoute,
  logRow,
  MOCK_ORIGIN,
  mockBase,
  openai,
  parseSse,
  post,
  type ProviderKind,
  type RouteBody,
  tag,
  upstream,
} from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

/** A route whose first target is `faultModel` on one provider and whose second answers, on another. */
async function chain(faultModel: string, route: Partial<RouteBody> = {}, kinds: [ProviderKind, ProviderKind] = ["openai", "openai-compatible"]) {
  const okModel = `ok-${tag()}`;
  const [a, b] = await Promise.all([createProvider(kinds[0], [faultModel]), createProvider(kinds[1], [okModel])]);
  const alias = await createRoute({ targets: [{ model: a.model(faultModel) }, { model: b.model(okModel) }], retries: 0, ...route });
  return { a, b, alias, okModel, first: a.model(faultModel), second: b.model(okModel) };
}

const hello = (text = "Hello there") => [{ role: "user" as const, content: text }];

describe("fallback", () => {
  const faults: [string, string, Partial<RouteBody>][] = [
    ["fail-500", "500", {}],
    ["fail-503", "503", {}],
    ["fail-429", "429", {}],
    ["reset", "network", {}],
    ["slow-2000", "timeout", { timeout_ms: 250 }],
    ["malformed", "protocol", {}],
  ];

  describe.each([false, true])("stream: %s", (stream) => {
    it.each(faults)("%s → answered by the second target (%s)", async (fault, outcome, route) => {
      const faultModel = `${fault}-${tag()}`;
      const { b, alias, okModel, first, second } = await chain(faultModel, route);
      const res = await post("/v1/chat/completions", { model: alias, messages: hello(), stream });
      expect(res.status).toBe(200);
      if (stream) expect(parseSse(await res.text()).at(-1)?.data).toBe("[DONE]");
      else expect(await res.json()).toMatchObject({ choices: [{ message: { content: "Hello there" } }] });
      expect(res.headers.get("x-aggregator-provider")).toBe(b.name);
      expect(res.headers.get("x-aggregator-attempts")).toBe(`${first}=${outcome}, ${second}=ok`);
      const row = await logRow(res);
      expect(row).toMatchObject({ status: 200, provider: b.name, model: second, stream: stream ? 1 : 0 });
      expect(attemptsOf(row)).toEqual([`${first}=${outcome}`, `${second}=ok`]);
      expect(await upstream(faultModel)).toHaveLength(1);
      expect(await upstream(okModel)).toHaveLength(1);
    });
  });

  it("falls back across providers and formats for the Anthropic client", async () => {
    const { alias, b } = await chain(`fail-529-${tag()}`, {}, ["anthropic", "gemini"]);
    const { data, response } = await anthropic.messages.create({ model: alias, max_tokens: 50, messages: hello("Cross over") }).withResponse();
    expect(data.content).toEqual([{ type: "text", text: "Cross over" }]);
    expect(response.headers.get("x-aggregator-provider")).toBe(b.name);
    const message = await anthropic.messages.stream({ model: alias, max_tokens: 50, messages: hello("Cross over") }).finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "Cross over" }]);
  });

  it("does not fall back on a client's 4xx", async () => {
    const faultModel = `fail-400-${tag()}`;
    const { alias, okModel, first } = await chain(faultModel);
    const res = await post("/v1/chat/completions", { model: alias, messages: hello() });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", code: "upstream_invalid_request" } });
    expect(await upstream(faultModel)).toHaveLength(1);
    expect(await upstream(okModel)).toHaveLength(0);
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 400, error_type: "upstream_invalid_request", cost_micros: 0 });
    expect(attemptsOf(row)).toEqual([`${first}=400`]);
    await expect(openai.chat.completions.create({ model: alias, messages: hello() })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(anthropic.messages.create({ model: alias, max_tokens: 10, messages: hello() })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("falls back on /v1/responses too, a body that is not JSON included", async () => {
    const { alias, b, first, second } = await chain(`malformed-${tag()}`);
    const { data, response } = await openai.responses.create({ model: alias, input: "Hello there" }).withResponse();
    expect(data.output_text).toBe("Hello there");
    expect(response.headers.get("x-aggregator-provider")).toBe(b.name);
    expect(response.headers.get("x-aggregator-attempts")).toBe(`${first}=protocol, ${second}=ok`);
    const only = await createProvider("openai", ["malformed"]);
    const res = await post("/v1/responses", { model: only.model("malformed"), input: "Hello there" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_error" } });
  });

  it("fails with the last error when every target fails", async () => {
    const [a, b] = await Promise.all([createProvider("openai", ["fail-500"]), createProvider("gemini", ["fail-503"])]);
    const alias = await createRoute({ targets: [{ model: a.model("fail-500") }, { model: b.model("fail-503") }], retries: 0 });
    const res = await post("/v1/chat/completions", { model: alias, messages: hello() });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_error", type: "server_error" } });
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 502, cost_micros: 0 });
    expect(attemptsOf(row)).toEqual([`${a.model("fail-500")}=500`, `${b.model("fail-503")}=503`]);
  });
});

describe("retries", () => {
  it("retries with backoff and succeeds on the third attempt", async () => {
    const model = `flaky-2-${tag()}`;
    const p = await createProvider("openai", [model]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], retries: 2 });
    const { data, response } = await openai.chat.completions.create({ model: alias, messages: hello() }).withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there");
    expect(response.headers.get("x-aggregator-attempts")).toBe(`${p.model(model)}=503, ${p.model(model)}=503, ${p.model(model)}=ok`);
    const seen = await upstream(model);
    expect(seen.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(attemptsOf(await logRow(response))).toHaveLength(3);
  });

  it("gives up after its retries", async () => {
    const model = `flaky-2-${tag()}`;
    const p = await createProvider("openai", [model]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], retries: 1 });
    const res = await post("/v1/chat/completions", { model: alias, messages: hello() });
    expect(res.status).toBe(502);
    expect(await upstream(model)).toHaveLength(2);
  });

  it("waits as long as Retry-After asks before retrying", async () => {
    const model = `flaky429-1-${tag()}`;
    const p = await createProvider("anthropic", [model]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], retries: 1 });
    const started = Date.now();
    const message = await anthropic.messages.create({ model: alias, max_tokens: 20, messages: hello() });
    expect(message.content).toEqual([{ type: "text", text: "Hello there" }]);
    const seen = await upstream(model);
    expect(seen.map((r) => r.status)).toEqual([429, 200]);
    // Retry-After: 1 → the retry comes a second later (loosely bounded).
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("answers 429 with Retry-After when the provider keeps rate limiting", async () => {
    const p = await createProvider("openai", ["fail-429"]);
    const alias = await createRoute({ targets: [{ model: p.model("fail-429") }], retries: 0 });
    const res = await post("/v1/chat/completions", { model: alias, messages: hello() });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ error: { type: "rate_limit_error", code: "upstream_rate_limited" } });
    await expect(openai.chat.completions.create({ model: alias, messages: hello() })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe("strategies", () => {
  it("weighted: distributes calls by weight", async () => {
    const model = `ok-${tag()}`;
    const [a, b] = await Promise.all([createProvider("openai-compatible", [model]), createProvider("openai-compatible", [model])]);
    const alias = await createRoute({
      strategy: "weighted",
      targets: [
        { model: a.model(model), weight: 3 },
        { model: b.model(model), weight: 1 },
      ],
    });
    const counts = new Map<string, number>();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => post("/v1/chat/completions", { model: alias, messages: hello() })));
      for (const res of answers) {
        expect(res.status).toBe(200);
        const name = res.headers.get("x-aggregator-provider") ?? "";
        counts.set(name, (counts.get(name) ?? 0) + 1);
        await res.body?.cancel();
      }
    }
    // 3:1 of 200 is 150:50; ±4 standard deviations.
    expect(counts.get(a.name)).toBeGreaterThan(125);
    expect(counts.get(a.name)).toBeLessThan(175);
    expect((counts.get(a.name) ?? 0) + (counts.get(b.name) ?? 0)).toBe(200);
  });

  it("lowest-latency: prefers the faster target once both are measured", async () => {
    const slow = `slow-150-${tag()}`;
    const fast = `ok-${tag()}`;
    const [a, b] = await Promise.all([createProvider("openai", [slow]), createProvider("gemini", [fast])]);
    const alias = await createRoute({ strategy: "lowest-latency", targets: [{ model: a.model(slow) }, { model: b.model(fast) }] });
    const providers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { response } = await openai.chat.completions.create({ model: alias, messages: hello() }).withResponse();
      providers.push(response.headers.get("x-aggregator-provider") ?? "");
    }
    // Unmeasured targets go first, so the slow one is tried once; from then on the fast one wins.
    expect(providers.slice(2)).toEqual(Array(10).fill(b.name));
    expect((await upstream(slow)).length).toBeLessThanOrEqual(2);
  });
});

describe("circuit breaker", () => {
  async function withCoolDown<T>(coolDownMs: number, run: () => Promise<T>): Promise<T> {
    const previous = breakers.configure({ coolDownMs });
    try {
      return await run();
    } finally {
      breakers.configure(previous);
    }
  }

  const attempts = async (alias: string) => {
    const res = await post("/v1/chat/completions", { model: alias, messages: hello() });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    return res.headers.get("x-aggregator-attempts");
  };

  it("opens after repeated failures, skips the provider, and a successful probe closes it", async () => {
    await withCoolDown(1000, async () => {
      const faultModel = `flaky-5-${tag()}`;
      const { alias, first, second } = await chain(faultModel);
      for (let i = 0; i < 5; i++) expect(await attempts(alias)).toBe(`${first}=503, ${second}=ok`);
      // Open: the failing provider is no longer asked.
      for (let i = 0; i < 3; i++) expect(await attempts(alias)).toBe(`${second}=ok`);
      expect(await upstream(faultModel)).toHaveLength(5);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // Half-open: one probe, which succeeds (the 6th request) and closes the circuit.
      expect(await attempts(alias)).toBe(`${first}=ok`);
      expect(await attempts(alias)).toBe(`${first}=ok`);
      expect(await upstream(faultModel)).toHaveLength(7);
    });
  });

  it("re-opens when the probe fails", async () => {
    await withCoolDown(1000, async () => {
      const faultModel = `fail-500-${tag()}`;
      const { alias, first, second } = await chain(faultModel);
      for (let i = 0; i < 5; i++) expect(await attempts(alias)).toBe(`${first}=500, ${second}=ok`);
      expect(await attempts(alias)).toBe(`${second}=ok`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await attempts(alias)).toBe(`${first}=500, ${second}=ok`);
      expect(await attempts(alias)).toBe(`${second}=ok`);
      expect(await upstream(faultModel)).toHaveLength(6);
    });
  });
  it("frees the half-open probe when the request fails on our side before reaching the provider", async () => {
    await withCoolDown(1000, async () => {
      const faultModel = `flaky-5-${tag()}`;
      const { alias, first, second } = await chain(faultModel, {}, ["anthropic", "openai-compatible"]);
      for (let i = 0; i < 5; i++) expect(await attempts(alias)).toBe(`${first}=503, ${second}=ok`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // The probe's request cannot be translated for Anthropic: a 400, and the provider never asked.
      const refused = await post("/v1/chat/completions", { model: alias, messages: hello(), logit_bias: { "50256": -100 } });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: "unsupported_parameter", param: "logit_bias" } });
      expect(await upstream(faultModel)).toHaveLength(5);
      // The next call probes (the 6th request, which succeeds) instead of finding the slot taken forever.
      expect(await attempts(alias)).toBe(`${first}=ok`);
    });
  });
});

describe("a call every attempt of which failed", () => {
  const everyEndpoint = (alias: string): [string, Record<string, unknown>][] => [
    ["/v1/chat/completions", { model: alias, messages: hello() }],
    ["/v1/chat/completions", { model: alias, messages: hello(), stream: true }],
    ["/v1/messages", { model: alias, max_tokens: 10, messages: hello() }],
    ["/v1/embeddings", { model: alias, input: "Hello there" }],
    ["/v1/responses", { model: alias, input: "Hello there" }],
  ];

  it("names the provider and the attempts in its headers on every endpoint", async () => {
    const model = `fail-500-${tag()}`;
    const p = await createProvider("openai", [model]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], retries: 0 });
    for (const [path, body] of everyEndpoint(alias)) {
      const res = await post(path, body);
      expect(res.status, path).toBe(502);
      expect(res.headers.get("x-aggregator-provider"), path).toBe(p.name);
      expect(res.headers.get("x-aggregator-attempts"), path).toBe(`${p.model(model)}=500`);
      expect(attemptsOf(await logRow(res))).toEqual([`${p.model(model)}=500`]);
    }
  });

  it("carries the x-ratelimit-* headers of its admission, as a success does", async () => {
    const model = `fail-500-${tag()}`;
    const [p, an] = await Promise.all([createProvider("openai", [model]), createProvider("anthropic", [model])]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], retries: 0 });
    const created = await call("/api/keys", jsonInit({ name: uniqueName("limited"), rpm_limit: 10 }, (await admin()).headers));
    const { key } = await json<{ key: string }>(created);
    const calls = [...everyEndpoint(alias), ["/v1/messages/count_tokens", { model: an.model(model), messages: hello() }] as const];
    for (const [i, [path, body]] of calls.entries()) {
      const res = await post(path, body, { authorization: `Bearer ${key}` });
      expect(res.status, path).toBe(502);
      expect(res.headers.get("x-ratelimit-limit-requests"), path).toBe("10");
      expect(res.headers.get("x-ratelimit-remaining-requests"), path).toBe(String(9 - i));
    }
  });

  it("names the last provider tried after a fallback that failed too", async () => {
    const [firstModel, secondModel] = [`fail-503-${tag()}`, `fail-500-${tag()}`];
    const [a, b] = await Promise.all([createProvider("openai", [firstModel]), createProvider("anthropic", [secondModel])]);
    const alias = await createRoute({ targets: [{ model: a.model(firstModel) }, { model: b.model(secondModel) }], retries: 0 });
    const failed: unknown = await anthropic.messages.create({ model: alias, max_tokens: 10, messages: hello() }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Anthropic.InternalServerError);
    const { headers } = failed as InstanceType<typeof Anthropic.InternalServerError>;
    expect(headers?.get("x-aggregator-provider")).toBe(b.name);
    expect(headers?.get("x-aggregator-attempts")).toBe(`${a.model(firstModel)}=503, ${b.model(secondModel)}=500`);
  });
});

describe("upstream errors are mapped, never leaked", () => {
  const cases: [string, number, string, string][] = [
    ["fail-500", 502, "upstream_error", "api_error"],
    ["fail-429", 429, "upstream_rate_limited", "rate_limit_error"],
    ["fail-400", 400, "upstream_invalid_request", "invalid_request_error"],
    ["fail-404", 404, "model_not_found", "not_found_error"],
    ["fail-403", 502, "upstream_auth_failed", "api_error"],
    ["reset", 502, "upstream_error", "api_error"],
    ["malformed", 502, "upstream_error", "api_error"],
    ["truncate", 502, "upstream_error", "api_error"],
    ["slow-2000", 502, "upstream_timeout", "api_error"],
  ];

  const secrets = () => [
    ...Object.values(UPSTREAM_KEYS),
    MOCK_ORIGIN(),
    `127.0.0.1:${env.UPSTREAM_PORT}`,
    mockBase("openai"),
    mockBase("anthropic"),
    mockBase("gemini"),
  ];
  const expectClean = (text: string) => {
    for (const secret of secrets()) expect(text).not.toContain(secret);
  };

  describe.each<ProviderKind>(["openai", "anthropic", "gemini"])("from %s", (kind) => {
    it.each(cases)("%s → %i %s", async (fault, status, code, anthropicType) => {
      const p = await createProvider(kind, [fault]);
      const alias = await createRoute({ targets: [{ model: p.model(fault) }], retries: 0, timeout_ms: 250 });
      const viaOpenAI = await post("/v1/chat/completions", { model: alias, messages: hello() });
      expect(viaOpenAI.status).toBe(status);
      const openaiText = await viaOpenAI.text();
      expectClean(openaiText);
      expect(JSON.parse(openaiText)).toMatchObject({ error: { code } });

      const viaAnthropic = await post("/v1/messages", { model: alias, max_tokens: 10, messages: hello() });
      expect(viaAnthropic.status).toBe(status);
      const anthropicText = await viaAnthropic.text();
      expectClean(anthropicText);
      expect(JSON.parse(anthropicText)).toMatchObject({ type: "error", error: { type: anthropicType } });

      // A stream that fails before its first byte is an error response, not an event stream.
      if (fault === "truncate") return;
      const streamed = await post("/v1/chat/completions", { model: alias, messages: hello(), stream: true });
      expect(streamed.status).toBe(status);
      expect(streamed.headers.get("content-type")).toMatch(/^application\/json/);
      expectClean(await streamed.text());
    });
  });

  it("does not pass on a key the provider echoes when refusing it", async () => {
    const wrongKey = `sk-wrong-${tag()}-0123456789`;
    const p = await createProvider("openai", ["gpt-4o-mini"], { api_key: wrongKey });
    const answer = await post("/v1/chat/completions", { model: p.model("gpt-4o-mini"), messages: hello() });
    expect(answer.status).toBe(502);
    const text = await answer.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_auth_failed" } });
    expect(text).not.toContain(wrongKey);
  });
});
