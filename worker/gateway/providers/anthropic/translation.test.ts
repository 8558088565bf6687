// OpenAI reasoning_effort ⇄ Anthropic extended thinking: the budget it asks for, what Anthropic
// refuses alongside thinking (named by the client's own parameter), and thinking answered back as
// reasoning_content, whole and streamed. The rest of the translation: translate/anthropic-round-trip.test.ts.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors.ts";
import type { AnthropicMessageResponse, AnthropicStreamEvent } from "../../formats/anthropic.ts";
import { type ChatCompletionRequest, chatCompletionRequest } from "../../openai-schema.ts";
import { AnthropicToOpenAIStream, anthropicResponseToOpenAI, toAnthropicRequest } from "./index.ts";

const MODEL = "claude-sonnet-4-5";

const openai = (body: Record<string, unknown>): ChatCompletionRequest =>
  chatCompletionRequest.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...body });

const thinking = (body: Record<string, unknown>, model = MODEL) => toAnthropicRequest(openai(body), model).thinking;

function refusal(call: () => unknown): AppError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  return thrown as AppError;
}

function expectUnsupported(body: Record<string, unknown>, param: string, model = MODEL): AppError {
  const error = refusal(() => toAnthropicRequest(openai(body), model));
  expect({ kind: error.kind, code: error.code, param: error.param }).toEqual({ kind: "invalid_request", code: "unsupported_parameter", param });
  return error;
}

const TOOLS = [{ type: "function", function: { name: "get", parameters: { type: "object" } } }];

describe("reasoning_effort → Anthropic thinking", () => {
  it("asks for a thinking budget by effort; none or no effort asks for no thinking", () => {
    expect(thinking({})).toBeUndefined();
    expect(thinking({ reasoning_effort: null })).toBeUndefined();
    expect(thinking({ reasoning_effort: "none" })).toBeUndefined();
    expect(thinking({ reasoning_effort: "minimal" })).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(thinking({ reasoning_effort: "low" })).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(thinking({ reasoning_effort: "medium" })).toEqual({ type: "enabled", budget_tokens: 8192 });
    expect(thinking({ reasoning_effort: "high" })).toEqual({ type: "enabled", budget_tokens: 24576 });
  });

  it("keeps the budget inside max_tokens, which counts thinking at Anthropic", () => {
    expect(toAnthropicRequest(openai({ reasoning_effort: "high", max_tokens: 10_000 }), MODEL)).toMatchObject({
      max_tokens: 10_000,
      thinking: { type: "enabled", budget_tokens: 9_999 },
    });
    expect(thinking({ reasoning_effort: "medium", max_completion_tokens: 1025 })).toEqual({ type: "enabled", budget_tokens: 1024 });
    // No max_tokens given: the model's own limit (claude-3-haiku writes at most 4096).
    expect(thinking({ reasoning_effort: "high" }, "claude-3-haiku-20240307")).toEqual({ type: "enabled", budget_tokens: 4095 });
  });

  it("refuses thinking that cannot fit Anthropic's smallest budget inside max_tokens", () => {
    const error = expectUnsupported({ reasoning_effort: "low", max_tokens: 1024 }, "reasoning_effort");
    expect(error.message).toContain("max_tokens 1024");
    expect(error.message).toContain("give max_tokens 1025 or more");
    expectUnsupported({ reasoning_effort: "minimal", max_completion_tokens: 500 }, "reasoning_effort");
    expect(thinking({ reasoning_effort: "none", max_tokens: 10 })).toBeUndefined();
  });

  it("refuses an effort it has no budget for", () => {
    for (const effort of ["xhigh", "max", "HIGH", "", 3, "constructor"]) {
      const error = expectUnsupported({ reasoning_effort: effort }, "reasoning_effort");
      expect(error.message).toContain(JSON.stringify(effort));
    }
  });

  it("refuses, by name, the sampling Anthropic forbids with thinking", () => {
    expectUnsupported({ reasoning_effort: "low", temperature: 0.5 }, "temperature");
    expectUnsupported({ reasoning_effort: "low", temperature: 0 }, "temperature");
    expectUnsupported({ reasoning_effort: "low", top_p: 0.9 }, "top_p");
    expect(toAnthropicRequest(openai({ reasoning_effort: "low", temperature: 1, top_p: 0.95 }), MODEL)).toMatchObject({ temperature: 1, top_p: 0.95 });
    // Without thinking nothing changes.
    expect(toAnthropicRequest(openai({ temperature: 0.5, top_p: 0.5 }), MODEL)).toMatchObject({ temperature: 0.5, top_p: 0.5 });
  });

  it("refuses a forced tool call with thinking, whether the client or json_schema forces it", () => {
    expectUnsupported({ reasoning_effort: "low", tools: TOOLS, tool_choice: "required" }, "tool_choice");
    expectUnsupported({ reasoning_effort: "low", tools: TOOLS, tool_choice: { type: "function", function: { name: "get" } } }, "tool_choice");
    const schema = { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } };
    expectUnsupported({ reasoning_effort: "low", response_format: schema }, "response_format");
    expectUnsupported({ reasoning_effort: "low", tools: TOOLS, response_format: schema }, "response_format");
    for (const tool_choice of ["auto", "none", undefined]) {
      expect(thinking({ reasoning_effort: "low", tools: TOOLS, tool_choice })).toEqual({ type: "enabled", budget_tokens: 2048 });
    }
    expect(toAnthropicRequest(openai({ reasoning_effort: "low", tools: TOOLS, parallel_tool_calls: false }), MODEL).tool_choice).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    expect(toAnthropicRequest(openai({ reasoning_effort: "low", response_format: { type: "json_object" } }), MODEL).thinking).toBeDefined();
  });

  it("refuses thinking in a turn that answers tool calls (Anthropic wants that turn's signed thinking back)", () => {
    const call = { id: "c1", type: "function", function: { name: "get", arguments: "{}" } };
    const loop = [
      { role: "user", content: "get it" },
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: "c1", content: "got" },
    ];
    expectUnsupported({ reasoning_effort: "low", tools: TOOLS, messages: loop }, "reasoning_effort");
    // Once the model has answered the results, a new question may think again.
    const later = [...loop, { role: "assistant", content: "It is got." }, { role: "user", content: "and now?" }];
    expect(thinking({ reasoning_effort: "low", tools: TOOLS, messages: later })).toEqual({ type: "enabled", budget_tokens: 2048 });
  });
});

const message = (content: AnthropicMessageResponse["content"]): AnthropicMessageResponse => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: MODEL,
  content,
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 30 },
});

describe("Anthropic thinking → reasoning_content", () => {
  it("answers thinking blocks as reasoning_content, redacted thinking left out, usage unchanged", () => {
    const completion = anthropicResponseToOpenAI(
      message([
        { type: "thinking", thinking: "Let me see.", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "thinking", thinking: " Six times seven.", signature: "sig" },
        { type: "text", text: "42" },
      ]),
      "anthropic/claude",
      1,
    );
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "42", refusal: null, reasoning_content: "Let me see. Six times seven." });
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 0 } });
    const plain = anthropicResponseToOpenAI(
      message([
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "42" },
      ]),
      "m",
      1,
    );
    expect(plain.choices[0]!.message).not.toHaveProperty("reasoning_content");
  });

  it("streams thinking deltas as reasoning_content, signatures and redacted thinking left out", () => {
    const events: AnthropicStreamEvent[] = [
      { type: "message_start", message: message([]) },
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: " see." } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "redacted_thinking", data: "opaque" } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "42" } },
      { type: "content_block_stop", index: 2 },
      { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 30 } },
      { type: "message_stop" },
    ];
    const stream = new AnthropicToOpenAIStream({ id: "chatcmpl-1", model: "m", created: 1 });
    const deltas = events.flatMap((e) => stream.push(e)).map((c) => c.choices[0]?.delta);
    expect(deltas).toEqual([{ role: "assistant", content: "" }, { reasoning_content: "Let me" }, { reasoning_content: " see." }, { content: "42" }, {}]);
    expect(stream.openAIUsage).toMatchObject({ completion_tokens: 30 });
  });
});
