// Every chat path through the gateway, as the official SDKs see it, against the mock upstream
// speaking each provider's real wire format: the OpenAI client to openai, openai-compatible
// (both pass-through), anthropic and gemini; the Anthropic client to anthropic (pass-through),
// openai and gemini — text, system prompt, multi-turn, images, parallel tool calls and their
// results, stop sequences, finish reasons, usage (cached and reasoning tokens) and its cost.
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { anthropic, attemptsOf, createPrice, createProvider, logRow, openai, parseSse, post, type Provider, tag, upstream } from "./kit/gateway.ts";

let oa: Provider;
let compat: Provider;
let an: Provider;
let gm: Provider;

beforeAll(async () => {
  [oa, compat, an, gm] = await Promise.all([
    createProvider("openai", ["gpt-4o-mini", "nousage"]),
    createProvider("openai-compatible", ["gpt-4o-mini"]),
    createProvider("anthropic", ["claude-haiku-4-5"]),
    createProvider("gemini", ["gemini-2.5-flash"]),
  ]);
});

interface Target {
  label: string;
  provider: () => Provider;
  /** The model as the upstream knows it. */
  upstreamModel: string;
  native: boolean;
}

const OPENAI_TARGETS: Target[] = [
  { label: "openai (pass-through)", provider: () => oa, upstreamModel: "gpt-4o-mini", native: true },
  { label: "openai-compatible (pass-through)", provider: () => compat, upstreamModel: "gpt-4o-mini", native: true },
  { label: "anthropic", provider: () => an, upstreamModel: "claude-haiku-4-5", native: false },
  { label: "gemini", provider: () => gm, upstreamModel: "gemini-2.5-flash", native: false },
];

const ANTHROPIC_TARGETS: Target[] = [
  { label: "anthropic (pass-through)", provider: () => an, upstreamModel: "claude-haiku-4-5", native: true },
  { label: "openai", provider: () => oa, upstreamModel: "gpt-4o-mini", native: false },
  { label: "gemini", provider: () => gm, upstreamModel: "gemini-2.5-flash", native: false },
];

const modelOf = (t: Target) => t.provider().model(t.upstreamModel);

/** The single upstream request a test's marker produced. */
async function onlyUpstream(t: Target, marker: string) {
  const seen = await upstream(t.upstreamModel, { marker });
  expect(seen, `upstream requests carrying ${marker}`).toHaveLength(1);
  expect(seen[0]!.authorized).toBe(true);
  return seen[0]!;
}

const PNG = "iVBORw0KGgoAAAANSUhEUg=="; // 24 characters
const IMAGE_URL = "https://example.com/cat.png";

const WEATHER_TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
  {
    type: "function",
    function: { name: "get_time", parameters: { type: "object", properties: { timezone: { type: "string" }, offset: { type: "integer" } } } },
  },
];

const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  { name: "get_weather", description: "Weather in a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  { name: "get_time", input_schema: { type: "object", properties: { timezone: { type: "string" }, offset: { type: "integer" } } } },
];

function functionCalls(message: OpenAI.Chat.ChatCompletionMessage): { id: string; name: string; arguments: string }[] {
  return (message.tool_calls ?? []).flatMap((c) => (c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : []));
}

/** Text, finish reason, tool calls and usage of an OpenAI stream, plus its raw terminator check. */
async function collectOpenAIStream(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>) {
  let text = "";
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for await (const chunk of stream) {
    expect(chunk.object).toBe("chat.completion.chunk");
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? "";
    finish = choice.finish_reason ?? finish;
    for (const d of choice.delta.tool_calls ?? []) {
      const call = calls.get(d.index) ?? { id: "", name: "", arguments: "" };
      calls.set(d.index, { id: d.id ?? call.id, name: call.name + (d.function?.name ?? ""), arguments: call.arguments + (d.function?.arguments ?? "") });
    }
  }
  return { text, finish, usage, calls: [...calls.values()] };
}

describe("OpenAI client", () => {
  describe.each(OPENAI_TARGETS)("→ $label", (t) => {
    it("answers with a system prompt, usage and its cost", async () => {
      const marker = tag();
      const { data, response } = await openai.chat.completions
        .create({
          model: modelOf(t),
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: `Hello there ${marker}` },
          ],
        })
        .withResponse();
      expect(data.object).toBe("chat.completion");
      expect(data.choices[0]?.message).toMatchObject({ role: "assistant", content: `[Be brief.] Hello there ${marker}` });
      expect(data.choices[0]?.finish_reason).toBe("stop");
      // The mock counts words: "Be brief." + "Hello there <marker>" in, the echo out.
      expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
      expect(response.headers.get("x-aggregator-provider")).toBe(t.provider().name);
      expect(response.headers.get("x-aggregator-attempts")).toBe(`${modelOf(t)}=ok`);

      const sent = await onlyUpstream(t, marker);
      expect(sent.stream).toBe(false);
      if (t.native) {
        expect(sent.body).toEqual({
          model: t.upstreamModel,
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: `Hello there ${marker}` },
          ],
        });
      }
      if (t.provider().kind === "anthropic") {
        expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
        expect(sent.body).toMatchObject({ model: "claude-haiku-4-5", system: "Be brief.", messages: [{ role: "user" }] });
      }
      if (t.provider().kind === "gemini")
        expect(sent.body).toMatchObject({ systemInstruction: { parts: [{ text: "Be brief." }] }, contents: [{ role: "user" }] });

      const row = await logRow(response);
      expect(row).toMatchObject({
        provider: t.provider().name,
        model: modelOf(t),
        endpoint: "chat.completions",
        status: 200,
        stream: 0,
        input_tokens: 5,
        output_tokens: 5,
        estimated: 0,
      });
      expect(row.cost_micros).toBeGreaterThan(0);
      expect(attemptsOf(row)).toEqual([`${modelOf(t)}=ok`]);
    });

    it("streams the same answer, ending with data: [DONE], usage only when asked", async () => {
      const marker = tag();
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        { role: "system", content: "Be brief." },
        { role: "user", content: `Hello there ${marker}` },
      ];
      const stream = await openai.chat.completions.create({ model: modelOf(t), messages, stream: true, stream_options: { include_usage: true } });
      const out = await collectOpenAIStream(stream);
      expect(out).toMatchObject({ text: `[Be brief.] Hello there ${marker}`, finish: "stop", calls: [] });
      expect(out.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });

      // The SDK accepts a stream without its terminator: check it on the raw response.
      const res = await post("/v1/chat/completions", { model: modelOf(t), messages, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const events = parseSse(await res.text());
      expect(events.at(-1)?.data).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as OpenAI.Chat.ChatCompletionChunk);
      expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.choices.length === 1 && !c.usage)).toBe(true);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(`[Be brief.] Hello there ${marker}`);
      const row = await logRow(res);
      expect(row).toMatchObject({ status: 200, stream: 1, input_tokens: 5, output_tokens: 5, estimated: 0 });
    });

    it("carries a multi-turn conversation", async () => {
      const marker = tag();
      const completion = await openai.chat.completions.create({
        model: modelOf(t),
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "My name is Ada." },
          { role: "assistant", content: "Hello Ada." },
          { role: "user", content: `What is my name? ${marker}` },
        ],
      });
      expect(completion.choices[0]?.message.content).toBe(`[Be brief.] What is my name? ${marker}`);
      expect(completion.usage?.prompt_tokens).toBe(2 + 4 + 2 + 5);
      const sent = await onlyUpstream(t, marker);
      const kind = t.provider().kind;
      if (kind === "anthropic") expect((sent.body as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      else if (kind === "gemini") expect((sent.body as { contents: { role: string }[] }).contents.map((m) => m.role)).toEqual(["user", "model", "user"]);
      else expect((sent.body as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    });

    it("passes images as base64 and as a URL", async () => {
      const marker = tag();
      const content: OpenAI.Chat.ChatCompletionContentPart[] = [
        { type: "text", text: `Describe ${marker}` },
        { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: "image_url", image_url: { url: IMAGE_URL } },
      ];
      const expected = `Describe ${marker} [image:image/png:base64:${PNG.length}] [image:url:${IMAGE_URL}]`;
      const completion = await openai.chat.completions.create({ model: modelOf(t), messages: [{ role: "user", content }] });
      expect(completion.choices[0]?.message.content).toBe(expected);
      const streamed = await collectOpenAIStream(
        await openai.chat.completions.create({ model: modelOf(t), messages: [{ role: "user", content }], stream: true }),
      );
      expect(streamed.text).toBe(expected);
    });

    it("calls tools in parallel and answers from their results", async () => {
      const marker = tag();
      const ask: OpenAI.Chat.ChatCompletionMessageParam = { role: "user", content: `Use get_weather and get_time ${marker}` };
      const first = await openai.chat.completions.create({ model: modelOf(t), messages: [ask], tools: WEATHER_TOOLS });
      const message = first.choices[0]!.message;
      expect(first.choices[0]?.finish_reason).toBe("tool_calls");
      const calls = functionCalls(message);
      expect(calls.map((c) => [c.name, JSON.parse(c.arguments) as unknown])).toEqual([
        ["get_weather", { city: "get_weather.city" }],
        ["get_time", { timezone: "get_time.timezone", offset: 42 }],
      ]);
      expect(new Set(calls.map((c) => c.id)).size).toBe(2);

      const streamed = await collectOpenAIStream(
        await openai.chat.completions.create({ model: modelOf(t), messages: [ask], tools: WEATHER_TOOLS, stream: true }),
      );
      expect(streamed.finish).toBe("tool_calls");
      expect(streamed.calls.map((c) => [c.name, JSON.parse(c.arguments) as unknown])).toEqual(calls.map((c) => [c.name, JSON.parse(c.arguments) as unknown]));

      const second = await openai.chat.completions.create({
        model: modelOf(t),
        tools: WEATHER_TOOLS,
        messages: [
          ask,
          {
            role: "assistant",
            content: null,
            tool_calls: calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })),
          },
          { role: "tool", tool_call_id: calls[0]!.id, content: "sunny" },
          { role: "tool", tool_call_id: calls[1]!.id, content: "noon" },
        ],
      });
      expect(second.choices[0]?.message.content).toBe("Tool results: sunny; noon");
      expect(second.choices[0]?.finish_reason).toBe("stop");
    });

    it("stops at a stop sequence and at max_tokens", async () => {
      const stopped = await openai.chat.completions.create({
        model: modelOf(t),
        messages: [{ role: "user", content: `one two STOP three ${tag()}` }],
        stop: ["STOP"],
      });
      expect(stopped.choices[0]?.message.content).toBe("one two");
      expect(stopped.choices[0]?.finish_reason).toBe("stop");
      const cut = await openai.chat.completions.create({
        model: modelOf(t),
        messages: [{ role: "user", content: `alpha beta gamma delta ${tag()}` }],
        max_tokens: 2,
      });
      expect(cut.choices[0]?.message.content).toBe("alpha beta");
      expect(cut.choices[0]?.finish_reason).toBe("length");
      expect(cut.usage?.completion_tokens).toBe(2);
      const streamed = await collectOpenAIStream(
        await openai.chat.completions.create({
          model: modelOf(t),
          messages: [{ role: "user", content: `alpha beta gamma delta ${tag()}` }],
          max_tokens: 3,
          stream: true,
        }),
      );
      expect(streamed).toMatchObject({ text: "alpha beta gamma", finish: "length" });
    });

    it("reports cached and reasoning tokens and bills them at their prices", async () => {
      const marker = tag();
      const { data, response } = await openai.chat.completions
        .create({ model: modelOf(t), messages: [{ role: "user", content: `Think [cached=1000] [reasoning=20] ${marker}` }] })
        .withResponse();
      // 4 words + 1000 cached in; 4 words + 20 reasoning out (Anthropic does not split reasoning out).
      const reasoning = t.provider().kind === "anthropic" ? 0 : 20;
      expect(data.usage).toMatchObject({ prompt_tokens: 1004, completion_tokens: 24, prompt_tokens_details: { cached_tokens: 1000 } });
      expect(data.usage?.completion_tokens_details?.reasoning_tokens ?? 0).toBe(reasoning);
      const row = await logRow(response);
      expect(row).toMatchObject({ input_tokens: 1004, cached_tokens: 1000, output_tokens: 24, reasoning_tokens: reasoning, estimated: 0 });
      // Seeded list prices per million tokens (input / cached input / output), reasoning at the output price:
      //   gpt-4o-mini       150,000 / 75,000 / 600,000:  4×0.15 + 1000×0.075 + 24×0.6 = 90 µ$
      //   claude-haiku-4-5  1,000,000 / 100,000 / 5,000,000: 4×1 + 1000×0.1 + 24×5 = 224 µ$
      //   gemini-2.5-flash  300,000 / 30,000 / 2,500,000: 4×0.3 + 1000×0.03 + 24×2.5 = 91.2 → 92 µ$
      const expected = { "gpt-4o-mini": 90, "claude-haiku-4-5": 224, "gemini-2.5-flash": 92 }[t.upstreamModel];
      expect(row.cost_micros).toBe(expected);
    });
  });

  it("estimates usage when the upstream sends none, and still bills it", async () => {
    await createPrice(oa.model("nousage"), { input: 1_000_000, output: 2_000_000 });
    const { data, response } = await openai.chat.completions
      .create({ model: oa.model("nousage"), messages: [{ role: "user", content: "Count these words please" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Count these words please");
    expect(data.usage).toBeUndefined();
    const row = await logRow(response);
    // Our own count: 4 tokens in, 4 out → 4×1 + 4×2 = 12 µ$.
    expect(row).toMatchObject({ estimated: 1, input_tokens: 4, output_tokens: 4, cost_micros: 12 });

    const res = await post("/v1/chat/completions", {
      model: oa.model("nousage"),
      messages: [{ role: "user", content: "Count these words please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(parseSse(await res.text()).at(-1)?.data).toBe("[DONE]");
    expect(await logRow(res)).toMatchObject({ status: 200, stream: 1, estimated: 1, input_tokens: 4, output_tokens: 4, cost_micros: 12 });
  });
});

describe("Anthropic client", () => {
  describe.each(ANTHROPIC_TARGETS)("→ $label", (t) => {
    it("answers with a system prompt and usage", async () => {
      const marker = tag();
      const { data, response } = await anthropic.messages
        .create({ model: modelOf(t), max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: `Hello there ${marker}` }] })
        .withResponse();
      expect(data).toMatchObject({
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: `[Be brief.] Hello there ${marker}` }],
        stop_reason: "end_turn",
      });
      expect(data.usage).toMatchObject({ input_tokens: 5, output_tokens: 5 });
      expect(response.headers.get("x-aggregator-provider")).toBe(t.provider().name);
      const sent = await onlyUpstream(t, marker);
      if (t.native) {
        expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
        expect(sent.body).toEqual({
          model: "claude-haiku-4-5",
          max_tokens: 100,
          system: "Be brief.",
          messages: [{ role: "user", content: `Hello there ${marker}` }],
        });
      }
      const row = await logRow(response);
      expect(row).toMatchObject({ provider: t.provider().name, endpoint: "messages", status: 200, input_tokens: 5, output_tokens: 5, estimated: 0 });
    });

    it("streams events the SDK assembles, ending with message_stop", async () => {
      const marker = tag();
      const params: Anthropic.MessageCreateParamsNonStreaming = {
        model: modelOf(t),
        max_tokens: 100,
        system: "Be brief.",
        messages: [{ role: "user", content: `Hello there ${marker}` }],
      };
      const message = await anthropic.messages.stream(params).finalMessage();
      expect(message.content).toEqual([{ type: "text", text: `[Be brief.] Hello there ${marker}` }]);
      expect(message.stop_reason).toBe("end_turn");
      expect(message.usage).toMatchObject({ input_tokens: 5, output_tokens: 5 });

      const res = await post("/v1/messages", { ...params, stream: true });
      expect(res.status).toBe(200);
      const events = parseSse(await res.text());
      expect(events[0]?.event).toBe("message_start");
      expect(events.at(-1)).toEqual({ event: "message_stop", data: '{"type":"message_stop"}' });
      for (const e of events) expect((JSON.parse(e.data) as { type: string }).type).toBe(e.event);
      expect(await logRow(res)).toMatchObject({ status: 200, stream: 1, input_tokens: 5, output_tokens: 5 });
    });

    it("carries a multi-turn conversation and images", async () => {
      const marker = tag();
      const message = await anthropic.messages.create({
        model: modelOf(t),
        max_tokens: 100,
        messages: [
          { role: "user", content: "My name is Ada." },
          { role: "assistant", content: "Hello Ada." },
          {
            role: "user",
            content: [
              { type: "text", text: `Describe ${marker}` },
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
              { type: "image", source: { type: "url", url: IMAGE_URL } },
            ],
          },
        ],
      });
      expect(message.content).toEqual([{ type: "text", text: `Describe ${marker} [image:image/png:base64:${PNG.length}] [image:url:${IMAGE_URL}]` }]);
      expect(message.usage.input_tokens).toBe(4 + 2 + 2);
      const sent = await onlyUpstream(t, marker);
      const kind = t.provider().kind;
      const roles =
        kind === "gemini"
          ? (sent.body as { contents: { role: string }[] }).contents.map((m) => m.role)
          : (sent.body as { messages: { role: string }[] }).messages.map((m) => m.role);
      expect(roles).toEqual(kind === "gemini" ? ["user", "model", "user"] : ["user", "assistant", "user"]);
    });

    it("uses tools in parallel and answers from their results", async () => {
      const marker = tag();
      const ask: Anthropic.MessageParam = { role: "user", content: `Use get_weather and get_time ${marker}` };
      const first = await anthropic.messages.create({ model: modelOf(t), max_tokens: 100, messages: [ask], tools: ANTHROPIC_TOOLS });
      expect(first.stop_reason).toBe("tool_use");
      const uses = first.content.flatMap((b) => (b.type === "tool_use" ? [b] : []));
      expect(uses.map((u) => [u.name, u.input])).toEqual([
        ["get_weather", { city: "get_weather.city" }],
        ["get_time", { timezone: "get_time.timezone", offset: 42 }],
      ]);
      const streamed = await anthropic.messages.stream({ model: modelOf(t), max_tokens: 100, messages: [ask], tools: ANTHROPIC_TOOLS }).finalMessage();
      expect(streamed.stop_reason).toBe("tool_use");
      expect(streamed.content.flatMap((b) => (b.type === "tool_use" ? [[b.name, b.input]] : []))).toEqual(uses.map((u) => [u.name, u.input]));

      const second = await anthropic.messages.create({
        model: modelOf(t),
        max_tokens: 100,
        tools: ANTHROPIC_TOOLS,
        messages: [
          ask,
          { role: "assistant", content: uses.map((u) => ({ type: "tool_use" as const, id: u.id, name: u.name, input: u.input })) },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: uses[0]!.id, content: "sunny" },
              { type: "tool_result", tool_use_id: uses[1]!.id, content: "noon" },
            ],
          },
        ],
      });
      expect(second.content).toEqual([{ type: "text", text: "Tool results: sunny; noon" }]);
      expect(second.stop_reason).toBe("end_turn");
    });

    it("stops at a stop sequence and at max_tokens", async () => {
      const stopped = await anthropic.messages.create({
        model: modelOf(t),
        max_tokens: 100,
        stop_sequences: ["STOP"],
        messages: [{ role: "user", content: `one two STOP three ${tag()}` }],
      });
      expect(stopped.content).toEqual([{ type: "text", text: "one two" }]);
      // Only Anthropic itself says which sequence stopped it; a translated answer just ended.
      expect([stopped.stop_reason, stopped.stop_sequence]).toEqual(t.native ? ["stop_sequence", "STOP"] : ["end_turn", null]);
      const cut = await anthropic.messages.create({
        model: modelOf(t),
        max_tokens: 2,
        messages: [{ role: "user", content: `alpha beta gamma delta ${tag()}` }],
      });
      expect(cut.content).toEqual([{ type: "text", text: "alpha beta" }]);
      expect(cut.stop_reason).toBe("max_tokens");
      const streamed = await anthropic.messages
        .stream({ model: modelOf(t), max_tokens: 3, messages: [{ role: "user", content: `alpha beta gamma delta ${tag()}` }] })
        .finalMessage();
      expect(streamed.content).toEqual([{ type: "text", text: "alpha beta gamma" }]);
      expect(streamed.stop_reason).toBe("max_tokens");
    });

    it("reports cache reads in Anthropic's terms and bills them", async () => {
      const { data, response } = await anthropic.messages
        .create({ model: modelOf(t), max_tokens: 100, messages: [{ role: "user", content: `Think [cached=1000] [reasoning=20] ${tag()}` }] })
        .withResponse();
      // Anthropic's input_tokens excludes cache reads.
      expect(data.usage).toMatchObject({ input_tokens: 4, cache_read_input_tokens: 1000, output_tokens: 24 });
      const streamed = await anthropic.messages
        .stream({ model: modelOf(t), max_tokens: 100, messages: [{ role: "user", content: `Think [cached=1000] [reasoning=20] ${tag()}` }] })
        .finalMessage();
      expect(streamed.usage).toMatchObject({ input_tokens: 4, cache_read_input_tokens: 1000, output_tokens: 24 });
      const row = await logRow(response);
      expect(row).toMatchObject({ input_tokens: 1004, cached_tokens: 1000, output_tokens: 24 });
      expect(row.cost_micros).toBe({ "gpt-4o-mini": 90, "claude-haiku-4-5": 224, "gemini-2.5-flash": 92 }[t.upstreamModel]);
    });
  });
});

describe("pass-through streams", () => {
  const openaiEvents = async (includeUsage: boolean) => {
    const marker = tag();
    const body = {
      model: oa.model("gpt-4o-mini"),
      messages: [{ role: "user", content: `Pass me through ${marker}` }],
      stream: true,
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    };
    const res = await post("/v1/chat/completions", body);
    const received = parseSse(await res.text());
    const [sent] = await upstream("gpt-4o-mini", { marker });
    return { received, sent: sent!, res };
  };

  it("forwards OpenAI's events as sent, the usage chunk included when the client asked for it", async () => {
    const { received, sent, res } = await openaiEvents(true);
    expect(sent.events.length).toBeGreaterThan(4);
    // Every event as sent, but the usage chunk carries what the call is charged (usage.cost, in dollars).
    const usageAt = sent.events.findIndex((d) => d.includes('"choices":[]'));
    expect(received.map((e) => e.data).filter((_, i) => i !== usageAt)).toEqual(sent.events.filter((_, i) => i !== usageAt));
    const usage = (JSON.parse(received[usageAt]!.data) as { usage: { cost: number } }).usage;
    const row = await logRow(res);
    expect(row).toMatchObject({ input_tokens: 4, output_tokens: 4, estimated: 0 });
    expect(usage).toEqual({ ...(JSON.parse(sent.events[usageAt]!) as { usage: object }).usage, cost: row.cost_micros / 1_000_000 });
  });

  it("asks the upstream for usage but drops that chunk when the client did not ask", async () => {
    const { received, sent, res } = await openaiEvents(false);
    expect(sent.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const usageChunk = sent.events.filter((d) => d.includes('"choices":[]'));
    expect(usageChunk).toHaveLength(1);
    expect(received.map((e) => e.data)).toEqual(sent.events.filter((d) => !usageChunk.includes(d)));
    // The usage the client did not see is still what is billed.
    expect(await logRow(res)).toMatchObject({ input_tokens: 4, output_tokens: 4, estimated: 0 });
  });

  it("forwards Anthropic's events as sent, names included", async () => {
    const marker = tag();
    const res = await post("/v1/messages", {
      model: an.model("claude-haiku-4-5"),
      max_tokens: 50,
      stream: true,
      messages: [{ role: "user", content: `Pass me through ${marker}` }],
    });
    const received = parseSse(await res.text());
    const [sent] = await upstream("claude-haiku-4-5", { marker });
    expect(received.map((e) => e.data)).toEqual(sent!.events);
    expect(received.map((e) => e.event)).toEqual(sent!.events.map((d) => (JSON.parse(d) as { type: string }).type));
  });
});

describe("POST /v1/responses", () => {
  it("passes a response through and bills its usage", async () => {
    const marker = tag();
    const { data, response } = await openai.responses
      .create({ model: oa.model("gpt-4o-mini"), instructions: "Be brief.", input: `Hello ${marker}` })
      .withResponse();
    expect(data.output_text).toBe(`[Be brief.] Hello ${marker}`);
    expect(data.usage).toMatchObject({ input_tokens: 4, output_tokens: 4 });
    const [sent] = await upstream("gpt-4o-mini", { marker });
    expect(sent).toMatchObject({ path: "/v1/responses", body: { model: "gpt-4o-mini", instructions: "Be brief.", input: `Hello ${marker}` } });
    // 4 in × 0.15 + 4 out × 0.6 = 3 µ$.
    expect(await logRow(response)).toMatchObject({ endpoint: "responses", status: 200, input_tokens: 4, output_tokens: 4, cost_micros: 3, estimated: 0 });
  });

  it("streams a response event for event, usage read from response.completed", async () => {
    const marker = tag();
    const res = await post("/v1/responses", { model: oa.model("gpt-4o-mini"), input: `Stream [cached=10] ${marker}`, stream: true });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    const [sent] = await upstream("gpt-4o-mini", { marker });
    expect(events.map((e) => e.data)).toEqual(sent!.events);
    expect(events.at(-1)?.event).toBe("response.completed");
    expect(await logRow(res)).toMatchObject({ endpoint: "responses", stream: 1, status: 200, input_tokens: 13, cached_tokens: 10, output_tokens: 3 });
  });
});

describe("POST /v1/embeddings", () => {
  it("embeds on openai through the SDK (base64 on the wire)", async () => {
    const emb = await createProvider("openai", ["text-embedding-3-small"]);
    const { data, response } = await openai.embeddings.create({ model: emb.model("text-embedding-3-small"), input: ["hello world", "foo"] }).withResponse();
    expect(data.data.map((d) => d.embedding.length)).toEqual([8, 8]);
    expect(Math.hypot(...data.data[0]!.embedding)).toBeCloseTo(1, 5);
    expect(data.usage).toEqual({ prompt_tokens: 3, total_tokens: 3, cost: expect.any(Number) });
    const floats = await openai.embeddings.create({ model: emb.model("text-embedding-3-small"), input: "hello world", encoding_format: "float" });
    expect(floats.data[0]!.embedding).toEqual(data.data[0]!.embedding);
    // text-embedding-3-small: 3 tokens × $0.02/M = 0.06 µ$ → 1 µ$ (rounded up).
    expect(await logRow(response)).toMatchObject({ endpoint: "embeddings", status: 200, input_tokens: 3, cost_micros: 1, estimated: 0 });
  });

  it("embeds on gemini, with dimensions, counting the tokens itself", async () => {
    const emb = await createProvider("gemini", ["gemini-embedding-001"]);
    const { data, response } = await openai.embeddings
      .create({ model: emb.model("gemini-embedding-001"), input: ["hello world", "foo"], dimensions: 4 })
      .withResponse();
    expect(data.data.map((d) => [d.index, d.embedding.length])).toEqual([
      [0, 4],
      [1, 4],
    ]);
    const [sent] = await upstream("gemini-embedding-001", { marker: "hello world" });
    expect(sent?.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(sent?.body).toMatchObject({
      requests: [{ model: "models/gemini-embedding-001", outputDimensionality: 4 }, { content: { parts: [{ text: "foo" }] } }],
    });
    expect(await logRow(response)).toMatchObject({ endpoint: "embeddings", input_tokens: 3, estimated: 1 });
  });

  it("answers base64 when the client asks for it, whatever the provider", async () => {
    const emb = await createProvider("gemini", ["gemini-embedding-001"]);
    const res = await post("/v1/embeddings", { model: emb.model("gemini-embedding-001"), input: "hello", encoding_format: "base64" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { embedding: unknown }[] };
    expect(typeof body.data[0]?.embedding).toBe("string");
    expect(atob(body.data[0]!.embedding as string)).toHaveLength(8 * 4);
  });
});

describe("POST /v1/messages/count_tokens", () => {
  const params = { system: "Be brief.", messages: [{ role: "user" as const, content: "Hello there, friend!" }] };

  it("asks Anthropic for its count", async () => {
    const counted = await anthropic.messages.countTokens({ model: an.model("claude-haiku-4-5"), ...params });
    // The mock's count (words): 2 + 3. Ours would be 3 + 5.
    expect(counted.input_tokens).toBe(5);
    const [sent] = (await upstream("claude-haiku-4-5", { marker: "Hello there, friend!" })).filter((r) => r.path === "/v1/messages/count_tokens");
    expect(sent).toMatchObject({ authorized: true, headers: { "anthropic-version": "2023-06-01" }, body: { model: "claude-haiku-4-5" } });
  });

  it("is in the request log with the provider's attempt, at no cost", async () => {
    const res = await post("/v1/messages/count_tokens", { model: an.model("claude-haiku-4-5"), ...params });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aggregator-attempts")).toBe(`${an.model("claude-haiku-4-5")}=ok`);
    const row = await logRow(res);
    expect(row).toMatchObject({ endpoint: "messages.count_tokens", status: 200, provider: an.name, cost_micros: 0, input_tokens: 0 });
    expect(attemptsOf(row)).toEqual([`${an.model("claude-haiku-4-5")}=ok`]);
  });

  it("counts itself for other providers", async () => {
    const counted = await anthropic.messages.countTokens({ model: oa.model("gpt-4o-mini"), ...params });
    expect(counted.input_tokens).toBe(8);
  });
});
