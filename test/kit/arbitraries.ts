// Test-only: fast-check generators for the translation tests, and reducers that keep what a
// conversation or a stream means, so a translation may reshape it (merge turns, split deltas)
// and still be compared. Imported only by translate/*.test.ts.
import fc from "fast-check";
import { expect } from "vitest";
import type { AnthropicResponseBlock, AnthropicStopReason, AnthropicStreamEvent, AnthropicUsage } from "../../worker/gateway/formats/anthropic.ts";
import type { OpenAIChunk, OpenAIFinishReason, OpenAIToolCallDelta, OpenAIUsage } from "../../worker/gateway/formats/openai.ts";
import { type ChatCompletionRequest, type ChatMessage, chatCompletionRequest, messageText } from "../../worker/gateway/openai-schema.ts";

export const text = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 8, unit: "grapheme" }));
export const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/).filter((n) => n !== "json_response");
/** JSON as it survives the wire: -0 has no JSON form (it arrives as 0), so it is not generated. */
const wireJson = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as fc.JsonValue);

// A fixed seed: CI runs are reproducible; change it to explore other inputs.
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: 20_261_124 });

export const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), wireJson, { maxKeys: 4 });
export const tokens = fc.nat({ max: 1_000_000 });

const dataUrl = fc
  .record({ mime: fc.constantFrom("image/png", "image/jpeg", "image/webp", "image/gif"), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) })
  .map(({ mime, bytes }) => `data:${mime};base64,${btoa(String.fromCharCode(...bytes))}`);
const httpsUrl = fc.stringMatching(/^[a-z0-9]{1,10}(\/[a-z0-9]{1,10}){0,2}\.(png|jpg|webp)$/).map((p) => `https://img.example.com/${p}`);
export const imageUrl = fc.oneof(dataUrl, httpsUrl);

/** `s` cut into 1..n pieces at code point boundaries (as a provider's deltas would be). */
export function pieces(s: string): fc.Arbitrary<string[]> {
  const chars = Array.from(s);
  if (chars.length < 2) return fc.constant([s]);
  return fc.uniqueArray(fc.integer({ min: 1, max: chars.length - 1 }), { maxLength: 6 }).map((cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), chars.length];
    return at.slice(1).map((end, i) => chars.slice(at[i], end).join(""));
  });
}

// --- OpenAI requests ---------------------------------------------------------------------

const textPart = text.map((t) => ({ type: "text" as const, text: t }));
const imagePart = imageUrl.map((url) => ({ type: "image_url" as const, image_url: { url } }));
const userContent = fc.oneof(text, fc.array(fc.oneof(textPart, imagePart), { minLength: 1, maxLength: 4 }));
const toolResult = fc.oneof(
  text,
  wireJson.map((v) => JSON.stringify(v)),
  fc.array(textPart, { minLength: 1, maxLength: 3 }),
);

type Step =
  | { kind: "user"; content: string | { type: string }[] }
  | { kind: "assistant"; text: string }
  | { kind: "tools"; text: string | undefined; pretty: boolean; calls: { name: string; args: Record<string, unknown>; result: string | { type: string }[] }[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  userContent.map((content) => ({ kind: "user" as const, content })),
  text.map((t) => ({ kind: "assistant" as const, text: t })),
  fc.record({
    kind: fc.constant("tools" as const),
    text: fc.option(text, { nil: undefined }),
    pretty: fc.boolean(),
    calls: fc.array(fc.record({ name: toolName, args: jsonObject, result: toolResult }), { minLength: 1, maxLength: 3 }),
  }),
);

const toolDef = fc.record({
  name: toolName,
  description: fc.option(text, { nil: undefined }),
  parameters: fc.option(
    fc.oneof(
      fc.dictionary(toolName, fc.constantFrom({ type: "string" }, { type: "number" }), { maxKeys: 3 }).map((properties) => ({ type: "object", properties })),
      jsonObject,
    ),
    { nil: undefined },
  ),
});

function messagesOf(system: string[], systemRole: string, steps: Step[], idPrefix: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = system.map((content) => ({ role: systemRole, content }));
  let n = 0;
  for (const s of steps) {
    if (s.kind === "user") out.push({ role: "user", content: s.content });
    else if (s.kind === "assistant") out.push({ role: "assistant", content: s.text });
    else {
      const calls = s.calls.map((c) => ({ ...c, id: `${idPrefix}${n++}` }));
      out.push({
        role: "assistant",
        content: s.text ?? null,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: JSON.stringify(c.args, null, s.pretty ? 2 : undefined) },
        })),
      });
      for (const c of calls) out.push({ role: "tool", tool_call_id: c.id, content: c.result });
    }
  }
  return out;
}

/** A valid OpenAI chat request: a conversation with images, tools, parallel calls and their results. */
export const openAIRequest: fc.Arbitrary<ChatCompletionRequest> = fc
  .record({
    system: fc.array(text, { maxLength: 2 }),
    systemRole: fc.constantFrom("system", "developer"),
    first: userContent,
    steps: fc.array(step, { maxLength: 7 }),
    idPrefix: fc.constantFrom("call_", "toolu_", "call-x"),
    tools: fc.option(fc.uniqueArray(toolDef, { minLength: 1, maxLength: 3, selector: (t) => t.name }), { nil: undefined }),
    toolChoice: fc.constantFrom(undefined, "auto", "none", "required", "named"),
    parallel: fc.constantFrom(undefined, true, false),
    stop: fc.option(fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })), { nil: undefined }),
    temperature: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    topP: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    maxTokens: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
    maxField: fc.constantFrom("max_tokens", "max_completion_tokens"),
    user: fc.option(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { nil: undefined }),
    stream: fc.boolean(),
  })
  .map((r) =>
    chatCompletionRequest.parse({
      model: "test/model",
      messages: messagesOf(r.system, r.systemRole, [{ kind: "user", content: r.first }, ...r.steps], r.idPrefix),
      ...(r.tools
        ? {
            tools: r.tools.map((t) => ({ type: "function", function: t })),
            ...(r.toolChoice === "named"
              ? { tool_choice: { type: "function", function: { name: r.tools[0]!.name } } }
              : r.toolChoice
                ? { tool_choice: r.toolChoice }
                : {}),
            ...(r.parallel !== undefined ? { parallel_tool_calls: r.parallel } : {}),
          }
        : {}),
      ...(r.stop !== undefined ? { stop: r.stop } : {}),
      ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
      ...(r.topP !== undefined ? { top_p: r.topP } : {}),
      ...(r.maxTokens !== undefined ? { [r.maxField]: r.maxTokens } : {}),
      ...(r.user ? { user: r.user } : {}),
      ...(r.stream ? { stream: true } : {}),
    }),
  );

// --- What a conversation means ---------------------------------------------------------------

export type Item =
  | { type: "text"; text: string }
  | { type: "image"; url: string }
  | { type: "call"; id: string; name: string; args: unknown }
  | { type: "result"; id: string; content: string };

export interface Run {
  role: "user" | "assistant";
  /** Text and images in order, adjacent texts joined. */
  content: Item[];
  calls: Item[];
  results: Item[];
}

export function contentItems(m: ChatMessage): Item[] {
  if (typeof m.content === "string") return [{ type: "text", text: m.content }];
  return (m.content ?? []).map(
    (p): Item =>
      p.type === "image_url"
        ? { type: "image", url: (p as { image_url: { url: string } }).image_url.url }
        : { type: "text", text: String((p as { text?: string }).text ?? "") },
  );
}

/**
 * The non-system messages as runs of one speaker (tool results speak for the user, as in
 * Anthropic's and Gemini's shapes), which is what must survive any merging of turns.
 */
export function runs(messages: ChatMessage[]): Run[] {
  const out: Run[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    const role = m.role === "assistant" ? "assistant" : "user";
    let run = out.at(-1);
    if (!run || run.role !== role) out.push((run = { role, content: [], calls: [], results: [] }));
    if (m.role === "tool") {
      run.results.push({ type: "result", id: m.tool_call_id ?? "", content: messageText(m) });
      continue;
    }
    for (const item of contentItems(m)) {
      const last = run.content.at(-1);
      if (item.type === "text" && item.text === "") continue;
      if (item.type === "text" && last?.type === "text") last.text += item.text;
      else run.content.push({ ...item });
    }
    for (const call of m.tool_calls ?? []) run.calls.push({ type: "call", id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) });
  }
  return out;
}

export function systemOf(messages: ChatMessage[]): string[] {
  return messages.filter((m) => m.role === "system" || m.role === "developer").map(messageText);
}

// --- Streams, accumulated the way the SDKs do -----------------------------------------------

export interface Accumulated {
  content: AnthropicResponseBlock[];
  stopReason: AnthropicStopReason | null;
  usage: AnthropicUsage;
}

/** Anthropic SDK's MessageStream accumulation, asserting the event order it relies on. */
export function accumulateAnthropic(events: AnthropicStreamEvent[]): Accumulated {
  expect(events[0]?.type).toBe("message_start");
  expect(events.at(-1)?.type).toBe("message_stop");
  const first = events[0] as Extract<AnthropicStreamEvent, { type: "message_start" }>;
  const acc: Accumulated = { content: [...first.message.content], stopReason: null, usage: { ...first.message.usage } };
  const json = new Map<number, string>();
  let open: number | null = null;
  let delta = false;
  for (const event of events.slice(1, -1)) {
    expect(event.type).not.toBe("message_start");
    expect(event.type).not.toBe("message_stop");
    expect(delta, "nothing follows message_delta but message_stop").toBe(false);
    if (event.type === "content_block_start") {
      expect(open, "one block open at a time").toBeNull();
      expect(event.index).toBe(acc.content.length);
      acc.content.push({ ...event.content_block });
      open = event.index;
    } else if (event.type === "content_block_delta") {
      expect(event.index).toBe(open);
      const block = acc.content[event.index]!;
      if (event.delta.type === "text_delta") {
        expect(block.type).toBe("text");
        if (block.type === "text") block.text += event.delta.text;
      } else if (event.delta.type === "input_json_delta") {
        expect(block.type).toBe("tool_use");
        json.set(event.index, (json.get(event.index) ?? "") + event.delta.partial_json);
      }
    } else if (event.type === "content_block_stop") {
      expect(event.index).toBe(open);
      const block = acc.content[event.index]!;
      const buffered = json.get(event.index);
      if (block.type === "tool_use" && buffered !== undefined) block.input = JSON.parse(buffered);
      open = null;
    } else if (event.type === "message_delta") {
      expect(open, "every block closed before message_delta").toBeNull();
      delta = true;
      acc.stopReason = event.delta.stop_reason;
      acc.usage.output_tokens = event.usage.output_tokens ?? acc.usage.output_tokens;
      if (event.usage.input_tokens != null) acc.usage.input_tokens = event.usage.input_tokens;
      if (event.usage.cache_read_input_tokens != null) acc.usage.cache_read_input_tokens = event.usage.cache_read_input_tokens;
      if (event.usage.cache_creation_input_tokens != null) acc.usage.cache_creation_input_tokens = event.usage.cache_creation_input_tokens;
    }
  }
  expect(delta, "a message_delta carries the stop reason").toBe(true);
  return acc;
}

export interface AccumulatedCompletion {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: OpenAIFinishReason | null;
  usage: OpenAIUsage | null;
}

/** openai-node's ChatCompletionStream accumulation, asserting what it relies on. */
export function accumulateOpenAI(chunks: OpenAIChunk[]): AccumulatedCompletion {
  const acc: AccumulatedCompletion = { content: "", toolCalls: [], finish: null, usage: null };
  for (const chunk of chunks) {
    expect(chunk.object).toBe("chat.completion.chunk");
    if (chunk.usage) acc.usage = chunk.usage;
    for (const choice of chunk.choices) {
      expect(choice.index).toBe(0);
      expect(acc.finish, "nothing follows the finish reason but usage").toBeNull();
      acc.content += choice.delta.content ?? "";
      for (const call of choice.delta.tool_calls ?? []) {
        let entry = acc.toolCalls[call.index];
        if (!entry) {
          expect(call.index, "tool call indexes count up from 0").toBe(acc.toolCalls.length);
          expect(call.id, "a new tool call starts with its id").toBeTruthy();
          entry = acc.toolCalls[call.index] = { id: call.id!, name: "", arguments: "" };
        }
        if (call.function?.name) entry.name = call.function.name;
        entry.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason) acc.finish = choice.finish_reason;
    }
  }
  return acc;
}

/** Blocks as they mean: adjacent texts joined, empty texts dropped, tool inputs by value. */
export function meaningOfBlocks(blocks: AnthropicResponseBlock[]): AnthropicResponseBlock[] {
  const out: AnthropicResponseBlock[] = [];
  for (const block of blocks) {
    const last = out.at(-1);
    if (block.type === "text") {
      if (block.text === "") continue;
      if (last?.type === "text") last.text += block.text;
      else out.push({ type: "text", text: block.text });
    } else if (block.type === "tool_use") out.push({ type: "tool_use", id: block.id, name: block.name, input: block.input });
  }
  return out;
}

// --- Canonical chunk streams, for the Responses translation ----------------------------------

/** What a canonical stream carries, in the order a whole answer lists it. */
export interface StreamedAnswer {
  reasoning: string;
  text: string;
  refusal: string;
  calls: { id: string; name: string; arguments: string }[];
  finish: OpenAIFinishReason | null;
  usage: OpenAIUsage | null;
}

export const openAIUsage: fc.Arbitrary<OpenAIUsage> = fc
  .record({ prompt: tokens, cached: tokens, completion: tokens, reasoning: tokens, details: fc.boolean() })
  .map((u) => ({
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    ...(u.details
      ? {
          prompt_tokens_details: { cached_tokens: Math.min(u.cached, u.prompt) },
          completion_tokens_details: { reasoning_tokens: Math.min(u.reasoning, u.completion) },
        }
      : {}),
  }));

const maybe = (arb: fc.Arbitrary<string>, weight = 1) => fc.oneof({ weight: 2, arbitrary: fc.constant("") }, { weight, arbitrary: arb });

export const streamedAnswer: fc.Arbitrary<StreamedAnswer> = fc.record({
  reasoning: maybe(text),
  text: maybe(text, 2),
  refusal: fc.oneof({ weight: 5, arbitrary: fc.constant("") }, { weight: 1, arbitrary: text }),
  calls: fc.uniqueArray(
    fc.record({
      id: fc.stringMatching(/^call_[A-Za-z0-9]{1,12}$/),
      name: toolName,
      arguments: fc.oneof({ weight: 4, arbitrary: jsonObject.map((o) => JSON.stringify(o)) }, { weight: 1, arbitrary: fc.constant("") }),
    }),
    { maxLength: 3, selector: (c) => c.id },
  ),
  finish: fc.constantFrom<OpenAIFinishReason | null>(null, "stop", "length", "tool_calls", "content_filter"),
  usage: fc.option(openAIUsage, { nil: null }),
});

type ChunkDelta = OpenAIChunk["choices"][number]["delta"];
/** Fields in the order a translator reads one delta: deltas may share a chunk only in this order. */
const RANK: Record<string, number> = { reasoning_content: 0, reasoning: 0, content: 1, refusal: 2, tool_calls: 3 };

function openAIChunk(delta: ChunkDelta | null, finish: OpenAIFinishReason | null = null, usage?: OpenAIUsage): OpenAIChunk {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: delta ? [{ index: 0, delta, logprobs: null, finish_reason: finish }] : [],
    ...(usage ? { usage } : {}),
  };
}

/** Each call's deltas, the first with its id and name; `apart`: the name alone, arguments after. */
function callDeltas(calls: StreamedAnswer["calls"], args: string[][], apart: boolean[]): OpenAIToolCallDelta[][] {
  return calls.map((call, index) => {
    const [first = "", ...rest] = args[index]!;
    const opening = { index, id: call.id, type: "function" as const, function: { name: call.name } };
    const more = rest.map((a) => ({ index, function: { arguments: a } }));
    if (apart[index]) return [opening, ...[first, ...rest].filter(Boolean).map((a) => ({ index, function: { arguments: a } }))];
    return [{ ...opening, function: { ...opening.function, arguments: first } }, ...more];
  });
}

/** The calls' deltas interleaved by `picks`, each call starting after the ones before it (index order). */
function interleave(queues: OpenAIToolCallDelta[][], picks: number[]): OpenAIToolCallDelta[] {
  const out: OpenAIToolCallDelta[] = [];
  const left = queues.map((q) => [...q]);
  let started = 0;
  for (let step = 0; left.some((q) => q.length); step++) {
    const ready = left.flatMap((q, i) => (q.length && i <= started ? [i] : []));
    const pick = ready[(picks[step] ?? 0) % ready.length]!;
    out.push(left[pick]!.shift()!);
    if (pick === started) started++;
  }
  return out;
}

/** Adds `delta` to the last chunk when `join` and the fields keep their reading order, else a new chunk. */
function addDelta(chunks: OpenAIChunk[], delta: ChunkDelta, join: boolean): void {
  const last = chunks.at(-1)?.choices[0]?.delta;
  const keys = (d: ChunkDelta) => Object.keys(d).filter((k) => k in RANK);
  const rank = RANK[keys(delta)[0]!]!;
  const lastRank = last ? Math.max(-1, ...keys(last).map((k) => RANK[k]!)) : -1;
  if (!join || !last || lastRank > rank || (lastRank === rank && rank !== 3)) {
    chunks.push(openAIChunk(delta));
    return;
  }
  if (rank === 3) last.tool_calls = [...(last.tool_calls ?? []), ...(delta.tool_calls ?? [])];
  else Object.assign(last, delta);
}

/**
 * Chunks an OpenAI-compatible server could send for `a`: every field cut into pieces, parallel
 * calls' deltas possibly interleaved, deltas of different fields sometimes sharing a chunk, empty
 * deltas on the way, the finish reason on the last delta or its own chunk, usage on the last
 * chunk or its own (choices []).
 */
export function chunksOf(a: StreamedAnswer): fc.Arbitrary<OpenAIChunk[]> {
  return fc
    .record({
      reasoning: pieces(a.reasoning),
      text: pieces(a.text),
      refusal: pieces(a.refusal),
      args: fc.tuple(...a.calls.map((c) => pieces(c.arguments))),
      apart: fc.array(fc.boolean(), { minLength: a.calls.length, maxLength: a.calls.length }),
      picks: fc.array(fc.nat(), { maxLength: 40 }),
      joins: fc.array(fc.boolean(), { maxLength: 60 }),
      blanks: fc.array(fc.nat({ max: 60 }), { maxLength: 3 }),
      reasoningField: fc.constantFrom("reasoning_content" as const, "reasoning" as const),
      role: fc.boolean(),
      finishApart: fc.boolean(),
      usageApart: fc.boolean(),
    })
    .map((cut) => {
      const deltas: ChunkDelta[] = [
        ...(a.reasoning ? cut.reasoning.map((r) => ({ [cut.reasoningField]: r })) : []),
        ...(a.text ? cut.text.map((content) => ({ content })) : []),
        ...(a.refusal ? cut.refusal.map((refusal) => ({ refusal })) : []),
        ...interleave(callDeltas(a.calls, cut.args, cut.apart), cut.picks).map((call) => ({ tool_calls: [call] })),
      ];
      const chunks: OpenAIChunk[] = cut.role ? [openAIChunk({ role: "assistant", content: "" })] : [];
      deltas.forEach((delta, i) => {
        if (cut.blanks.includes(i)) chunks.push(openAIChunk({ content: "" }));
        addDelta(chunks, delta, cut.joins[i] ?? false);
      });
      const last = chunks.at(-1)?.choices[0];
      if (a.finish && (cut.finishApart || !last)) chunks.push(openAIChunk({}, a.finish));
      else if (a.finish && last) last.finish_reason = a.finish;
      if (a.usage && (cut.usageApart || !chunks.length)) chunks.push(openAIChunk(null, null, a.usage));
      else if (a.usage) chunks.at(-1)!.usage = a.usage;
      return chunks;
    });
}

export const streamedChunks = streamedAnswer.chain((answer) => chunksOf(answer).map((chunks) => ({ answer, chunks })));
