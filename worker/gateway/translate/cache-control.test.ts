// Anthropic's cache breakpoints (cache_control) through the translations to Anthropic: the OpenAI
// chat schema takes them (and refuses a malformed one), OpenAI chat → Anthropic and Responses →
// chat → Anthropic keep them on the same blocks and tools, and OpenAI's own API gets none.
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.ts";
import { responsesRequest } from "../formats/responses.ts";
import { chatCompletionRequest } from "../openai-schema.ts";
import { toAnthropicRequest } from "../providers/anthropic/index.ts";
import { withoutCacheControl } from "./cache-control.ts";
import { inputItems, responsesToChat } from "./responses-input.ts";

const FIVE = { type: "ephemeral" } as const;
const HOUR = { type: "ephemeral", ttl: "1h" } as const;
const TOOL = { type: "function", function: { name: "get", parameters: { type: "object" } } };

const chat = (body: Record<string, unknown>) => chatCompletionRequest.parse({ model: "m", ...body });
const anthropic = (body: Record<string, unknown>) => toAnthropicRequest(chat(body), "claude-sonnet-4-5");

describe("the OpenAI chat schema", () => {
  it("takes cache_control on parts, messages and tools", () => {
    const parsed = chat({
      messages: [
        { role: "system", content: [{ type: "text", text: "s", cache_control: HOUR }] },
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" }, cache_control: FIVE }], cache_control: FIVE },
      ],
      tools: [{ ...TOOL, cache_control: FIVE }],
    });
    expect(parsed.messages[0]!.content).toEqual([{ type: "text", text: "s", cache_control: HOUR }]);
    expect(parsed.messages[1]).toMatchObject({ cache_control: FIVE, content: [{ cache_control: FIVE }] });
    expect(parsed.tools?.[0]).toMatchObject({ cache_control: FIVE });
  });

  it("refuses a cache_control that is not ephemeral with a ttl of 5m or 1h", () => {
    for (const bad of [{ type: "persistent" }, { type: "ephemeral", ttl: "2h" }, { type: "ephemeral", extra: 1 }, "ephemeral"]) {
      const body = { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: bad }] }] };
      expect(chatCompletionRequest.safeParse(body).success, JSON.stringify(bad)).toBe(false);
      expect(
        chatCompletionRequest.safeParse({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ ...TOOL, cache_control: bad }] }).success,
      ).toBe(false);
    }
  });
});

describe("OpenAI chat → Anthropic", () => {
  it("keeps breakpoints on system, user and assistant blocks and on tools", () => {
    const req = anthropic({
      messages: [
        { role: "system", content: [{ type: "text", text: "rules", cache_control: HOUR }] },
        { role: "developer", content: "more rules" },
        {
          role: "user",
          content: [
            { type: "text", text: "long document", cache_control: FIVE },
            { type: "text", text: "question" },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "answer", cache_control: FIVE }] },
        { role: "user", content: "next" },
      ],
      tools: [{ ...TOOL, cache_control: HOUR }],
    });
    expect(req.system).toEqual([
      { type: "text", text: "rules", cache_control: HOUR },
      { type: "text", text: "more rules" },
    ]);
    expect(req.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "long document", cache_control: FIVE },
          { type: "text", text: "question" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "answer", cache_control: FIVE }] },
      { role: "user", content: [{ type: "text", text: "next" }] },
    ]);
    expect(req.tools).toEqual([{ name: "get", input_schema: { type: "object" }, cache_control: HOUR }]);
  });

  it("keeps a breakpoint on a tool result, and one on a message (LiteLLM's form) marks its last block", () => {
    const req = anthropic({
      messages: [
        { role: "system", content: "rules", cache_control: FIVE },
        { role: "user", content: "call get" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get", arguments: "{}" } }],
          cache_control: FIVE,
        },
        { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "big result", cache_control: FIVE }] },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
          cache_control: HOUR,
        },
      ],
      tools: [TOOL],
    });
    expect(req.system).toEqual([{ type: "text", text: "rules", cache_control: FIVE }]);
    const [, call, last] = (req.messages as { content: unknown[] }[]).map((m) => m.content);
    expect(call).toEqual([{ type: "tool_use", id: "call_1", name: "get", input: {}, cache_control: FIVE }]);
    expect(last).toEqual([
      { type: "tool_result", tool_use_id: "call_1", content: [{ type: "text", text: "big result", cache_control: FIVE }] },
      { type: "text", text: "a" },
      { type: "text", text: "b", cache_control: HOUR },
    ]);
  });

  it("sends the system prompt as one string when nothing in it is a breakpoint, and adds the JSON instruction either way", () => {
    expect(
      anthropic({
        messages: [
          { role: "system", content: "a" },
          { role: "system", content: "b" },
          { role: "user", content: "x" },
        ],
      }).system,
    ).toBe("a\n\nb");
    const json = anthropic({
      messages: [
        { role: "system", content: [{ type: "text", text: "a", cache_control: FIVE }] },
        { role: "user", content: "x" },
      ],
      response_format: { type: "json_object" },
    });
    expect(json.system).toEqual([
      { type: "text", text: "a", cache_control: FIVE },
      { type: "text", text: "Respond only with a single valid JSON object." },
    ]);
  });

  it("drops prompt_cache_key and prompt_cache_retention (hints Anthropic has no use for), refusing neither", () => {
    const req = anthropic({ messages: [{ role: "user", content: "x" }], prompt_cache_key: "k", prompt_cache_retention: "24h" });
    expect(req).not.toHaveProperty("prompt_cache_key");
    expect(req).not.toHaveProperty("prompt_cache_retention");
  });
});

describe("OpenAI's own API", () => {
  it("gets the request without any cache_control, everything else as sent", () => {
    const body = chat({
      messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: FIVE }], cache_control: FIVE }],
      tools: [{ ...TOOL, cache_control: FIVE }],
      prompt_cache_key: "k",
    });
    const stripped = withoutCacheControl(body);
    expect(JSON.stringify(stripped)).not.toContain("cache_control");
    expect(stripped).toMatchObject({ prompt_cache_key: "k", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], tools: [TOOL] });
  });
});

describe("Responses → chat → Anthropic", () => {
  const translate = (body: Record<string, unknown>) => {
    const req = responsesRequest.parse({ model: "m", ...body });
    return responsesToChat(req, inputItems(req.input), "anthropic");
  };

  it("keeps breakpoints on input parts, instructions given as a system message, tool outputs and tools", () => {
    const chatReq = translate({
      input: [
        { role: "system", content: [{ type: "input_text", text: "rules", cache_control: HOUR }] },
        {
          role: "user",
          content: [
            { type: "input_text", text: "document", cache_control: FIVE },
            { type: "input_text", text: "call get" },
          ],
        },
        { type: "function_call", call_id: "c1", name: "get", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: [{ type: "input_text", text: "result", cache_control: FIVE }] },
      ],
      tools: [{ type: "function", name: "get", parameters: { type: "object" }, cache_control: FIVE }],
      prompt_cache_key: "k",
    });
    expect(chatReq).toMatchObject({ prompt_cache_key: "k" });
    const req = toAnthropicRequest(chatCompletionRequest.parse(chatReq), "claude-sonnet-4-5");
    expect(req.system).toEqual([{ type: "text", text: "rules", cache_control: HOUR }]);
    expect(req.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "document", cache_control: FIVE },
          { type: "text", text: "call get" },
        ],
      },
      { role: "assistant", content: [{ type: "tool_use", id: "c1", name: "get", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: [{ type: "text", text: "result", cache_control: FIVE }] }] },
    ]);
    expect(req.tools).toEqual([{ name: "get", input_schema: { type: "object" }, cache_control: FIVE }]);
  });

  it("refuses a malformed cache_control with a 400 naming it", () => {
    let thrown: unknown;
    try {
      translate({ input: [{ role: "user", content: [{ type: "input_text", text: "x", cache_control: { type: "forever" } }] }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ kind: "invalid_request", param: "input[0].content[0].cache_control" });
  });
});
