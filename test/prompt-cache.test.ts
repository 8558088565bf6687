// prompt_cache "auto" (issue 16): on a key or a route, the gateway marks the stable prefix (tools
// and system prompt) with cache breakpoints for Anthropic targets, whatever format the caller
// speaks, and keeps a conversation on one target of a route so the cache is read, not rewritten.
import { beforeAll, describe, expect, it } from "vitest";
import { bearer, call, json, jsonInit, type Member } from "./kit/fixtures.ts";
import { admin, createProvider, createRoute, type Provider, tag, upstream } from "./kit/gateway.ts";

let owner: Member;
let anthropic: Provider;
let model: string;
beforeAll(async () => {
  owner = await admin();
  model = `claude-${tag()}`;
  anthropic = await createProvider("anthropic", [model]);
});

async function key(promptCache: "auto" | "off"): Promise<string> {
  const res = await call("/api/keys", jsonInit({ name: `prompt-cache-${promptCache}`, prompt_cache: promptCache }, owner.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ key: string }>(res)).key;
}

const tools = [
  { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "search", parameters: { type: "object", properties: {} } } },
];

async function sentUpstream(marker: string): Promise<Record<string, unknown>> {
  const [request] = await upstream(model, { flavor: "anthropic", marker });
  expect(request, `nothing reached the mock with ${marker}`).toBeDefined();
  return request!.body as Record<string, unknown>;
}

describe("prompt_cache auto", () => {
  it("marks the tools and the system prompt of an OpenAI-format call to an Anthropic model", async () => {
    const marker = tag();
    const body = {
      model: anthropic.model(model),
      max_tokens: 16,
      tools,
      messages: [
        { role: "system", content: "You answer briefly." },
        { role: "user", content: marker },
      ],
    };
    const res = await call("/v1/chat/completions", jsonInit(body, bearer(await key("auto"))));
    expect(res.status, await res.clone().text()).toBe(200);
    const sent = await sentUpstream(marker);
    expect(sent.system).toEqual([{ type: "text", text: "You answer briefly.", cache_control: { type: "ephemeral" } }]);
    const sentTools = sent.tools as { name: string; cache_control?: unknown }[];
    expect(sentTools.map((t) => t.cache_control ?? null)).toEqual([null, { type: "ephemeral" }]);
  });

  it("marks a native Messages call too, and leaves a call that marks its own prefix as it is", async () => {
    const k = await key("auto");
    const marker = tag();
    const native = { model: anthropic.model(model), max_tokens: 16, system: "Be brief.", messages: [{ role: "user", content: marker }] };
    expect((await call("/v1/messages", jsonInit(native, bearer(k)))).status).toBe(200);
    expect((await sentUpstream(marker)).system).toEqual([{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }]);

    const own = tag();
    const system = [{ type: "text", text: "Long instructions.", cache_control: { type: "ephemeral", ttl: "1h" } }];
    expect((await call("/v1/messages", jsonInit({ ...native, system, messages: [{ role: "user", content: own }] }, bearer(k)))).status).toBe(200);
    expect((await sentUpstream(own)).system).toEqual(system);
  });

  it("adds nothing for a key without it", async () => {
    const marker = tag();
    const body = {
      model: anthropic.model(model),
      max_tokens: 16,
      messages: [
        { role: "system", content: "Plain." },
        { role: "user", content: marker },
      ],
    };
    expect((await call("/v1/chat/completions", jsonInit(body, bearer(await key("off"))))).status).toBe(200);
    expect(JSON.stringify(await sentUpstream(marker))).not.toContain("cache_control");
  });

  it("keeps each conversation on one target of a weighted route, and spreads conversations over its targets", async () => {
    const alias = await createRoute({ strategy: "weighted", targets: [{ model: "demo/echo" }, { model: "demo/lorem" }] });
    const patched = await call(`/api/routes/${await routeId(alias)}`, jsonInit({ prompt_cache: "auto" }, owner.headers, "PATCH"));
    expect(patched.status, await patched.clone().text()).toBe(200);
    const k = await key("off");
    const servedBy = async (system: string, turn: number) => {
      const messages = [
        { role: "system", content: system },
        { role: "user", content: "first question" },
        ...Array.from({ length: turn }, (_, i) => [
          { role: "assistant", content: `answer ${i}` },
          { role: "user", content: `follow-up ${i}` },
        ]).flat(),
      ];
      const res = await call("/v1/chat/completions", jsonInit({ model: alias, max_tokens: 8, messages }, bearer(k)));
      expect(res.status).toBe(200);
      await res.text();
      return res.headers.get("x-aggregator-attempts");
    };
    for (const conversation of ["alpha", "beta", "gamma"]) {
      const targets = new Set<string | null>();
      for (let turn = 0; turn < 5; turn++) targets.add(await servedBy(`conversation ${conversation}`, turn));
      expect(targets.size, conversation).toBe(1);
    }
    const spread = new Set<string | null>();
    for (let i = 0; i < 16; i++) spread.add(await servedBy(`conversation ${i}`, 0));
    expect(spread.size).toBe(2);
  });
});

async function routeId(alias: string): Promise<string> {
  const list = await json<{ data: { id: string; alias: string }[] }>(await call("/api/routes", { headers: owner.headers }));
  return list.data.find((r) => r.alias === alias)!.id;
}
