// OpenAI ⇄ Anthropic translation: requests, responses and streams keep their meaning both ways.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.ts";
import {
  type AnthropicMessageResponse,
  type AnthropicResponseBlock,
  type AnthropicStreamEvent,
  type AnthropicUsage,
  anthropicMessagesRequest,
} from "../formats/anthropic.ts";
import type { OpenAIChunk, OpenAIFinishReason } from "../formats/openai.ts";
import { type ChatCompletionRequest, chatCompletionRequest } from "../openai-schema.ts";
import { OpenAIToAnthropicStream, openAIResponseToAnthropic, stopFromOpenAI, toOpenAIRequest, usageToAnthropic } from "./anthropic-client.ts";
import {
  accumulateAnthropic,
  accumulateOpenAI,
  jsonObject,
  meaningOfBlocks,
  openAIRequest,
  pieces,
  runs,
  systemOf,
  text,
  tokens,
  toolName,
} from "../../../test/kit/arbitraries.ts";
import {
  AnthropicToOpenAIStream,
  JSON_TOOL,
  anthropicResponseToOpenAI,
  finishFromAnthropic,
  toAnthropicRequest,
  usageFromAnthropic,
} from "../providers/anthropic/index.ts";
import { maxOutputTokens } from "../providers/model-limits.ts";

const MODEL = "claude-sonnet-4-5";
const RUNS = { numRuns: 150 };

/** Builds a request the way routes.ts would have validated it. */
const openai = (body: Record<string, unknown>): ChatCompletionRequest =>
  chatCompletionRequest.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...body });
const anthropic = (body: Record<string, unknown>) =>
  anthropicMessagesRequest.parse({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...body });

function expectUnsupported(call: () => unknown, param: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  const error = thrown as AppError;
  expect({ kind: error.kind, code: error.code, param: error.param }).toEqual({ kind: "invalid_request", code: "unsupported_parameter", param });
}

// --- Requests --------------------------------------------------------------------------------

function toolsOf(req: ChatCompletionRequest) {
  return req.tools?.map((t) => ({
    name: t.function.name,
    description: t.function.description || undefined,
    parameters: t.function.parameters ?? { type: "object", properties: {} },
  }));
}

/** The tool choice a request means: with tools, none given is auto; parallelism matters only when tools may be called. */
function choiceOf(req: ChatCompletionRequest) {
  if (!req.tools?.length) return undefined;
  const choice = req.tool_choice ?? "auto";
  return { choice, parallel: choice === "none" || req.parallel_tool_calls !== false };
}

const stopsOf = (req: ChatCompletionRequest) => (req.stop == null ? [] : typeof req.stop === "string" ? [req.stop] : req.stop);

describe("OpenAI request → Anthropic request → OpenAI request", () => {
  it("keeps system, turns, images, tool calls and results, tools, sampling and limits", () => {
    fc.assert(
      fc.property(openAIRequest, (req) => {
        const upstream = anthropicMessagesRequest.parse(toAnthropicRequest(req, MODEL));
        // What Anthropic insists on: alternating roles from a user turn, results answer the turn before.
        upstream.messages.forEach((m, i) => {
          expect(m.role).toBe(i % 2 === 0 ? "user" : "assistant");
          if (typeof m.content === "string") return;
          expect(m.content.length).toBeGreaterThan(0);
          const previous = upstream.messages[i - 1]?.content;
          const asked = new Set(Array.isArray(previous) ? previous.flatMap((b) => (b.type === "tool_use" ? [b.id] : [])) : []);
          for (const block of m.content) {
            if (block.type === "text") expect(block.text).not.toBe("");
            if (block.type === "tool_result") expect(asked.has(block.tool_use_id)).toBe(true);
          }
        });

        const back = chatCompletionRequest.parse(toOpenAIRequest(upstream, "test/model", "openai", "max_completion_tokens"));
        const system = systemOf(req.messages);
        expect(systemOf(back.messages)).toEqual(system.length ? [system.join("\n\n")] : []);
        expect(runs(back.messages)).toEqual(runs(req.messages));
        expect(toolsOf(back)).toEqual(toolsOf(req));
        expect(choiceOf(back)).toEqual(choiceOf(req));
        expect(stopsOf(back)).toEqual(stopsOf(req));
        expect(back.temperature).toBe(req.temperature);
        expect(back.top_p).toBe(req.top_p);
        expect(back.max_completion_tokens).toBe(req.max_completion_tokens ?? req.max_tokens ?? maxOutputTokens(MODEL));
        expect(back.user).toBe(req.user);
        expect(back.stream).toBe(req.stream);
      }),
      RUNS,
    );
  });

  it("names the parameter Anthropic cannot honour", () => {
    expectUnsupported(() => toAnthropicRequest(openai({ logit_bias: { "50256": -100 } }), MODEL), "logit_bias");
    expectUnsupported(() => toAnthropicRequest(openai({ presence_penalty: 0.5 }), MODEL), "presence_penalty");
    expectUnsupported(() => toAnthropicRequest(openai({ frequency_penalty: -1 }), MODEL), "frequency_penalty");
    expectUnsupported(() => toAnthropicRequest(openai({ seed: 7 }), MODEL), "seed");
    expectUnsupported(() => toAnthropicRequest(openai({ logprobs: true }), MODEL), "logprobs");
    expectUnsupported(() => toAnthropicRequest(openai({ temperature: 1.5 }), MODEL), "temperature");
    // The schema caps n at 1; the translator does not rely on it.
    expectUnsupported(() => toAnthropicRequest({ ...openai({}), n: 2 }, MODEL), "n");
    expectUnsupported(
      () => toAnthropicRequest(openai({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }), MODEL),
      "messages.content.input_audio",
    );
  });

  it("accepts parameters sent at their default value (SDKs and frameworks send them)", () => {
    const req = openai({ presence_penalty: 0, frequency_penalty: 0, n: 1, logprobs: false, logit_bias: {}, temperature: 1, parallel_tool_calls: true });
    expect(toAnthropicRequest(req, MODEL)).toMatchObject({ temperature: 1, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] });
  });

  it("defaults max_tokens by model when the client gives none (Anthropic requires one)", () => {
    const max = (model: string, body: Record<string, unknown> = {}) => toAnthropicRequest(openai(body), model).max_tokens;
    expect(max("claude-sonnet-4-5-20250929")).toBe(64_000);
    expect(max("claude-opus-4-1-20250805")).toBe(32_000);
    expect(max("claude-opus-4-20250514")).toBe(32_000);
    expect(max("claude-3-5-haiku-latest")).toBe(8_192);
    expect(max("claude-3-haiku-20240307")).toBe(4_096);
    expect(max("claude-3-haiku-20240307", { max_tokens: 10 })).toBe(10);
    expect(max("claude-3-haiku-20240307", { max_tokens: 10, max_completion_tokens: 20 })).toBe(20);
  });

  it("maps tool_choice and parallel_tool_calls", () => {
    const tools = [{ type: "function", function: { name: "get", parameters: { type: "object" } } }];
    const choice = (body: Record<string, unknown>) => toAnthropicRequest(openai({ tools, ...body }), MODEL).tool_choice;
    expect(choice({})).toBeUndefined();
    expect(choice({ tool_choice: "auto" })).toEqual({ type: "auto" });
    expect(choice({ tool_choice: "none" })).toEqual({ type: "none" });
    expect(choice({ tool_choice: "required" })).toEqual({ type: "any" });
    expect(choice({ tool_choice: { type: "function", function: { name: "get" } } })).toEqual({ type: "tool", name: "get" });
    expect(choice({ parallel_tool_calls: false })).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(choice({ tool_choice: "required", parallel_tool_calls: false })).toEqual({ type: "any", disable_parallel_tool_use: true });
    expect(choice({ tool_choice: { type: "function", function: { name: "get" } }, parallel_tool_calls: false })).toEqual({
      type: "tool",
      name: "get",
      disable_parallel_tool_use: true,
    });
    expect(choice({ parallel_tool_calls: true })).toBeUndefined();
  });

  it("sends an assistant turn with content null and only tool calls as tool_use blocks alone", () => {
    const req = openai({
      messages: [
        { role: "user", content: "weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "rain" }] },
      ],
    });
    expect(toAnthropicRequest(req, MODEL).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "sunny" },
          { type: "tool_result", tool_use_id: "call_2", content: "rain" },
        ],
      },
    ]);
  });

  it("leaves out empty turns and empty text parts, which Anthropic rejects", () => {
    const req = openai({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "" },
            { type: "text", text: "a" },
          ],
        },
        { role: "assistant", content: "" },
        { role: "user", content: "b" },
        { role: "assistant", content: [] },
      ],
    });
    expect(toAnthropicRequest(req, MODEL).messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
    ]);
  });

  it("asks for json_object in the system prompt", () => {
    const out = toAnthropicRequest(
      openai({
        messages: [
          { role: "system", content: "Be terse." },
          { role: "user", content: "hi" },
        ],
        response_format: { type: "json_object" },
      }),
      MODEL,
    );
    expect(out.system).toBe("Be terse.\n\nRespond only with a single valid JSON object.");
  });
});

describe("Anthropic client request → OpenAI request", () => {
  it("names the parameter an OpenAI target cannot honour", () => {
    expectUnsupported(() => toOpenAIRequest(anthropic({ top_k: 5 }), "m", "openai", "max_tokens"), "top_k");
    expectUnsupported(() => toOpenAIRequest(anthropic({ thinking: { type: "enabled", budget_tokens: 2048 } }), "m", "openai", "max_tokens"), "thinking");
  });

  it("maps system blocks, string turns, images, stop sequences, sampling, metadata and stream", () => {
    const out = toOpenAIRequest(
      anthropic({
        system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
              { type: "text", text: "what is it?" },
            ],
          },
          { role: "assistant", content: "A cat." },
          { role: "user", content: "sure?" },
        ],
        stop_sequences: ["\n\nHuman:"],
        temperature: 0.2,
        top_p: 0.9,
        metadata: { user_id: "u-1" },
        stream: true,
      }),
      "gpt-4o",
      "openai",
      "max_completion_tokens",
    );
    expect(out).toEqual({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You are terse." },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://x.test/a.png" } },
            { type: "text", text: "what is it?" },
          ],
        },
        { role: "assistant", content: "A cat." },
        { role: "user", content: "sure?" },
      ],
      max_completion_tokens: 100,
      stop: ["\n\nHuman:"],
      temperature: 0.2,
      top_p: 0.9,
      user: "u-1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("drops an empty tools list and the tool_choice sent with it (OpenAI rejects both)", () => {
    const out = toOpenAIRequest(anthropic({ tools: [], tool_choice: { type: "auto", disable_parallel_tool_use: true } }), "m", "openai", "max_tokens");
    expect([out.tools, out.tool_choice, out.parallel_tool_calls]).toEqual([undefined, undefined, undefined]);
  });

  it("accepts thinking when it is disabled", () => {
    expect(toOpenAIRequest(anthropic({ thinking: { type: "disabled" } }), "m", "openai", "max_tokens").max_tokens).toBe(100);
  });

  it("maps tool_choice and disable_parallel_tool_use", () => {
    const tools = [{ name: "get", input_schema: { type: "object" } }];
    const mapped = (tool_choice: unknown) => {
      const out = toOpenAIRequest(anthropic({ tools, tool_choice }), "m", "openai", "max_tokens");
      return [out.tool_choice, out.parallel_tool_calls];
    };
    expect(mapped({ type: "auto" })).toEqual(["auto", undefined]);
    expect(mapped({ type: "any" })).toEqual(["required", undefined]);
    expect(mapped({ type: "none" })).toEqual(["none", undefined]);
    expect(mapped({ type: "tool", name: "get" })).toEqual([{ type: "function", function: { name: "get" } }, undefined]);
    expect(mapped({ type: "auto", disable_parallel_tool_use: true })).toEqual(["auto", false]);
  });

  it("keeps images a tool returned, in the user turn after the tool messages", () => {
    const out = toOpenAIRequest(
      anthropic({
        messages: [
          { role: "user", content: "screenshot please" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "screenshot", input: {} }] },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "toolu_1",
                content: [
                  { type: "text", text: "done" },
                  { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
                ],
              },
              { type: "text", text: "what do you see?" },
            ],
          },
        ],
      }),
      "m",
      "openai",
      "max_tokens",
    );
    expect(out.messages.slice(2)).toEqual([
      { role: "tool", tool_call_id: "toolu_1", content: "done" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } },
          { type: "text", text: "what do you see?" },
        ],
      },
    ]);
  });

  it("leaves out an assistant turn that held only thinking (OpenAI rejects an empty one)", () => {
    const out = toOpenAIRequest(
      anthropic({
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "s" }] },
          { role: "user", content: "b" },
        ],
      }),
      "m",
      "openai",
      "max_tokens",
    );
    expect(out.messages).toEqual([
      { role: "user", content: "a" },
      { role: "user", content: "b" },
    ]);
  });
});

// --- Responses -------------------------------------------------------------------------------

const anthropicBlocks = fc
  .array(
    fc.oneof(
      text.map((t) => ({ type: "text" as const, text: t })),
      fc.record({ name: toolName, input: jsonObject }),
    ),
    { maxLength: 5 },
  )
  .map((blocks) => blocks.map((b, i): AnthropicResponseBlock => ("type" in b ? b : { type: "tool_use", id: `toolu_${i}`, name: b.name, input: b.input })));

const anthropicResponse: fc.Arbitrary<AnthropicMessageResponse> = fc
  .record({
    content: anthropicBlocks,
    stop: fc.constantFrom("end_turn" as const, "max_tokens" as const, "tool_use" as const),
    usage: fc.record({ input_tokens: tokens, output_tokens: tokens, cache_read_input_tokens: tokens }),
  })
  .map(({ content, stop, usage }) => ({
    id: "msg_01",
    type: "message" as const,
    role: "assistant" as const,
    model: MODEL,
    content,
    // A tool_use stop comes with a tool_use block.
    stop_reason: stop === "tool_use" && !content.some((b) => b.type === "tool_use") ? "end_turn" : stop,
    stop_sequence: null,
    usage: { ...usage, cache_creation_input_tokens: 0 },
  }));

/** What an Anthropic message says once its text is one string (OpenAI has one content string). */
function flattened(blocks: AnthropicResponseBlock[]): AnthropicResponseBlock[] {
  const all = blocks.map((b) => (b.type === "text" ? b.text : "")).join("");
  return [...(all ? [{ type: "text" as const, text: all }] : []), ...meaningOfBlocks(blocks).filter((b) => b.type === "tool_use")];
}

describe("Anthropic response → OpenAI completion → Anthropic message", () => {
  it("keeps text, tool_use blocks, the stop reason and usage", () => {
    fc.assert(
      fc.property(anthropicResponse, (res) => {
        const completion = anthropicResponseToOpenAI(res, "anthropic/claude", 1);
        const message = completion.choices[0]!.message;
        const calls = res.content.flatMap((b) => (b.type === "tool_use" ? [b] : []));
        expect(message.content ?? "").toBe(res.content.map((b) => (b.type === "text" ? b.text : "")).join(""));
        expect((message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) }))).toEqual(
          calls.map(({ id, name, input }) => ({ id, name, input })),
        );
        expect(completion.usage).toMatchObject({
          prompt_tokens: res.usage.input_tokens + res.usage.cache_read_input_tokens!,
          completion_tokens: res.usage.output_tokens,
          prompt_tokens_details: { cached_tokens: res.usage.cache_read_input_tokens },
        });

        const back = openAIResponseToAnthropic(completion, "anthropic/claude");
        expect(back.content).toEqual(flattened(res.content));
        expect(back.stop_reason).toBe(res.stop_reason);
        expect(back.usage).toMatchObject({
          input_tokens: res.usage.input_tokens,
          output_tokens: res.usage.output_tokens,
          cache_read_input_tokens: res.usage.cache_read_input_tokens,
        });
      }),
      RUNS,
    );
  });

  it("maps stop reasons both ways", () => {
    const pairs: [Parameters<typeof finishFromAnthropic>[0], OpenAIFinishReason | null][] = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["pause_turn", "stop"],
      ["max_tokens", "length"],
      ["tool_use", "tool_calls"],
      ["refusal", "content_filter"],
      [null, null],
    ];
    for (const [anthropicReason, openAIReason] of pairs) expect(finishFromAnthropic(anthropicReason)).toBe(openAIReason);
    expect(stopFromOpenAI("stop")).toBe("end_turn");
    expect(stopFromOpenAI("length")).toBe("max_tokens");
    expect(stopFromOpenAI("tool_calls")).toBe("tool_use");
    expect(stopFromOpenAI("function_call")).toBe("tool_use");
    expect(stopFromOpenAI("content_filter")).toBe("refusal");
    expect(stopFromOpenAI(null)).toBe("end_turn");
  });

  it("counts cache writes as prompt tokens, carried apart as cache_write_tokens", () => {
    expect(usageFromAnthropic({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 1000 })).toEqual({
      prompt_tokens: 1110,
      completion_tokens: 5,
      total_tokens: 1115,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(usageToAnthropic({ prompt_tokens: 1110, completion_tokens: 5, total_tokens: 1115, prompt_tokens_details: { cached_tokens: 100 } })).toMatchObject({
      input_tokens: 1010,
      output_tokens: 5,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
    });
    expect(usageToAnthropic(null)).toMatchObject({ input_tokens: 0, output_tokens: 0 });
  });

  it("gives an OpenAI refusal to an Anthropic client as a refusal", () => {
    const message = openAIResponseToAnthropic(
      {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "I can't help with that." }, finish_reason: "stop" }],
      },
      "m",
    );
    expect(message).toMatchObject({ id: "msg_1", content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" });
  });
});

// --- json_schema through the forced tool --------------------------------------------------------

describe("response_format json_schema to Anthropic", () => {
  const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
  const req = openai({ response_format: { type: "json_schema", json_schema: { name: "answer", schema } } });

  it("asks for the schema as a forced tool", () => {
    const out = toAnthropicRequest(req, MODEL);
    expect(out.tools).toEqual([{ name: JSON_TOOL, description: expect.any(String), input_schema: schema }]);
    expect(out.tool_choice).toEqual({ type: "tool", name: JSON_TOOL });
  });

  it("still lets the model call the client's own tools first (agents with structured output)", () => {
    const tools = [{ type: "function", function: { name: "search", parameters: { type: "object" } } }];
    const format = { type: "json_schema", json_schema: { name: "answer", schema } };
    const choice = (body: Record<string, unknown>) => toAnthropicRequest(openai({ tools, response_format: format, ...body }), MODEL).tool_choice;
    expect(toAnthropicRequest(openai({ tools, response_format: format }), MODEL).tools).toEqual([
      { name: "search", input_schema: { type: "object" } },
      { name: JSON_TOOL, description: expect.any(String), input_schema: schema },
    ]);
    expect(choice({})).toEqual({ type: "any" });
    expect(choice({ tool_choice: "auto", parallel_tool_calls: false })).toEqual({ type: "any", disable_parallel_tool_use: true });
    expect(choice({ tool_choice: "required" })).toEqual({ type: "any" });
    expect(choice({ tool_choice: { type: "function", function: { name: "search" } } })).toEqual({ type: "tool", name: "search" });
    expect(choice({ tool_choice: "none" })).toEqual({ type: "tool", name: JSON_TOOL });

    const res: AnthropicMessageResponse = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: MODEL,
      content: [{ type: "tool_use", id: "toolu_1", name: "search", input: { q: "x" } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4 },
    };
    const called = anthropicResponseToOpenAI(res, "m", 1).choices[0]!;
    expect(called).toMatchObject({
      message: { content: null, tool_calls: [{ id: "toolu_1", function: { name: "search", arguments: '{"q":"x"}' } }] },
      finish_reason: "tool_calls",
    });
  });

  it("answers the tool's input as plain JSON text content", () => {
    const res: AnthropicMessageResponse = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: MODEL,
      content: [{ type: "tool_use", id: "toolu_1", name: JSON_TOOL, input: { answer: 42 } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4 },
    };
    const choice = anthropicResponseToOpenAI(res, "m", 1).choices[0]!;
    expect(choice.message.tool_calls).toBeUndefined();
    expect(JSON.parse(choice.message.content!)).toEqual({ answer: 42 });
    expect(choice.finish_reason).toBe("stop");
  });

  it("streams the tool's input as content deltas and finishes with stop", () => {
    const stream = new AnthropicToOpenAIStream({ id: "chatcmpl-1", model: "m", created: 1 });
    const chunks = anthropicEvents([{ type: "tool_use", id: "toolu_1", name: JSON_TOOL, input: { answer: 42 } }], [['{"ans', 'wer": 4', "2}"]], "tool_use", {
      input_tokens: 3,
      output_tokens: 4,
    }).flatMap((e) => stream.push(e));
    const acc = accumulateOpenAI(chunks);
    expect(acc.toolCalls).toEqual([]);
    expect(JSON.parse(acc.content)).toEqual({ answer: 42 });
    expect(acc.finish).toBe("stop");
    expect(stream.done).toBe(true);
  });
});

// --- Streams ---------------------------------------------------------------------------------

/**
 * The events Anthropic sends for `content`; `cuts` splits each block's text or input JSON.
 * Pings ride along as they do on the wire.
 */
function anthropicEvents(
  content: AnthropicResponseBlock[],
  cuts: (string[] | undefined)[],
  stop: AnthropicMessageResponse["stop_reason"],
  usage: AnthropicUsage,
): AnthropicStreamEvent[] {
  const events: AnthropicStreamEvent[] = [
    {
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: 1,
          cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: 0,
        },
      },
    },
    { type: "ping" },
  ];
  content.forEach((block, index) => {
    if (block.type === "text") {
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const t of cuts[index] ?? [block.text]) events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: t } });
    } else if (block.type === "tool_use") {
      events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      for (const p of cuts[index] ?? [JSON.stringify(block.input)])
        events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: p } });
    }
    events.push({ type: "content_block_stop", index });
  });
  events.push(
    { type: "message_delta", delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } },
    { type: "message_stop" },
  );
  return events;
}

/** A message and its stream, each block's text or JSON input cut at arbitrary points. */
const streamedMessage = anthropicResponse.chain((res) =>
  fc
    .tuple(...res.content.map((b) => pieces(b.type === "text" ? b.text : b.type === "tool_use" ? JSON.stringify(b.input) : "")))
    .map((cuts) => ({ res, events: anthropicEvents(res.content, cuts, res.stop_reason, res.usage) })),
);

describe("Anthropic stream → OpenAI chunks → Anthropic stream", () => {
  it("accumulates to the original content, stop reason and usage", () => {
    fc.assert(
      fc.property(streamedMessage, ({ res, events }) => {
        const toOpenAI = new AnthropicToOpenAIStream({ id: "chatcmpl-1", model: "m", created: 1 });
        const chunks = events.flatMap((e) => toOpenAI.push(e));
        chunks.push(toOpenAI.usageChunk());
        expect(toOpenAI.done).toBe(true);

        // What an OpenAI client sees.
        const completion = accumulateOpenAI(chunks);
        expect(completion.content).toBe(res.content.map((b) => (b.type === "text" ? b.text : "")).join(""));
        const calls = res.content.flatMap((b) => (b.type === "tool_use" ? [{ id: b.id, name: b.name, input: b.input }] : []));
        expect(completion.toolCalls.map((c) => ({ id: c.id, name: c.name, input: JSON.parse(c.arguments) }))).toEqual(calls);
        expect(completion.finish).toBe(finishFromAnthropic(res.stop_reason));
        expect(completion.usage).toEqual(usageFromAnthropic(res.usage));

        // What an Anthropic client sees after the round trip.
        const toAnthropic = new OpenAIToAnthropicStream({ id: "chatcmpl-1", model: "m" });
        const back = accumulateAnthropic([...chunks.flatMap((c) => toAnthropic.push(c)), ...toAnthropic.end()]);
        expect(meaningOfBlocks(back.content)).toEqual(meaningOfBlocks(res.content));
        expect(back.stopReason).toBe(res.stop_reason);
        expect(back.usage).toMatchObject({
          input_tokens: res.usage.input_tokens,
          output_tokens: res.usage.output_tokens,
          cache_read_input_tokens: res.usage.cache_read_input_tokens,
        });
      }),
      RUNS,
    );
  });
});

/** An OpenAI stream: its accumulated result and chunks that split it arbitrarily. */
const openAIStream = fc
  .record({
    content: fc.option(text, { nil: "" }),
    calls: fc.array(fc.record({ name: toolName, args: jsonObject }), { maxLength: 4 }),
    finish: fc.constantFrom<OpenAIFinishReason>("stop", "length", "tool_calls", "content_filter"),
    usage: fc.record({ prompt: tokens, cached: tokens, completion: tokens }),
  })
  .chain((r) =>
    fc
      .record({
        content: pieces(r.content),
        args: fc.tuple(...r.calls.map((c) => pieces(JSON.stringify(c.args)))),
        // Whether a call's first delta rides in the chunk of the previous call's last one.
        together: fc.array(fc.boolean(), { minLength: r.calls.length, maxLength: r.calls.length }),
      })
      .map((cut) => {
        const base = { id: "chatcmpl-1", object: "chat.completion.chunk" as const, created: 1, model: "m" };
        const chunk = (delta: OpenAIChunk["choices"][number]["delta"], finish: OpenAIFinishReason | null = null): OpenAIChunk => ({
          ...base,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        });
        const chunks: OpenAIChunk[] = [chunk({ role: "assistant", content: "" })];
        for (const t of r.content ? cut.content : []) chunks.push(chunk({ content: t }));
        r.calls.forEach((call, index) => {
          const [firstArgs, ...rest] = cut.args[index]!;
          const opening = { index, id: `call_${index}`, type: "function" as const, function: { name: call.name, arguments: firstArgs! } };
          const last = chunks.at(-1)!.choices[0]!.delta.tool_calls;
          if (cut.together[index] && last) last.push(opening);
          else chunks.push(chunk({ tool_calls: [opening] }));
          for (const a of rest) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }));
        });
        chunks.push(chunk({}, r.finish));
        const cached = Math.min(r.usage.cached, r.usage.prompt);
        const usage = {
          prompt_tokens: r.usage.prompt,
          completion_tokens: r.usage.completion,
          total_tokens: r.usage.prompt + r.usage.completion,
          prompt_tokens_details: { cached_tokens: cached },
        };
        chunks.push({ ...base, choices: [], usage });
        return { r, chunks, usage };
      }),
  );

describe("OpenAI chunks → Anthropic events", () => {
  it("accumulates to what the OpenAI chunks accumulate to", () => {
    fc.assert(
      fc.property(openAIStream, ({ r, chunks, usage }) => {
        const completion = accumulateOpenAI(chunks);
        expect(completion.content).toBe(r.content);
        const translator = new OpenAIToAnthropicStream({ id: "chatcmpl-1", model: "m" });
        const message = accumulateAnthropic([...chunks.flatMap((c) => translator.push(c)), ...translator.end()]);
        expect(message.content).toEqual([
          ...(completion.content ? [{ type: "text", text: completion.content }] : []),
          ...completion.toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: JSON.parse(c.arguments) })),
        ]);
        expect(message.stopReason).toBe(stopFromOpenAI(r.finish));
        expect(message.usage).toMatchObject({
          input_tokens: usage.prompt_tokens - usage.prompt_tokens_details.cached_tokens,
          output_tokens: usage.completion_tokens,
          cache_read_input_tokens: usage.prompt_tokens_details.cached_tokens,
        });
      }),
      RUNS,
    );
  });

  it("closes a well-formed message when the upstream sends nothing", () => {
    const translator = new OpenAIToAnthropicStream({ id: "chatcmpl-1", model: "m" });
    const message = accumulateAnthropic(translator.end());
    expect(message).toMatchObject({ content: [], stopReason: "end_turn", usage: { input_tokens: 0, output_tokens: 0 } });
  });

  it("streams an OpenAI refusal as text with stop reason refusal", () => {
    const base = { id: "chatcmpl-1", object: "chat.completion.chunk" as const, created: 1, model: "m" };
    const translator = new OpenAIToAnthropicStream({ id: "chatcmpl-1", model: "m" });
    const events = [
      ...translator.push({ ...base, choices: [{ index: 0, delta: { role: "assistant", refusal: "I can't " }, finish_reason: null }] }),
      ...translator.push({ ...base, choices: [{ index: 0, delta: { refusal: "help." }, finish_reason: "stop" }] }),
      ...translator.end(),
    ];
    expect(accumulateAnthropic(events)).toMatchObject({ content: [{ type: "text", text: "I can't help." }], stopReason: "refusal" });
  });
});
