// /v1/responses for every provider kind, through the official OpenAI SDK: translated to
// anthropic, gemini, openai-compatible and demo (whole and streamed, in the Responses event
// grammar), passed through to openai; function calling round trips; stored state
// (previous_response_id across providers, retrieve, input_items, delete) that stays the
// tenant's own; and what each refusal looks like.
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { API_KEY, bearer, call, createMember, createTenant, json, jsonInit } from "./kit/fixtures.ts";
import { createProvider, logRow, openai, parseSse, post, type Provider, tag, upstream } from "./kit/gateway.ts";
import { checkResponsesStream } from "./kit/responses-grammar.ts";

let oa: Provider;
let compat: Provider;
let an: Provider;
let gm: Provider;

beforeAll(async () => {
  [oa, compat, an, gm] = await Promise.all([
    createProvider("openai", ["gpt-4o-mini"]),
    createProvider("openai-compatible", ["gpt-4o-mini"]),
    createProvider("anthropic", ["claude-haiku-4-5"]),
    createProvider("gemini", ["gemini-2.5-flash"]),
  ]);
});

interface Target {
  label: string;
  model: () => string;
  upstreamModel: string | null;
}

const TRANSLATED: Target[] = [
  { label: "anthropic", model: () => an.model("claude-haiku-4-5"), upstreamModel: "claude-haiku-4-5" },
  { label: "gemini", model: () => gm.model("gemini-2.5-flash"), upstreamModel: "gemini-2.5-flash" },
  { label: "openai-compatible", model: () => compat.model("gpt-4o-mini"), upstreamModel: "gpt-4o-mini" },
  { label: "demo", model: () => "demo/echo", upstreamModel: null },
];

const WEATHER: OpenAI.Responses.FunctionTool[] = [
  {
    type: "function",
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    strict: false,
  },
];

type Json = Record<string, unknown>;

/** A response with its ids and times blanked: what two calls of the same content share. */
function shape(response: Json): Json {
  return JSON.parse(
    JSON.stringify(response, (k, v) => (["id", "created_at", "call_id", "output_text", "parsed", "output_parsed"].includes(k) ? undefined : v)),
  ) as Json;
}

const sseJson = (text: string) => parseSse(text).map((e) => JSON.parse(e.data) as { type: string; sequence_number: number } & Json);

describe.each(TRANSLATED)("/v1/responses translated to $label", (t) => {
  it("answers a Responses object with text, usage in Responses' shape, and bills it", async () => {
    const marker = tag();
    const { data, response } = await openai.responses.create({ model: t.model(), instructions: "Be brief.", input: `Hello ${marker}` }).withResponse();
    expect(data).toMatchObject({ object: "response", status: "completed", model: t.model(), instructions: "Be brief.", store: true });
    expect(data.id).toMatch(/^resp_/);
    expect(data.output_text).toContain(`Hello ${marker}`);
    expect(data.output).toHaveLength(1);
    expect(data.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text" }] });
    expect(data.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), input_tokens_details: { cached_tokens: 0 } });
    expect(data.usage!.total_tokens).toBe(data.usage!.input_tokens + data.usage!.output_tokens);
    const row = await logRow(response);
    expect(row).toMatchObject({ endpoint: "responses", status: 200, input_tokens: data.usage!.input_tokens, output_tokens: data.usage!.output_tokens });
    if (t.upstreamModel) {
      const [sent] = await upstream(t.upstreamModel, { marker });
      expect(JSON.stringify(sent!.body)).toContain("Be brief.");
    }
  });

  it("streams in the Responses event grammar, and the SDK's accumulated response equals the whole one", async () => {
    const marker = tag();
    const body = { model: t.model(), input: `Stream me ${marker}`, store: false };
    const res = await post("/v1/responses", { ...body, stream: true });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = sseJson(await res.text());
    checkResponsesStream(events);
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(events.at(-1)!.type).toBe("response.completed");
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta as string);
    expect(deltas.join("")).toContain(`Stream me ${marker}`);

    const streamed = await openai.responses.stream(body).finalResponse();
    const whole = await openai.responses.create(body);
    expect(shape(streamed as unknown as Json)).toEqual(shape(whole as unknown as Json));
    expect(await logRow(res)).toMatchObject({ endpoint: "responses", stream: 1, status: 200, estimated: 0 });
  });

  it("runs a function call round trip over previous_response_id", async () => {
    const first = await openai.responses.create({ model: t.model(), input: "What is the get_weather in Paris?", tools: WEATHER });
    const calls = first.output.filter((item) => item.type === "function_call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: "get_weather", status: "completed" });
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: "get_weather.city" });
    const second = await openai.responses.create({
      model: t.model(),
      previous_response_id: first.id,
      tools: WEATHER,
      input: [{ type: "function_call_output", call_id: calls[0]!.call_id, output: "sunny, 21 C" }],
    });
    expect(second.output_text).toBe("Tool results: sunny, 21 C");
    expect(second.previous_response_id).toBe(first.id);
  });
});

describe("/v1/responses passed through to openai", () => {
  it("keeps the upstream's bytes when no state of ours is involved, and stores the answer", async () => {
    const marker = tag();
    const res = await post("/v1/responses", { model: oa.model("gpt-4o-mini"), input: `Plain ${marker}` });
    const text = await res.text();
    const [sent] = await upstream("gpt-4o-mini", { marker });
    expect(sent).toMatchObject({ path: "/v1/responses", body: { model: "gpt-4o-mini", input: `Plain ${marker}` } });
    const id = (JSON.parse(text) as { id: string }).id;
    const kept = await openai.responses.retrieve(id);
    expect(kept.output_text).toBe(`Plain ${marker}`);
  });
});

describe.each(["openai", "anthropic"] as const)("a %s stream cut mid-way", (kind) => {
  it("ends with response.failed, never a completion, and is billed what was produced", async () => {
    const model = `midstream-${tag()}`;
    const p = await createProvider(kind, [model]);
    const res = await post("/v1/responses", { model: p.model(model), input: "one two three four", stream: true });
    expect(res.status).toBe(200);
    const events = sseJson(await res.text());
    checkResponsesStream(events);
    expect(events.at(-1)).toMatchObject({ type: "response.failed", response: { status: "failed", error: { code: "server_error" } } });
    expect(events.some((e) => e.type === "response.completed")).toBe(false);
    expect(await logRow(res)).toMatchObject({ endpoint: "responses", status: 502, estimated: 1 });
  });
});

describe("stored responses", () => {
  it("continue on another provider: Claude first, then GPT, with the history sent and billed", async () => {
    const marker = tag();
    const first = await openai.responses.create({ model: an.model("claude-haiku-4-5"), instructions: "Be brief.", input: `First ${marker}` });
    const { data: second, response } = await openai.responses
      .create({ model: oa.model("gpt-4o-mini"), previous_response_id: first.id, input: `Second ${marker}` })
      .withResponse();
    expect(second.output_text).toBe(`Second ${marker}`);
    const [sent] = await upstream("gpt-4o-mini", { marker: `Second ${marker}` });
    const input = (sent!.body as { input: Json[] }).input;
    expect(sent!.body).not.toHaveProperty("previous_response_id");
    expect(input.map((item) => item.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(input[1])).toContain(`First ${marker}`);
    expect(input.every((item) => !("id" in item))).toBe(true);
    // The upstream counted the whole conversation: that is what is billed.
    expect((await logRow(response)).input_tokens).toBe(second.usage!.input_tokens);
    expect(second.usage!.input_tokens).toBeGreaterThan(first.usage!.input_tokens);
  });

  it("are retrieved, listed item by item (paged both ways) and deleted", async () => {
    const first = await openai.responses.create({ model: "demo/echo", input: [{ role: "user", content: "one" }] });
    const second = await openai.responses.create({ model: "demo/echo", previous_response_id: first.id, input: [{ role: "user", content: "three" }] });
    expect((await openai.responses.retrieve(second.id)).output_text).toBe("three");
    const items = await openai.responses.inputItems.list(second.id, { order: "asc" });
    const texts = items.data.map((item) => JSON.stringify(item));
    expect(texts).toHaveLength(3);
    expect(texts[0]).toContain("one");
    expect(texts[2]).toContain("three");
    expect(items.data.every((item) => typeof item.id === "string")).toBe(true);
    const page = await openai.responses.inputItems.list(second.id, { limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(JSON.stringify(page.data[0])).toContain("three");
    expect(page.has_more).toBe(true);
    await openai.responses.delete(second.id);
    const gone = await call(`/v1/responses/${second.id}`, { headers: bearer(API_KEY) });
    expect(gone.status).toBe(404);
    expect(await json(gone)).toMatchObject({ error: { type: "invalid_request_error", code: "response_not_found" } });
  });

  it("are not kept with store: false", async () => {
    const res = await openai.responses.create({ model: "demo/echo", input: "forget me", store: false });
    expect((res as unknown as { store: boolean }).store).toBe(false);
    expect((await call(`/v1/responses/${res.id}`, { headers: bearer(API_KEY) })).status).toBe(404);
  });

  it("are the tenant's own: another tenant's id is a 404 everywhere, like one that never existed", async () => {
    const mine = await openai.responses.create({ model: "demo/echo", input: "private" });
    const otherTenant = await createTenant("Responses");
    const owner = await createMember("owner", otherTenant);
    const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "other" }, owner.headers)));
    const theirs = bearer(key);
    const answers = await Promise.all([
      call(`/v1/responses/${mine.id}`, { headers: theirs }),
      call(`/v1/responses/${mine.id}/input_items`, { headers: theirs }),
      call(`/v1/responses/${mine.id}`, { method: "DELETE", headers: theirs }),
      call(`/v1/responses/${mine.id}/cancel`, { method: "POST", headers: theirs }),
      call("/v1/responses", jsonInit({ model: "demo/echo", input: "x", previous_response_id: mine.id }, theirs)),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    const never = await call("/v1/responses/resp_never", { headers: theirs });
    expect(await json(answers[0]!)).toEqual(await json(never));
    expect((await openai.responses.retrieve(mine.id)).output_text).toBe("private");
  });

  it("resolve an item_reference from the tenant's own store only, on translated and passed-through calls", async () => {
    const marker = tag();
    const first = await openai.responses.create({ model: an.model("claude-haiku-4-5"), input: `Remember ${marker}` });
    const reference = { type: "item_reference" as const, id: first.output[0]!.id! };
    const again = await openai.responses.create({ model: oa.model("gpt-4o-mini"), input: [reference, { role: "user", content: `Next ${marker}` }] });
    expect(again.output_text).toBe(`Next ${marker}`);
    const [sent] = await upstream("gpt-4o-mini", { marker: `Next ${marker}` });
    expect(JSON.stringify(sent!.body)).toContain(`Remember ${marker}`);
    expect(JSON.stringify(sent!.body)).not.toContain("item_reference");
    const otherTenant = await createTenant("References");
    const owner = await createMember("owner", otherTenant);
    const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "other" }, owner.headers)));
    const theirs = await call("/v1/responses", jsonInit({ model: "demo/echo", input: [reference] }, bearer(key)));
    expect(theirs.status).toBe(404);
    expect(await json(theirs)).toMatchObject({ error: { code: "item_not_found", param: "input[0].id" } });
  });

  it("cannot be cancelled unless in the background, which is refused", async () => {
    const mine = await openai.responses.create({ model: "demo/echo", input: "now" });
    const res = await call(`/v1/responses/${mine.id}/cancel`, { method: "POST", headers: bearer(API_KEY) });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "not_cancellable" } });
  });
});

describe("/v1/responses refusals", () => {
  const refused = async (body: Json, status: number, error: Json) => {
    const res = await post("/v1/responses", body);
    expect(res.status, await res.clone().text()).toBe(status);
    expect(await json(res)).toMatchObject({ error: { type: "invalid_request_error", ...error } });
  };

  it("names what a target cannot honour", async () => {
    await refused({ model: an.model("claude-haiku-4-5"), input: "x", top_logprobs: 3 }, 400, { code: "unsupported_parameter", param: "top_logprobs" });
    await refused({ model: an.model("claude-haiku-4-5"), input: "x", tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }, 400, {
      code: "unsupported_parameter",
      param: "tools[0].type",
    });
    await refused({ model: "demo/echo", input: "x", text: { format: { type: "text" }, verbosity: "high" } }, 400, {
      code: "unsupported_parameter",
      param: "text.verbosity",
    });
  });

  it("refuses bad input items in OpenAI's error shape", async () => {
    await refused({ model: "demo/echo", input: [{ type: "telepathy", content: "x" }] }, 400, { param: "input[0].type" });
    await refused({ model: "demo/echo", input: [{ type: "function_call_output", call_id: "call_nowhere", output: "x" }] }, 400, {
      param: "input[0].call_id",
    });
    await refused({ model: "demo/echo", input: "x", previous_response_id: "resp_nope" }, 404, { code: "previous_response_not_found" });
    await refused({ model: "demo/echo", input: "x", background: true }, 400, { param: "background" });
  });
});
