// A streamed answer assembled from the bytes the client got: for each wire format, whatever the
// chunking (events and multi-byte characters split anywhere), the whole answer a non-streamed call
// gives; bounded by maxBytes of text; never thrown off by malformed events.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunksOf, type StreamedAnswer, streamedAnswer, streamedChunks } from "../../../test/kit/arbitraries.ts";
import type { OpenAIChatCompletion, OpenAIChunk } from "../formats/openai.ts";
import type { ResponseObject } from "../formats/responses.ts";
import { encodeSse } from "../sse.ts";
import { encodeResponses, renderAnthropic, renderOpenAI, ResponsesPassState, StreamTally } from "../stream-out.ts";
import { openAIResponseToAnthropic } from "../translate/anthropic-client.ts";
import { ChunksToResponses } from "../translate/responses-stream.ts";
import { StreamAssembler, type StreamFormat } from "./assemble.ts";

const RUNS = { numRuns: 100 };
const encoder = new TextEncoder();

type Wire = string | Uint8Array | [event: string, data: unknown] | object;

/** The SSE bytes of events: raw text as is, `[name, data]` as a named event, anything else as JSON data. */
function wire(events: Wire[]): Uint8Array {
  const parts = events.map((e) =>
    typeof e === "string" ? encoder.encode(e) : e instanceof Uint8Array ? e : Array.isArray(e) ? encodeSse(e[1], e[0]) : encodeSse(e),
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** The bytes fed in pieces of `size`, splitting events, lines and multi-byte characters anywhere. */
function assemble(format: StreamFormat, bytes: Uint8Array, size = bytes.length || 1, maxBytes?: number) {
  const a = new StreamAssembler(format, maxBytes);
  for (let i = 0; i < bytes.length; i += size) a.push(bytes.slice(i, i + size));
  return a.result();
}

/** The bytes fed cut at the given offsets. */
function assembleCut(format: StreamFormat, bytes: Uint8Array, cuts: number[]) {
  const a = new StreamAssembler(format);
  const at = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((x, y) => x - y), bytes.length];
  for (let i = 1; i < at.length; i++) a.push(bytes.slice(at[i - 1], at[i]));
  return a.result();
}

/** The same answer at every chunk size from a byte at a time up. */
function expectSameAtEverySize(format: StreamFormat, bytes: Uint8Array, expected: unknown): void {
  for (let size = 1; size <= 17; size++) expect(assemble(format, bytes, size).answer, `chunks of ${size} bytes`).toEqual(expected);
}

async function* chunkStream(chunks: OpenAIChunk[]): AsyncGenerator<OpenAIChunk, void, undefined> {
  yield* chunks;
}

async function collected(events: AsyncGenerator<Uint8Array, void, undefined>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const bytes of events) parts.push(bytes);
  return wire(parts);
}

const chatChunk = (delta: object, extra: object = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 7,
  model: "gpt-x",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
});

/** The whole completion an arbitrary streamed answer is. */
function completionOf(a: StreamedAnswer): OpenAIChatCompletion {
  const message = {
    role: "assistant" as const,
    content: a.text || (a.calls.length || a.refusal ? null : ""),
    ...(a.refusal ? { refusal: a.refusal } : {}),
    ...(a.reasoning ? { reasoning_content: a.reasoning } : {}),
    ...(a.calls.length
      ? { tool_calls: a.calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) }
      : {}),
  };
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message, finish_reason: a.finish }],
    ...(a.usage ? { usage: a.usage } : {}),
  };
}

describe("OpenAI chat completions", () => {
  const stream = wire([
    chatChunk({ role: "assistant", content: "" }),
    chatChunk({ reasoning_content: "Думаю… " }),
    chatChunk({ reasoning_content: "🤔" }),
    chatChunk({ content: "Привет, " }),
    chatChunk({ content: "мир 👋" }),
    chatChunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_", arguments: "" } }] }),
    chatChunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "time", arguments: '{"tz":' } }] }),
    chatChunk({ tool_calls: [{ index: 0, function: { name: "weather", arguments: '{"city":"Zürich' } }] }),
    chatChunk({
      tool_calls: [
        { index: 1, function: { arguments: '"CET"}' } },
        { index: 0, function: { arguments: '"}' } },
      ],
    }),
    chatChunk({}, { finish_reason: "tool_calls" }),
    {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 7,
      model: "gpt-x",
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
    },
    "data: [DONE]\n\n",
  ]);
  const expected = {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 7,
    model: "gpt-x",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Привет, мир 👋",
          reasoning_content: "Думаю… 🤔",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Zürich"}' } },
            { id: "call_b", type: "function", function: { name: "time", arguments: '{"tz":"CET"}' } },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
  };

  it("assembles text, reasoning and parallel tool calls merged by index, at every chunking", () => {
    expectSameAtEverySize("openai-chat", stream, expected);
    expect(assemble("openai-chat", stream)).toEqual({ answer: expected, truncated: false, events: 12 });
  });

  it("gives what any chunk stream carries, cut anywhere", () => {
    fc.assert(
      fc.property(streamedChunks, fc.array(fc.nat(), { maxLength: 8 }), ({ answer, chunks }, cuts) => {
        fc.pre(chunks.length > 0); // no chunk, no id: the skeleton test below
        const bytes = wire([...chunks, "data: [DONE]\n\n"]);
        expect(assembleCut("openai-chat", bytes, cuts).answer).toEqual(completionOf(answer));
      }),
      RUNS,
    );
  });

  it("reads the stream as the gateway renders it, usage with its cost", async () => {
    const chunks = [
      chatChunk({ content: "Hi" }, { finish_reason: "stop" }),
      { ...chatChunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
    ];
    const bytes = await collected(renderOpenAI(chunkStream(chunks as OpenAIChunk[]), true, new StreamTally(), () => 250));
    expect(assemble("openai-chat", bytes, 5).answer).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 7,
      model: "gpt-x",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, cost: 0.00025 },
    });
  });

  it("keeps an error event sent mid-stream, with the answer so far", () => {
    const bytes = wire([
      chatChunk({ content: "Half an ans" }),
      { error: { message: "upstream died", type: "server_error", param: null, code: "upstream_error" } },
    ]);
    expect(assemble("openai-chat", bytes, 3)).toEqual({
      answer: {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 7,
        model: "gpt-x",
        choices: [{ index: 0, message: { role: "assistant", content: "Half an ans" }, finish_reason: null }],
        error: { message: "upstream died", type: "server_error", param: null, code: "upstream_error" },
      },
      truncated: false,
      events: 2,
    });
  });

  it("merges refusals, the `reasoning` spelling, several choices, and a name a server repeats whole", () => {
    const bytes = wire([
      {
        ...chatChunk({}),
        choices: [
          { index: 1, delta: { content: "second" } },
          { index: 0, delta: { reasoning: "r" } },
        ],
      },
      chatChunk({ refusal: "I can't " }),
      chatChunk({ refusal: "help." }, { finish_reason: "stop" }),
      {
        ...chatChunk({}),
        choices: [{ index: 1, delta: { tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }, finish_reason: null }],
      },
      { ...chatChunk({}), choices: [{ index: 1, delta: { tool_calls: [{ index: 0, function: { name: "f", arguments: "" } }] }, finish_reason: "tool_calls" }] },
    ]);
    const { choices } = assemble("openai-chat", bytes, 4).answer as OpenAIChatCompletion;
    expect(choices).toEqual([
      { index: 0, message: { role: "assistant", content: null, refusal: "I can't help.", reasoning_content: "r" }, finish_reason: "stop" },
      {
        index: 1,
        message: { role: "assistant", content: "second", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
        finish_reason: "tool_calls",
      },
    ]);
  });
});

describe("OpenAI legacy completions", () => {
  it("assembles each choice's text, split anywhere", () => {
    const chunk = (index: number, text: string, finish: string | null = null) => ({
      id: "cmpl-1",
      object: "text_completion",
      created: 3,
      model: "gpt-3.5-turbo-instruct",
      choices: [{ index, text, logprobs: null, finish_reason: finish }],
    });
    const bytes = wire([
      chunk(0, "Once upon"),
      chunk(1, "Es war "),
      chunk(0, " a time… ✨", "length"),
      chunk(1, "einmal", "stop"),
      {
        id: "cmpl-1",
        object: "text_completion",
        created: 3,
        model: "gpt-3.5-turbo-instruct",
        choices: [],
        usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
      },
      "data: [DONE]\n\n",
    ]);
    expectSameAtEverySize("openai-completions", bytes, {
      id: "cmpl-1",
      object: "text_completion",
      created: 3,
      model: "gpt-3.5-turbo-instruct",
      choices: [
        { index: 0, text: "Once upon a time… ✨", finish_reason: "length" },
        { index: 1, text: "Es war einmal", finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 },
    });
  });
});

describe("Anthropic messages", () => {
  const block = (index: number, content_block: object) => ["content_block_start", { type: "content_block_start", index, content_block }] as [string, object];
  const delta = (index: number, d: object) => ["content_block_delta", { type: "content_block_delta", index, delta: d }] as [string, object];
  const stop = (index: number) => ["content_block_stop", { type: "content_block_stop", index }] as [string, object];
  const start = [
    "message_start",
    {
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-x",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 },
      },
    },
  ] as [string, object];

  it("assembles thinking with its signature, text, and tool input parsed at its stop; usage merged", () => {
    const bytes = wire([
      start,
      block(0, { type: "thinking", thinking: "", signature: "" }),
      delta(0, { type: "thinking_delta", thinking: "Let me " }),
      delta(0, { type: "thinking_delta", thinking: "think 🧠" }),
      delta(0, { type: "signature_delta", signature: "EqQBCgIYAhIM" }),
      stop(0),
      ["ping", { type: "ping" }],
      block(1, { type: "redacted_thinking", data: "opaque" }),
      stop(1),
      block(2, { type: "text", text: "" }),
      delta(2, { type: "text_delta", text: "Grüße, " }),
      delta(2, { type: "text_delta", text: "world" }),
      stop(2),
      block(3, { type: "tool_use", id: "toolu_1", name: "lookup", input: {} }),
      delta(3, { type: "input_json_delta", partial_json: "" }),
      delta(3, { type: "input_json_delta", partial_json: '{"q": "caf' }),
      delta(3, { type: "input_json_delta", partial_json: 'é", "n": 2}' }),
      stop(3),
      ["message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 42, input_tokens: null } }],
      ["message_stop", { type: "message_stop" }],
    ]);
    const expected = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [
        { type: "thinking", thinking: "Let me think 🧠", signature: "EqQBCgIYAhIM" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "Grüße, world" },
        { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "café", n: 2 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 42, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 },
    };
    expectSameAtEverySize("anthropic", bytes, expected);
    expect(assemble("anthropic", bytes).events).toBe(20);
  });

  it("keeps tool input that does not parse as its text, a block the stream cut, and an error event", () => {
    const bytes = wire([
      start,
      block(0, { type: "tool_use", id: "toolu_1", name: "f", input: {} }),
      delta(0, { type: "input_json_delta", partial_json: '{"a": tru' }),
      stop(0),
      block(1, { type: "text", text: "" }),
      delta(1, { type: "text_delta", text: "cut sh" }),
      ["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }],
    ]);
    expect(assemble("anthropic", bytes, 6).answer).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [
        { type: "tool_use", id: "toolu_1", name: "f", input: '{"a": tru' },
        { type: "text", text: "cut sh" },
      ],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 },
      error: { type: "overloaded_error", message: "Overloaded" },
    });
  });

  it("gives what the non-streamed translation gives, for any answer the gateway renders as Anthropic events", async () => {
    // One call at most and no refusal: the stream puts a refusal in the text block and may split interleaved calls.
    const answers = streamedAnswer.map((a) => ({ ...a, refusal: "", calls: a.calls.slice(0, 1) }));
    await fc.assert(
      fc.asyncProperty(
        answers.chain((answer) => chunksOf(answer).map((chunks) => ({ answer, chunks }))),
        fc.array(fc.nat(), { maxLength: 8 }),
        async ({ answer, chunks }, cuts) => {
          const bytes = await collected(renderAnthropic(chunkStream(chunks), { id: "chatcmpl-1", model: "m" }, new StreamTally()));
          expect(assembleCut("anthropic", bytes, cuts).answer).toEqual(openAIResponseToAnthropic(completionOf(answer), "m"));
        },
      ),
      RUNS,
    );
  });
});

describe("OpenAI Responses", () => {
  const BASE: ResponseObject = {
    id: "resp_1",
    object: "response",
    created_at: 1,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    model: "m",
    output: [],
    usage: null,
  };

  function translated(chunks: OpenAIChunk[]) {
    const writer = new ChunksToResponses(BASE);
    const events = [...writer.start(), ...chunks.flatMap((c) => writer.push(c)), ...writer.end()];
    return { events, final: writer.final! };
  }

  it("takes the final response, or without it the items the stream finished, cut anywhere", () => {
    fc.assert(
      fc.property(streamedChunks, fc.array(fc.nat(), { maxLength: 8 }), ({ chunks }, cuts) => {
        const { events, final } = translated(chunks);
        expect(assembleCut("responses", encodeResponses(events), cuts).answer).toEqual(final);
        const withoutEnd = encodeResponses(events.slice(0, -1));
        expect(assembleCut("responses", withoutEnd, cuts).answer).toEqual({ ...BASE, status: "incomplete", output: final.output });
      }),
      RUNS,
    );
  });

  it("assembles the items a cut stream left open from their deltas", () => {
    const { events } = translated([
      chatChunk({ reasoning_content: "hmm" }) as OpenAIChunk,
      chatChunk({ content: "Sure — " }) as OpenAIChunk,
      chatChunk({ content: "calling 📞" }) as OpenAIChunk,
      chatChunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "dial", arguments: '{"n":' } }] }) as OpenAIChunk,
    ]);
    // Up to the call's first arguments: the reasoning and the message are done, the call is open.
    const upTo = events.findIndex((e) => e.type === "response.function_call_arguments.delta");
    const { answer, truncated } = assemble("responses", encodeResponses(events.slice(0, upTo + 1)), 9);
    expect(truncated).toBe(false);
    expect(answer).toMatchObject({
      ...BASE,
      status: "incomplete",
      output: [
        { type: "reasoning", summary: [{ type: "summary_text", text: "hmm" }] },
        { type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Sure — calling 📞" }] },
        { type: "function_call", call_id: "call_1", name: "dial", arguments: '{"n":', status: "incomplete" },
      ],
    });
    // Only deltas, no item events: the text as one message.
    const bare = wire([
      { type: "response.output_text.delta", output_index: 0, delta: "par" },
      { type: "response.output_text.delta", output_index: 0, delta: "tial" },
    ]);
    expect(assemble("responses", bare, 2).answer).toEqual({
      status: "incomplete",
      output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "partial", annotations: [] }] }],
    });
  });

  it("uses response.incomplete and response.failed as they come, the deltas when a failure carries no output", () => {
    const incomplete = { ...BASE, status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ type: "message", content: [] }] };
    expect(assemble("responses", wire([["response.incomplete", { type: "response.incomplete", response: incomplete }]])).answer).toEqual(incomplete);

    const state = new ResponsesPassState();
    state.response = BASE;
    const cut = wire([
      ["response.created", { type: "response.created", response: BASE }],
      ["response.output_text.delta", { type: "response.output_text.delta", output_index: 0, delta: "so far" }],
      state.failure("upstream went away"),
    ]);
    expect(assemble("responses", cut, 11).answer).toEqual({
      ...BASE,
      status: "failed",
      error: { code: "server_error", message: "upstream went away" },
      output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "so far", annotations: [] }] }],
    });
  });

  it("keeps an error event", () => {
    const bytes = wire([["error", { type: "error", sequence_number: 3, code: "rate_limit_exceeded", message: "Slow down", param: null }]]);
    expect(assemble("responses", bytes).answer).toMatchObject({ error: { code: "rate_limit_exceeded", message: "Slow down", param: null } });
  });
});

describe("the text budget", () => {
  const BASE_RESPONSE = { id: "resp_2", object: "response", status: "completed", model: "m" };
  const text = (content: string) => wire([chatChunk({ content })]);
  const contentOf = (r: { answer: unknown }) => (r.answer as OpenAIChatCompletion).choices[0]?.message.content;

  it("keeps exactly maxBytes of UTF-8 and says when more came, never splitting a character", () => {
    // "é" is 2 bytes, "👋" 4: 10 bytes in all.
    const bytes = text("abé👋cd");
    expect(assemble("openai-chat", bytes, 3, 10)).toMatchObject({ truncated: false });
    expect(contentOf(assemble("openai-chat", bytes, 3, 10))).toBe("abé👋cd");
    const r = assemble("openai-chat", bytes, 3, 9);
    expect([contentOf(r), r.truncated]).toEqual(["abé👋c", true]);
    expect(contentOf(assemble("openai-chat", bytes, 3, 7))).toBe("abé");
    expect(contentOf(assemble("openai-chat", bytes, 3, 3))).toBe("ab");
  });

  it("drops all text after the first that did not fit, tool arguments and reasoning counted", () => {
    const bytes = wire([
      chatChunk({ reasoning_content: "12345" }),
      chatChunk({ tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "6789" } }] }),
      chatChunk({ content: "too long" }),
      chatChunk({ content: "x" }),
    ]);
    const { answer, truncated } = assemble("openai-chat", bytes, 8, 12);
    expect(truncated).toBe(true);
    expect((answer as OpenAIChatCompletion).choices[0]?.message).toEqual({
      role: "assistant",
      content: "too",
      reasoning_content: "12345",
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "6789" } }],
    });
  });

  it("holds Anthropic blocks and a final Responses response to it too", () => {
    const anthropic = wire([
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "0123456789" } }],
    ]);
    expect(assemble("anthropic", anthropic, 7, 4)).toMatchObject({ answer: { content: [{ type: "text", text: "0123" }] }, truncated: true });

    const response = {
      ...BASE_RESPONSE,
      output: [
        { type: "message", content: [{ type: "output_text", text: "0123456789" }] },
        { type: "function_call", arguments: "{}" },
      ],
    };
    const responses = wire([{ type: "response.completed", response }]);
    expect(assemble("responses", responses, 7, 6)).toEqual({
      answer: {
        ...BASE_RESPONSE,
        output: [
          { type: "message", content: [{ type: "output_text", text: "012345" }] },
          { type: "function_call", arguments: "" },
        ],
      },
      truncated: true,
      events: 1,
    });
    expect(assemble("responses", responses, 7, 12)).toMatchObject({ answer: response, truncated: false });
  });
});

describe("malformed input", () => {
  it("never throws: skips what it cannot read and counts every event", () => {
    const junk = [
      "data: not json\n\n",
      "data: [1,2]\n\n",
      "data: null\n\n",
      "data: 42\n\n",
      ": a comment is no event\n\n",
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":9,"delta":{"type":"text_delta","text":"orphan"}}\n\n',
      'data: {"type":"content_block_start","index":0,"content_block":"text"}\n\n',
      'data: {"type":"content_block_delta","index":"0","delta":null}\n\n',
      'data: {"type":"message_delta","delta":5,"usage":[1]}\n\n',
      'data: {"choices":"all of them"}\n\n',
      'data: {"choices":[null,{"index":"x","delta":{"tool_calls":[null,{"index":0,"function":7}]}}]}\n\n',
      'data: {"type":"response.output_item.done","item":null}\n\n',
      'data: {"type":"response.completed","response":"done"}\n\n',
      'data: {"type":"response.function_call_arguments.delta","output_index":{},"delta":3}\n\n',
      "data: [DONE]\n\n",
      "data: {unterminated",
    ];
    for (const format of ["openai-chat", "openai-completions", "anthropic", "responses"] as const) {
      for (const size of [1, 5, 64]) {
        const result = assemble(format, wire(junk), size);
        expect(result.events, format).toBe(15);
        expect(result.truncated).toBe(false);
      }
    }
  });

  it("gives the skeleton of an answer for a stream with nothing in it", () => {
    const empty = new Uint8Array();
    expect(assemble("openai-chat", empty).answer).toEqual({
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "" }, finish_reason: null }],
    });
    expect(assemble("openai-completions", empty).answer).toEqual({ object: "text_completion", choices: [{ index: 0, text: "", finish_reason: null }] });
    expect(assemble("anthropic", empty).answer).toEqual({ type: "message", role: "assistant", content: [], stop_reason: null, stop_sequence: null });
    expect(assemble("responses", empty).answer).toEqual({ status: "incomplete", output: [] });
    expect(assemble("anthropic", empty).events).toBe(0);
  });

  it("reads CRLF line ends and events without their final blank line", () => {
    const bytes = encoder.encode(
      'data: {"id":"a","choices":[{"index":0,"delta":{"content":"x"}}]}\r\n\r\ndata: {"id":"a","choices":[{"index":0,"delta":{"content":"y"},"finish_reason":"stop"}]}',
    );
    expect(assemble("openai-chat", bytes, 1)).toEqual({
      answer: { id: "a", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "xy" }, finish_reason: "stop" }] },
      truncated: false,
      events: 2,
    });
  });
});
