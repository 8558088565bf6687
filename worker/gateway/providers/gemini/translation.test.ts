// OpenAI → Gemini translation: the request keeps every turn in order, the response and stream
// come back as OpenAI with unique tool call ids, the right finish reason and usage.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors.ts";
import type { GeminiPart, GeminiResponse, GeminiUsage } from "../../formats/gemini.ts";
import { type ChatCompletionRequest, type ChatMessage, chatCompletionRequest } from "../../openai-schema.ts";
import { accumulateOpenAI, contentItems, jsonObject, openAIRequest, pieces, systemOf, text, tokens, toolName } from "../../../../test/kit/arbitraries.ts";
import { GeminiToOpenAIStream, finishFromGemini, geminiResponseToOpenAI, toGeminiRequest, usageFromGemini } from "./index.ts";

const RUNS = { numRuns: 150 };
const META = { id: "chatcmpl-1", model: "gemini/gemini-2.5-flash", created: 1 };

const openai = (body: Record<string, unknown>): ChatCompletionRequest =>
  chatCompletionRequest.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...body });

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

/** A tool's text result as Gemini should receive it: JSON when it is JSON, else the text. */
function resultValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Each message's parts as Gemini should get them, in order, with the speaker. */
function expectedParts(messages: ChatMessage[]): { role: "user" | "model"; part: unknown }[] {
  const names = new Map<string, string>();
  const out: { role: "user" | "model"; part: unknown }[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "tool") {
      const content = contentItems(m)
        .map((i) => (i.type === "text" ? i.text : ""))
        .join("");
      out.push({ role: "user", part: { functionResponse: { name: names.get(m.tool_call_id!), response: { content: resultValue(content) } } } });
      continue;
    }
    const role = m.role === "assistant" ? "model" : "user";
    for (const item of contentItems(m)) {
      if (item.type === "text" && item.text) out.push({ role, part: { text: item.text } });
      if (item.type !== "image") continue;
      const data = /^data:([^;]+);base64,(.*)$/.exec(item.url);
      out.push({
        role,
        part: data ? { inlineData: { mimeType: data[1], data: data[2] } } : { fileData: { mimeType: expect.stringMatching(/^image\//), fileUri: item.url } },
      });
    }
    for (const call of m.tool_calls ?? []) {
      names.set(call.id, call.function.name);
      out.push({ role, part: { functionCall: { name: call.function.name, args: JSON.parse(call.function.arguments) } } });
    }
  }
  return out;
}

describe("OpenAI request → Gemini request", () => {
  it("keeps every text, image, function call and response in order, the system text and the config", () => {
    fc.assert(
      fc.property(openAIRequest, (req) => {
        if (req.parallel_tool_calls === false) return expectUnsupported(() => toGeminiRequest(req), "parallel_tool_calls");
        const out = toGeminiRequest(req);
        out.contents.forEach((c, i) => {
          expect(c.role).toBe(i % 2 === 0 ? "user" : "model");
          expect(c.parts.length).toBeGreaterThan(0);
        });
        expect(out.contents.flatMap((c) => c.parts.map((part) => ({ role: c.role, part })))).toEqual(expectedParts(req.messages));

        const system = systemOf(req.messages);
        expect(out.systemInstruction?.parts.map((p) => p.text) ?? []).toEqual(system);

        const stop = req.stop == null ? undefined : typeof req.stop === "string" ? [req.stop] : req.stop;
        expect(out.generationConfig ?? {}).toEqual({
          ...((req.max_completion_tokens ?? req.max_tokens) ? { maxOutputTokens: req.max_completion_tokens ?? req.max_tokens } : {}),
          ...(req.temperature != null ? { temperature: req.temperature } : {}),
          ...(req.top_p != null ? { topP: req.top_p } : {}),
          ...(stop ? { stopSequences: stop } : {}),
        });
        expect(out.tools?.[0]?.functionDeclarations).toEqual(
          req.tools?.map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
        );
      }),
      RUNS,
    );
  });

  it("matches each function response to its call's name by tool_call_id", () => {
    const out = toGeminiRequest(
      openai({
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
              { id: "b", type: "function", function: { name: "time", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "b", content: '{"hour": 9, "tz": "CET"}' },
          { role: "tool", tool_call_id: "a", content: "sunny, 21°C" },
        ],
      }),
    );
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "go" }] },
      { role: "model", parts: [{ functionCall: { name: "weather", args: { city: "Paris" } } }, { functionCall: { name: "time", args: {} } }] },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "time", response: { content: { hour: 9, tz: "CET" } } } },
          { functionResponse: { name: "weather", response: { content: "sunny, 21°C" } } },
        ],
      },
    ]);
  });

  it("leaves out empty turns and empty text parts", () => {
    const out = toGeminiRequest(
      openai({
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
        ],
      }),
    );
    expect(out.contents).toEqual([{ role: "user", parts: [{ text: "a" }, { text: "b" }] }]);
  });

  it("maps response_format to a JSON response", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(toGeminiRequest(openai({ response_format: { type: "json_object" } })).generationConfig).toEqual({ responseMimeType: "application/json" });
    expect(toGeminiRequest(openai({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } })).generationConfig).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: schema,
    });
    expect(toGeminiRequest(openai({ response_format: { type: "text" } })).generationConfig).toBeUndefined();
  });

  it("maps tool_choice", () => {
    const tools = [{ type: "function", function: { name: "get" } }];
    const config = (tool_choice: unknown) => toGeminiRequest(openai({ tools, tool_choice })).toolConfig;
    expect(config(undefined)).toBeUndefined();
    expect(config("auto")).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(config("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(config("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(config({ type: "function", function: { name: "get" } })).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get"] } });
  });

  it("passes the sampling penalties and seed Gemini supports", () => {
    expect(toGeminiRequest(openai({ presence_penalty: 0.5, frequency_penalty: -0.25, seed: 42 })).generationConfig).toEqual({
      presencePenalty: 0.5,
      frequencyPenalty: -0.25,
      seed: 42,
    });
  });

  it("names the parameter Gemini cannot honour, and accepts defaults", () => {
    expectUnsupported(() => toGeminiRequest(openai({ logit_bias: { "1": 2 } })), "logit_bias");
    expectUnsupported(() => toGeminiRequest(openai({ logprobs: true })), "logprobs");
    expectUnsupported(
      () => toGeminiRequest(openai({ tools: [{ type: "function", function: { name: "get" } }], parallel_tool_calls: false })),
      "parallel_tool_calls",
    );
    expectUnsupported(() => toGeminiRequest({ ...openai({}), n: 3 }), "n");
    expect(() =>
      toGeminiRequest(openai({ tools: [{ type: "function", function: { name: "get" } }], parallel_tool_calls: true, n: 1, logprobs: false, logit_bias: {} })),
    ).not.toThrow();
  });

  it("maps reasoning_effort to a thinking budget, with the thoughts asked for; none turns thinking off", () => {
    const thinking = (reasoning_effort: unknown) => toGeminiRequest(openai({ reasoning_effort })).generationConfig?.thinkingConfig;
    expect(thinking(undefined)).toBeUndefined();
    expect(thinking(null)).toBeUndefined();
    expect(thinking("none")).toEqual({ thinkingBudget: 0 });
    expect(thinking("minimal")).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(thinking("low")).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(thinking("medium")).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(thinking("high")).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(toGeminiRequest(openai({ reasoning_effort: "low", max_tokens: 50, temperature: 0.2 })).generationConfig).toEqual({
      maxOutputTokens: 50,
      temperature: 0.2,
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
  });

  it("refuses a reasoning_effort it has no budget for", () => {
    for (const effort of ["xhigh", "max", "HIGH", "", 3, "constructor"])
      expectUnsupported(() => toGeminiRequest(openai({ reasoning_effort: effort })), "reasoning_effort");
  });

  it("sends an image URL as fileData with its media type", () => {
    const parts = toGeminiRequest(
      openai({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a/cat.PNG?s=1" } }] }] }),
    ).contents[0]!.parts;
    expect(parts).toEqual([{ fileData: { mimeType: "image/png", fileUri: "https://x.test/a/cat.PNG?s=1" } }]);
  });
});

// --- Responses and streams -------------------------------------------------------------------

const FILTERED = ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"];
const finishReason = fc.constantFrom("STOP", "MAX_TOKENS", "OTHER", ...FILTERED);

const geminiParts: fc.Arbitrary<GeminiPart[]> = fc.array(
  fc.oneof(
    text.map((t): GeminiPart => ({ text: t })),
    text.map((t): GeminiPart => ({ text: t, thought: true })),
    fc.record({ name: toolName, args: jsonObject }).map((functionCall): GeminiPart => ({ functionCall })),
  ),
  { maxLength: 6 },
);

const geminiUsage: fc.Arbitrary<GeminiUsage> = fc
  .record({ prompt: tokens, candidates: tokens, thoughts: fc.option(tokens, { nil: undefined }), cached: fc.option(tokens, { nil: undefined }) })
  .map((u) => ({
    promptTokenCount: u.prompt,
    candidatesTokenCount: u.candidates,
    totalTokenCount: u.prompt + u.candidates + (u.thoughts ?? 0),
    ...(u.thoughts !== undefined ? { thoughtsTokenCount: u.thoughts } : {}),
    ...(u.cached !== undefined ? { cachedContentTokenCount: Math.min(u.cached, u.prompt) } : {}),
  }));

/** What an OpenAI client should end up with for these parts. */
function expected(parts: GeminiPart[], reason: string, usage: GeminiUsage) {
  const calls = parts.flatMap((p) => ("functionCall" in p ? [p.functionCall] : []));
  return {
    content: parts.map((p) => ("text" in p && !p.thought ? p.text : "")).join(""),
    reasoning: parts.map((p) => ("text" in p && p.thought ? p.text : "")).join(""),
    calls: calls.map((c) => ({ name: c.name, args: c.args })),
    finish: calls.length
      ? "tool_calls"
      : reason === "STOP"
        ? "stop"
        : reason === "MAX_TOKENS"
          ? "length"
          : FILTERED.includes(reason)
            ? "content_filter"
            : "stop",
    usage: {
      prompt_tokens: usage.promptTokenCount,
      completion_tokens: usage.candidatesTokenCount! + (usage.thoughtsTokenCount ?? 0),
      total_tokens: usage.promptTokenCount! + usage.candidatesTokenCount! + (usage.thoughtsTokenCount ?? 0),
      prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0 },
      completion_tokens_details: { reasoning_tokens: usage.thoughtsTokenCount ?? 0 },
    },
  };
}

function expectUniqueIds(ids: string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^call_\w+$/);
}

describe("Gemini response → OpenAI completion", () => {
  it("keeps text, function calls (unique ids), the finish reason and usage", () => {
    fc.assert(
      fc.property(geminiParts, finishReason, geminiUsage, (parts, reason, usage) => {
        const completion = geminiResponseToOpenAI({ candidates: [{ content: { role: "model", parts }, finishReason: reason }], usageMetadata: usage }, META);
        const want = expected(parts, reason, usage);
        const { message, finish_reason } = completion.choices[0]!;
        expect(message.content ?? "").toBe(want.content);
        expect(message.reasoning_content ?? "").toBe(want.reasoning);
        const calls = message.tool_calls ?? [];
        expect(calls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) }))).toEqual(want.calls);
        expectUniqueIds(calls.map((c) => c.id));
        expect(finish_reason).toBe(want.finish);
        expect(completion.usage).toEqual(want.usage);
      }),
      RUNS,
    );
  });

  it("maps finish reasons", () => {
    expect(finishFromGemini("STOP", false)).toBe("stop");
    expect(finishFromGemini("MAX_TOKENS", false)).toBe("length");
    expect(finishFromGemini("SAFETY", false)).toBe("content_filter");
    expect(finishFromGemini("PROHIBITED_CONTENT", false)).toBe("content_filter");
    expect(finishFromGemini("OTHER", false)).toBe("stop");
    expect(finishFromGemini("STOP", true)).toBe("tool_calls");
    expect(finishFromGemini(undefined, true)).toBeNull();
  });

  it("answers a blocked prompt with content_filter", () => {
    const completion = geminiResponseToOpenAI({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }, META);
    expect(completion.choices[0]).toMatchObject({ message: { content: "" }, finish_reason: "content_filter" });
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 0 });
  });

  it("gives tool calls ids that stay unique across turns", () => {
    const call = (): GeminiResponse => ({ candidates: [{ content: { parts: [{ functionCall: { name: "f", args: {} } }] }, finishReason: "STOP" }] });
    const first = geminiResponseToOpenAI(call(), META).choices[0]!.message.tool_calls![0]!.id;
    const second = geminiResponseToOpenAI(call(), META).choices[0]!.message.tool_calls![0]!.id;
    const streamed = new GeminiToOpenAIStream(META).push(call()).flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0]!.id!;
    expectUniqueIds([first, second, streamed]);
  });

  it("keeps Gemini's own function call ids", () => {
    const completion = geminiResponseToOpenAI(
      { candidates: [{ content: { parts: [{ functionCall: { id: "fc_7", name: "f", args: { a: 1 } } }] }, finishReason: "STOP" }] },
      META,
    );
    expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: "fc_7", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
  });

  it("answers thought parts as reasoning_content, apart from the text", () => {
    const parts: GeminiPart[] = [{ text: "Thinking", thought: true }, { text: " hard.", thought: true }, { text: "42" }];
    const message = geminiResponseToOpenAI({ candidates: [{ content: { role: "model", parts }, finishReason: "STOP" }] }, META).choices[0]!.message;
    expect(message).toEqual({ role: "assistant", content: "42", refusal: null, reasoning_content: "Thinking hard." });
    const plain = geminiResponseToOpenAI({ candidates: [{ content: { role: "model", parts: [{ text: "42" }] }, finishReason: "STOP" }] }, META);
    expect(plain.choices[0]!.message).not.toHaveProperty("reasoning_content");
  });

  it("counts thoughts as reasoning inside completion tokens, cached content as cached", () => {
    expect(usageFromGemini({ promptTokenCount: 100, candidatesTokenCount: 20, thoughtsTokenCount: 30, cachedContentTokenCount: 60 })).toEqual({
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 60 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
  });
});

/** Parts spread over stream responses (text split further), the last carrying the finish reason. */
const geminiStream = fc.tuple(geminiParts, finishReason, geminiUsage).chain(([parts, reason, usage]) =>
  fc
    .tuple(...parts.map((p) => ("text" in p ? pieces(p.text).map((ts) => ts.map((t): GeminiPart => ({ ...p, text: t }))) : fc.constant([p]))))
    .map((split) => split.flat())
    .chain((flat) => fc.array(fc.boolean(), { minLength: flat.length, maxLength: flat.length }).map((breaks) => ({ flat, breaks })))
    .map(({ flat, breaks }) => {
      const response = (): GeminiResponse => ({ candidates: [{ content: { role: "model", parts: [] } }] });
      const responses = [response()];
      flat.forEach((part, i) => {
        if (breaks[i] && i > 0) responses.push(response());
        responses.at(-1)!.candidates![0]!.content!.parts!.push(part);
      });
      const last = responses.at(-1)!;
      last.candidates![0]!.finishReason = reason;
      last.usageMetadata = usage;
      return { parts, reason, usage, responses };
    }),
);

describe("Gemini stream → OpenAI chunks", () => {
  it("accumulates to the same text, calls (unique ids and indexes), finish reason and usage", () => {
    fc.assert(
      fc.property(geminiStream, ({ parts, reason, usage, responses }) => {
        const stream = new GeminiToOpenAIStream(META);
        const chunks = responses.flatMap((r) => stream.push(r));
        expect(stream.finished).toBe(true);
        chunks.push(stream.usageChunk());
        const acc = accumulateOpenAI(chunks);
        const want = expected(parts, reason, usage);
        expect(acc.content).toBe(want.content);
        expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(want.reasoning);
        expect(acc.toolCalls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual(want.calls);
        expectUniqueIds(acc.toolCalls.map((c) => c.id));
        expect(acc.finish).toBe(want.finish);
        expect(acc.usage).toEqual(want.usage);
      }),
      RUNS,
    );
  });

  it("streams thoughts as reasoning_content before the text of the same response", () => {
    const stream = new GeminiToOpenAIStream(META);
    const deltas = stream
      .push({ candidates: [{ content: { role: "model", parts: [{ text: "Let me see. ", thought: true }] } }] })
      .concat(stream.push({ candidates: [{ content: { parts: [{ text: "Done.", thought: true }, { text: "42" }] }, finishReason: "STOP" }] }))
      .map((c) => c.choices[0]?.delta);
    expect(deltas).toEqual([{ role: "assistant", content: "" }, { reasoning_content: "Let me see. " }, { reasoning_content: "Done." }, { content: "42" }, {}]);
  });

  it("finishes with content_filter when the prompt is blocked", () => {
    const stream = new GeminiToOpenAIStream(META);
    const acc = accumulateOpenAI(stream.push({ promptFeedback: { blockReason: "OTHER" } }));
    expect(acc.finish).toBe("content_filter");
    expect(stream.finished).toBe(true);
  });
});
