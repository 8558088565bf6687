// Canonical chat answers → OpenAI's Responses API: whole, and streamed in its event grammar. A
// stream is well-formed (the strict checker), its deltas fold back to the content, and its final
// Response is what the done events carried and what the same answer whole gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkResponsesStream, type StreamEvent } from "../../../test/kit/responses-grammar.ts";
import { streamedChunks } from "../../../test/kit/arbitraries.ts";
import type { OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "../formats/openai.ts";
import type { OutputItem, ResponseObject, ResponsesEvent } from "../formats/responses.ts";
import { UpstreamError } from "../upstream.ts";
import { completionToResponse, newItemId, usageToResponses } from "./responses-output.ts";
import { ChunksToResponses } from "./responses-stream.ts";

const RUNS = { numRuns: 200 };

const BASE: ResponseObject = {
  id: "resp_1",
  object: "response",
  created_at: 1,
  status: "in_progress",
  error: null,
  incomplete_details: null,
  instructions: "Be brief.",
  model: "test/model",
  output: [],
  tools: [{ type: "function", name: "get_weather", parameters: { type: "object" } }],
  usage: null,
};

const asStream = (events: ResponsesEvent[]) => events as StreamEvent[];

function translate(chunks: OpenAIChunk[]): { events: ResponsesEvent[]; writer: ChunksToResponses } {
  const writer = new ChunksToResponses(BASE);
  const events = [...writer.start(), ...chunks.flatMap((c) => writer.push(c)), ...writer.end()];
  return { events, writer };
}

/** The whole completion the chunks make, accumulated as openai-node does (tool calls by index). */
function completionOf(chunks: OpenAIChunk[]): OpenAIChatCompletion {
  let [content, refusal, reasoning] = ["", "", ""];
  const calls: OpenAIToolCall[] = [];
  let finish: OpenAIFinishReason | null = null;
  let usage: OpenAIUsage | undefined;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const { delta, finish_reason } of chunk.choices) {
      reasoning += delta.reasoning_content || delta.reasoning || "";
      content += delta.content ?? "";
      refusal += delta.refusal ?? "";
      for (const d of delta.tool_calls ?? []) {
        const call = (calls[d.index] ??= { id: d.id ?? "", type: "function", function: { name: "", arguments: "" } });
        if (d.function?.name) call.function.name = d.function.name;
        call.function.arguments += d.function?.arguments ?? "";
      }
      finish = finish_reason ?? finish;
    }
  }
  const message = { role: "assistant" as const, content: content || null, refusal: refusal || null, reasoning_content: reasoning || null };
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { ...message, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
}

/** A response with its items' ids blanked (call_id is the canonical call's, so it stays). */
const withoutIds = (r: ResponseObject | null) => r && { ...r, output: r.output.map((item) => ({ ...item, id: item.type })) };

const ofType = (events: ResponsesEvent[], type: string) => events.filter((e) => e.type === type);
const joined = (events: ResponsesEvent[], type: string) =>
  ofType(events, type)
    .map((e) => e.delta as string)
    .join("");
const doneItems = (events: ResponsesEvent[]) => ofType(events, "response.output_item.done").map((e) => e.item as OutputItem);

/** What the deltas say, fold by fold. */
function folded(events: ResponsesEvent[]) {
  const calls = doneItems(events).flatMap((item) => (item.type === "function_call" ? [item] : []));
  return {
    reasoning: joined(events, "response.reasoning_summary_text.delta"),
    text: joined(events, "response.output_text.delta"),
    refusal: joined(events, "response.refusal.delta"),
    calls: calls.map((item) => ({
      id: item.call_id,
      name: item.name,
      arguments: ofType(events, "response.function_call_arguments.delta")
        .filter((e) => e.item_id === item.id)
        .map((e) => e.delta)
        .join(""),
    })),
  };
}

/** Items are sequential: one open at a time, except function calls, which may be open together. */
function expectSequential(events: ResponsesEvent[]): void {
  const open = new Map<number, string>();
  for (const e of events) {
    const item = e.item as OutputItem | undefined;
    if (e.type === "response.output_item.added" && item) {
      const others = [...open.values()];
      expect(
        others.every((type) => type === "function_call" && item.type === "function_call"),
        `${item.type} added while ${others} open`,
      ).toBe(true);
      open.set(e.output_index as number, item.type);
    }
    if (e.type === "response.output_item.done") open.delete(e.output_index as number);
  }
}

describe("canonical chunks → Responses events", () => {
  it("are well-formed, fold back to the content, and end in what the whole answer gives", () => {
    fc.assert(
      fc.property(streamedChunks, ({ answer, chunks }) => {
        const { events, writer } = translate(chunks);
        checkResponsesStream(asStream(events));
        expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
        expect(events.slice(0, 2).map((e) => e.type)).toEqual(["response.created", "response.in_progress"]);
        expectSequential(events);

        const { finish: _finish, usage: _usage, ...content } = answer;
        expect(folded(events)).toEqual(content);

        const final = writer.final!;
        expect(events.at(-1)).toEqual({ type: `response.${final.status}`, sequence_number: events.length - 1, response: final });
        expect(final.output).toEqual(doneItems(events));
        expect(withoutIds(final)).toEqual(withoutIds(completionToResponse(completionOf(chunks), BASE)));
        expect(final.usage).toEqual(usageToResponses(answer.usage));
      }),
      RUNS,
    );
  });

  it("ends in response.failed, with the items done so far, after any prefix", () => {
    const cut = streamedChunks.chain((s) => fc.nat({ max: s.chunks.length }).map((at) => ({ ...s, at })));
    fc.assert(
      fc.property(cut, ({ chunks, at }) => {
        const writer = new ChunksToResponses(BASE);
        const events = [...writer.start(), ...chunks.slice(0, at).flatMap((c) => writer.push(c))];
        events.push(writer.failed("Upstream stream failed."));
        checkResponsesStream(asStream(events));
        const last = events.at(-1)!;
        expect(last).toMatchObject({ type: "response.failed", sequence_number: events.length - 1 });
        const response = last.response as ResponseObject;
        expect(response).toMatchObject({ id: BASE.id, status: "failed", error: { code: "server_error", message: "Upstream stream failed." } });
        expect(response.output).toEqual(doneItems(events));
        expect(writer.final).toBeNull();
      }),
      RUNS,
    );
  });
});

// --- Examples ---------------------------------------------------------------------------------

const chunk = (delta: OpenAIChunk["choices"][number]["delta"], finish: OpenAIFinishReason | null = null): OpenAIChunk => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const USAGE: OpenAIUsage = {
  prompt_tokens: 100,
  completion_tokens: 40,
  total_tokens: 140,
  prompt_tokens_details: { cached_tokens: 60 },
  completion_tokens_details: { reasoning_tokens: 25 },
};

function completion(
  message: Partial<OpenAIChatCompletion["choices"][number]["message"]>,
  finish: OpenAIFinishReason | null,
  usage?: OpenAIUsage,
): OpenAIChatCompletion {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
}

describe("usageToResponses", () => {
  it("maps prompt, cached, completion and reasoning tokens", () => {
    expect(usageToResponses(USAGE)).toEqual({
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 60 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 25 },
      total_tokens: 140,
    });
    expect(usageToResponses({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: null })).toMatchObject({
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 7,
    });
    expect(usageToResponses(null)).toEqual({
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    });
  });
});

describe("completionToResponse", () => {
  it("answers text as a completed message, echoing the request's fields", () => {
    const response = completionToResponse(completion({ content: "Hello." }, "stop", USAGE), BASE);
    expect(response).toMatchObject({
      id: "resp_1",
      object: "response",
      status: "completed",
      error: null,
      incomplete_details: null,
      instructions: "Be brief.",
      tools: BASE.tools,
      model: "test/model",
      output: [{ type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello.", annotations: [], logprobs: [] }] }],
      usage: usageToResponses(USAGE),
    });
    expect(response.output[0]!.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it("lists reasoning, then the message, then function calls", () => {
    const calls: OpenAIToolCall[] = [
      { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
    ];
    const response = completionToResponse(completion({ reasoning_content: "Two lookups.", content: "Checking.", tool_calls: calls }, "tool_calls"), BASE);
    expect(response.status).toBe("completed");
    expect(response.output).toMatchObject([
      { type: "reasoning", summary: [{ type: "summary_text", text: "Two lookups." }] },
      { type: "message", status: "completed", content: [{ type: "output_text", text: "Checking." }] },
      { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
      { type: "function_call", call_id: "call_2", name: "get_time", arguments: "{}", status: "completed" },
    ]);
    expect(response.output[0]).not.toHaveProperty("status");
    expect(response.output.map((item) => item.id.slice(0, 3))).toEqual(["rs_", "msg", "fc_", "fc_"]);
  });

  it("answers only function calls without a message, and nothing as an empty message", () => {
    const call: OpenAIToolCall = { id: "call_1", type: "function", function: { name: "f", arguments: "{}" } };
    expect(completionToResponse(completion({ content: "", tool_calls: [call] }, "tool_calls"), BASE).output.map((i) => i.type)).toEqual(["function_call"]);
    expect(completionToResponse(completion({ content: null }, "stop"), BASE).output).toMatchObject([
      { type: "message", status: "completed", content: [{ type: "output_text", text: "" }] },
    ]);
  });

  it("answers a refusal as a refusal part", () => {
    expect(completionToResponse(completion({ refusal: "I can't help with that." }, "stop"), BASE).output).toMatchObject([
      { type: "message", content: [{ type: "refusal", refusal: "I can't help with that." }] },
    ]);
  });

  it("is incomplete when cut by max tokens or the content filter, the last item with it", () => {
    const long = completionToResponse(completion({ content: "Once upon" }, "length"), BASE);
    expect(long).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ status: "incomplete" }] });
    const filtered = completionToResponse(completion({ content: "" }, "content_filter"), BASE);
    expect(filtered).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" }, output: [{ status: "incomplete" }] });
    const call: OpenAIToolCall = { id: "call_1", type: "function", function: { name: "f", arguments: '{"a":' } };
    const cutCall = completionToResponse(completion({ content: "Calling.", tool_calls: [call] }, "length"), BASE);
    expect(cutCall.output.map((item) => (item.type === "reasoning" ? null : item.status))).toEqual(["completed", "incomplete"]);
    for (const finish of ["stop", "tool_calls", "function_call", null] as const) {
      expect(completionToResponse(completion({ content: "x" }, finish), BASE)).toMatchObject({ status: "completed", incomplete_details: null });
    }
  });

  it("counts no usage as zeros", () => {
    expect(completionToResponse(completion({ content: "x" }, "stop"), BASE).usage).toEqual(usageToResponses(undefined));
  });
});

describe("ChunksToResponses", () => {
  it("streams text in OpenAI's grammar", () => {
    const { events, writer } = translate([chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }, "stop")]);
    checkResponsesStream(asStream(events));
    const id = writer.final!.output[0]!.id;
    const at = { item_id: id, output_index: 0, content_index: 0 };
    expect(events.map(({ sequence_number: _n, response: _r, ...e }) => e)).toEqual([
      { type: "response.created" },
      { type: "response.in_progress" },
      { type: "response.output_item.added", output_index: 0, item: { type: "message", id, status: "in_progress", role: "assistant", content: [] } },
      { type: "response.content_part.added", ...at, part: { type: "output_text", text: "", annotations: [], logprobs: [] } },
      { type: "response.output_text.delta", ...at, delta: "Hel", logprobs: [] },
      { type: "response.output_text.delta", ...at, delta: "lo", logprobs: [] },
      { type: "response.output_text.done", ...at, text: "Hello", logprobs: [] },
      { type: "response.content_part.done", ...at, part: { type: "output_text", text: "Hello", annotations: [], logprobs: [] } },
      {
        type: "response.output_item.done",
        output_index: 0,
        item: { type: "message", id, status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }] },
      },
      { type: "response.completed" },
    ]);
    expect(events[0]!.response).toEqual(BASE);
    expect(events.at(-1)!.response).toMatchObject({ status: "completed", usage: usageToResponses(null) });
  });

  it("streams reasoning as a summary and function calls with their arguments", () => {
    const { events, writer } = translate([
      chunk({ reasoning_content: "Think" }),
      chunk({ reasoning_content: "ing." }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, "tool_calls"),
    ]);
    checkResponsesStream(asStream(events));
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[3]).toMatchObject({ summary_index: 0, part: { type: "summary_text", text: "" } });
    expect(events[9]).toMatchObject({ item: { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "", status: "in_progress" } });
    expect(events[12]).toMatchObject({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(writer.final!.output).toMatchObject([
      { type: "reasoning", summary: [{ type: "summary_text", text: "Thinking." }] },
      { type: "function_call", call_id: "call_1", arguments: '{"city":"Paris"}', status: "completed" },
    ]);
  });

  it("streams a refusal as refusal deltas", () => {
    const { events, writer } = translate([chunk({ refusal: "I can't " }), chunk({ refusal: "help." }, "stop")]);
    checkResponsesStream(asStream(events));
    expect(ofType(events, "response.content_part.added")[0]).toMatchObject({ part: { type: "refusal", refusal: "" } });
    expect(ofType(events, "response.refusal.done")[0]).toMatchObject({ refusal: "I can't help." });
    expect(writer.final!.output).toMatchObject([{ type: "message", content: [{ type: "refusal", refusal: "I can't help." }] }]);
  });

  it("ends incomplete on length or content filter, the last item incomplete", () => {
    for (const [finish, reason] of [
      ["length", "max_output_tokens"],
      ["content_filter", "content_filter"],
    ] as const) {
      const { events, writer } = translate([chunk({ content: "Once upon" }, finish)]);
      checkResponsesStream(asStream(events));
      expect(events.at(-1)!.type).toBe("response.incomplete");
      expect(writer.final).toMatchObject({ status: "incomplete", incomplete_details: { reason }, output: [{ status: "incomplete" }] });
    }
  });

  it("answers an empty stream with one empty message, and usage-only chunks with no events", () => {
    const writer = new ChunksToResponses(BASE);
    const events = writer.start();
    expect(writer.push({ ...chunk({}), choices: [], usage: USAGE })).toEqual([]);
    events.push(...writer.end());
    checkResponsesStream(asStream(events));
    expect(writer.final).toMatchObject({ status: "completed", output: [{ type: "message", content: [{ type: "output_text", text: "" }] }] });
    expect(writer.final!.usage).toEqual(usageToResponses(USAGE));
    expect(writer.end()).toEqual([]);
  });

  it("begins the stream on the first push when start() comes after it", () => {
    const writer = new ChunksToResponses(BASE);
    const events = writer.push(chunk({ content: "Hi" }));
    events.unshift(...writer.start());
    events.push(...writer.end());
    checkResponsesStream(asStream(events));
    expect(events[0]!.type).toBe("response.created");
  });

  it("keeps parallel calls open together, so interleaved deltas land in their own calls", () => {
    const { events, writer } = translate([
      chunk({ tool_calls: [{ index: 0, id: "call_a", function: { name: "a", arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_b", function: { name: "b", arguments: '{"y":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: "2}" } }] }, "tool_calls"),
    ]);
    checkResponsesStream(asStream(events));
    expect(writer.final!.output).toMatchObject([
      { call_id: "call_a", arguments: '{"x":1}' },
      { call_id: "call_b", arguments: '{"y":2}' },
    ]);
  });

  it("closes function calls when other content follows, and refuses a call continued after it", () => {
    const writer = new ChunksToResponses(BASE);
    const events = [
      ...writer.start(),
      ...writer.push(chunk({ tool_calls: [{ index: 0, id: "call_a", function: { name: "a", arguments: "{" } }] })),
      ...writer.push(chunk({ content: "Meanwhile." })),
    ];
    expect(ofType(events, "response.output_item.done")).toMatchObject([{ item: { type: "function_call", arguments: "{" } }]);
    expect(() => writer.push(chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }))).toThrow(UpstreamError);
    events.push(...writer.push(chunk({ tool_calls: [{ index: 1, id: "call_b", function: { name: "b" } }] })));
    // In one chunk too: the content would close the call before its delta is read.
    expect(() => writer.push(chunk({ content: "x", tool_calls: [{ index: 1, function: { arguments: "{}" } }] }))).toThrow(UpstreamError);
    events.push(writer.failed("Upstream stream failed."));
    checkResponsesStream(asStream(events));
  });

  it("gives a call without an id one, and takes the name from a later delta", () => {
    const { events, writer } = translate([
      chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { name: "late" } }] }),
    ]);
    checkResponsesStream(asStream(events));
    expect(writer.final!.output).toMatchObject([{ type: "function_call", name: "late", arguments: "{}", call_id: expect.stringMatching(/^call_/) }]);
  });

  it("reads reasoning from `reasoning` too, once when a server sends both fields", () => {
    const { writer } = translate([chunk({ reasoning: "Hmm." }), chunk({ reasoning_content: "Yes.", reasoning: "Yes." }), chunk({ content: "Done." })]);
    expect(writer.final!.output).toMatchObject([{ type: "reasoning", summary: [{ text: "Hmm.Yes." }] }, { type: "message" }]);
  });
});

describe("newItemId", () => {
  it("makes distinct prefixed ids", () => {
    for (const prefix of ["msg", "fc", "rs"] as const) expect(newItemId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9a-f]{32}$`));
    expect(newItemId("msg")).not.toBe(newItemId("msg"));
  });
});

// --- The checker ------------------------------------------------------------------------------

/** A real OpenAI stream's shape: reasoning summary, web search, an annotated message. */
function openAIStream(): StreamEvent[] {
  const message = { type: "message", id: "msg_1", status: "completed", role: "assistant", content: [] as unknown[] };
  const part = { type: "output_text", text: "Sunny.", annotations: [{ type: "url_citation", url: "https://x.example" }], logprobs: [] };
  const reasoning = { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Look it up." }] };
  const search = { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "weather" } };
  const at = { item_id: "msg_1", output_index: 2, content_index: 0 };
  const rs = { item_id: "rs_1", output_index: 0, summary_index: 0 };
  const response = (status: string, output: unknown[]) => ({ id: "resp_1", object: "response", status, output, usage: null });
  const events: Record<string, unknown>[] = [
    { type: "response.created", response: response("in_progress", []) },
    { type: "response.in_progress", response: response("in_progress", []) },
    { type: "response.output_item.added", output_index: 0, item: { ...reasoning, summary: [] } },
    { type: "response.reasoning_summary_part.added", ...rs, part: { type: "summary_text", text: "" } },
    { type: "response.reasoning_summary_text.delta", ...rs, delta: "Look it up.", obfuscation: "x" },
    { type: "response.reasoning_summary_text.done", ...rs, text: "Look it up." },
    { type: "response.reasoning_summary_part.done", ...rs, part: { type: "summary_text", text: "Look it up." } },
    { type: "response.output_item.done", output_index: 0, item: reasoning },
    { type: "response.output_item.added", output_index: 1, item: { ...search, status: "in_progress", action: undefined } },
    { type: "response.web_search_call.in_progress", output_index: 1, item_id: "ws_1" },
    { type: "response.web_search_call.searching", output_index: 1, item_id: "ws_1" },
    { type: "response.web_search_call.completed", output_index: 1, item_id: "ws_1" },
    { type: "response.output_item.done", output_index: 1, item: search },
    { type: "response.output_item.added", output_index: 2, item: { ...message, status: "in_progress" } },
    { type: "response.content_part.added", ...at, part: { ...part, text: "", annotations: [] } },
    { type: "response.output_text.delta", ...at, delta: "Sun", logprobs: [] },
    { type: "response.output_text.delta", ...at, delta: "ny.", logprobs: [] },
    { type: "response.output_text.annotation.added", ...at, annotation_index: 0, annotation: part.annotations[0] },
    { type: "response.output_text.done", ...at, text: "Sunny.", logprobs: [] },
    { type: "response.content_part.done", ...at, part },
    { type: "response.output_item.done", output_index: 2, item: { ...message, content: [part] } },
    { type: "response.completed", response: response("completed", [reasoning, search, { ...message, content: [part] }]) },
  ];
  return events.map((e, sequence_number) => ({ ...e, sequence_number }) as StreamEvent);
}

/** `events` with `edit` applied to a copy, sequence numbers renumbered unless `keepNumbers`. */
function edited(edit: (events: StreamEvent[]) => void, keepNumbers = false): StreamEvent[] {
  const events = structuredClone(openAIStream());
  edit(events);
  return keepNumbers ? events : events.map((e, i) => ({ ...e, sequence_number: i }));
}

const at = (events: StreamEvent[], type: string, nth = 0) => events.filter((e) => e.type === type)[nth]!;

describe("checkResponsesStream", () => {
  it("accepts a real OpenAI stream, built-in tools and annotations included", () => {
    expect(() => checkResponsesStream(openAIStream())).not.toThrow();
  });

  it.each<[string, (events: StreamEvent[]) => void, RegExp, boolean?]>([
    ["an unknown event type", (e) => e.splice(3, 0, { type: "response.mystery", sequence_number: 0 }), /unknown event type/],
    ["no terminal event", (e) => e.pop(), /without response\.completed/],
    ["two terminal events", (e) => e.push({ ...e.at(-1)! }), /an event after response\.completed/],
    ["a missing response.created", (e) => e.shift(), /response\.created must be the first/],
    ["a second response.created", (e) => e.splice(1, 0, { ...e[0]! }), /response\.created must be the first/],
    ["a sequence gap", (e) => (e[5]!.sequence_number = 9), /sequence_number 9, expected 5/, true],
    ["a delta for an item not open", (e) => e.splice(9, 0, { ...at(e, "response.output_text.delta") }), /names no item added/],
    ["a delta for an item done", (e) => e.splice(8, 0, { ...at(e, "response.reasoning_summary_text.delta") }), /already done/],
    ["a done text that is not the deltas joined", (e) => (at(e, "response.output_text.done").text = "Sunny!"), /the done text \(the deltas joined\)/],
    ["a part done unlike its text", (e) => ((at(e, "response.content_part.done").part as { text: string }).text = "Sun"), /the done part's text/],
    ["an item done unlike its parts", (e) => ((at(e, "response.output_item.done", 2).item as { content: unknown[] }).content = []), /the message's content/],
    ["an item added out of order", (e) => (at(e, "response.output_item.added", 2).output_index = 3), /output_index 3, expected 2/],
    ["a terminal output unlike the items done", (e) => (e.at(-1)!.response as { output: unknown[] }).output.pop(), /response\.output \(the items done\)/],
    ["an item left open", (e) => e.splice(-2, 1), /items 2 are not done/],
    ["a wrong item_id", (e) => (at(e, "response.output_text.delta").item_id = "msg_2"), /item_id "msg_2" is not item 2's id/],
  ])("rejects %s", (_name, edit, message, keepNumbers) => {
    expect(() => checkResponsesStream(edited(edit, keepNumbers))).toThrow(message);
  });

  it("accepts response.failed with some of the items done, and rejects one with items never done", () => {
    const failed = (output: unknown[]) => (e: StreamEvent[]) =>
      e.splice(8, e.length, {
        type: "response.failed",
        sequence_number: 0,
        response: { status: "failed", output, error: { code: "server_error", message: "x" } },
      });
    const reasoning = at(openAIStream(), "response.output_item.done").item;
    expect(() => checkResponsesStream(edited(failed([])))).not.toThrow();
    expect(() => checkResponsesStream(edited(failed([reasoning])))).not.toThrow();
    expect(() => checkResponsesStream(edited(failed([{ type: "message", id: "msg_9" }])))).toThrow(/an item not done/);
  });

  it("rejects a function call whose arguments are not the deltas joined", () => {
    const writer = new ChunksToResponses(BASE);
    const events = asStream([
      ...writer.start(),
      ...writer.push(chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"a":1}' } }] })),
      ...writer.end(),
    ]);
    at(events, "response.function_call_arguments.done").arguments = '{"a":2}';
    expect(() => checkResponsesStream(events)).toThrow(/the done arguments/);
  });
});
