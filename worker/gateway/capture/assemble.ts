// A streamed answer, as the client received it (SSE in its wire format), assembled into the
// whole answer the same call without `stream` returns: what body capture stores for a stream.
// Bounded: text past maxBytes (UTF-8) is dropped and the result says so. Never throws on odd input.
import { type SseEvent, SseParser } from "../sse.ts";

export type StreamFormat = "openai-chat" | "anthropic" | "responses" | "openai-completions";

type Json = Record<string, unknown>;

interface Assembled {
  answer: Json;
  truncated: boolean;
}

/** One format's reading of the events' JSON data. */
interface Collector {
  take(data: Json): void;
  finish(): Assembled;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const numberOr = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);
const stringOr = (v: unknown): string => (typeof v === "string" ? v : "");

/** The object without its undefined fields. */
const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A map's values in the order of their numeric keys. */
const ordered = <T>(map: Map<number, T>): T[] => [...map.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);

/** How many UTF-16 units of `text` fit in `room` UTF-8 bytes (a surrogate pair is never split), and their bytes. */
function measure(text: string, room: number): { units: number; bytes: number } {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > room) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return { units: i, bytes };
}

/** The text budget: what fits is kept, the rest dropped (and the answer marked truncated). */
class Budget {
  truncated = false;
  private used = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  fit(text: string): string {
    if (this.truncated) return "";
    const { units, bytes } = measure(text, this.max - this.used);
    this.used += bytes;
    if (units === text.length) return text;
    this.truncated = true;
    return text.slice(0, units);
  }

  /** Pushes what fits of a string delta; anything else is ignored. */
  keep(into: string[], text: unknown): void {
    if (typeof text !== "string" || text === "") return;
    const kept = this.fit(text);
    if (kept) into.push(kept);
  }
}

// --- OpenAI chat completions and legacy completions ---------------------------------------------

interface ToolParts {
  id: unknown;
  type: unknown;
  name: string;
  args: string[];
}

interface ChoiceParts {
  index: number;
  content: string[];
  refusal: string[];
  reasoning: string[];
  tools: Map<number, ToolParts>;
  finish: unknown;
}

const CHUNK_META = ["id", "created", "model", "system_fingerprint", "service_tier"] as const;

class ChatCollector implements Collector {
  private readonly meta: Json = {};
  private usage: unknown;
  private readonly choices = new Map<number, ChoiceParts>();
  private readonly budget: Budget;
  private readonly legacy: boolean;

  constructor(budget: Budget, legacy: boolean) {
    this.budget = budget;
    this.legacy = legacy;
  }

  take(chunk: Json): void {
    for (const key of CHUNK_META) if (this.meta[key] === undefined && chunk[key] != null) this.meta[key] = chunk[key];
    if (isObject(chunk.usage)) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) if (isObject(choice)) this.choiceDelta(choice);
  }

  finish(): Assembled {
    const { id, created, model, ...rest } = this.meta;
    const object = this.legacy ? "text_completion" : "chat.completion";
    if (!this.choices.size) this.choice(0); // a whole answer always has its first choice, if empty
    const choices = ordered(this.choices).map((p) => this.choiceOf(p));
    return { answer: compact({ id, object, created, model, choices, usage: this.usage, ...rest }), truncated: this.budget.truncated };
  }

  private choice(index: number): ChoiceParts {
    let parts = this.choices.get(index);
    if (!parts) this.choices.set(index, (parts = { index, content: [], refusal: [], reasoning: [], tools: new Map(), finish: null }));
    return parts;
  }

  private choiceDelta(raw: Json): void {
    const parts = this.choice(numberOr(raw.index, 0));
    if (raw.finish_reason != null) parts.finish = raw.finish_reason;
    this.budget.keep(parts.content, raw.text);
    if (!isObject(raw.delta)) return;
    const delta = raw.delta;
    this.budget.keep(parts.content, delta.content);
    this.budget.keep(parts.refusal, delta.refusal);
    this.budget.keep(parts.reasoning, delta.reasoning_content ?? delta.reasoning);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) this.toolDelta(parts, call);
  }

  /** A call's pieces merged by index: id and type as given, name and arguments concatenated (a name sent again whole is not doubled). */
  private toolDelta(parts: ChoiceParts, call: Json): void {
    const index = numberOr(call.index, parts.tools.size);
    let tool = parts.tools.get(index);
    if (!tool) parts.tools.set(index, (tool = { id: undefined, type: undefined, name: "", args: [] }));
    if (call.id) tool.id = call.id;
    if (call.type) tool.type = call.type;
    const fn = isObject(call.function) ? call.function : {};
    if (typeof fn.name === "string" && fn.name !== tool.name) tool.name += fn.name;
    this.budget.keep(tool.args, fn.arguments);
  }

  private choiceOf(p: ChoiceParts): Json {
    if (this.legacy) return { index: p.index, text: p.content.join(""), finish_reason: p.finish };
    const tools = ordered(p.tools).map((t) => ({ id: t.id, type: t.type ?? "function", function: { name: t.name, arguments: t.args.join("") } }));
    const empty = tools.length > 0 || p.refusal.length > 0 ? null : "";
    const message: Json = { role: "assistant", content: p.content.length ? p.content.join("") : empty };
    if (p.refusal.length) message.refusal = p.refusal.join("");
    if (p.reasoning.length) message.reasoning_content = p.reasoning.join("");
    if (tools.length) message.tool_calls = tools;
    return { index: p.index, message, finish_reason: p.finish };
  }
}

// --- Anthropic Messages --------------------------------------------------------------------------

interface BlockParts {
  block: Json;
  text: string[];
  json: string[];
  thinking: string[];
  signature: string[];
  citations: unknown[];
  /** The finished block, once content_block_stop came. */
  done?: Json;
}

/** Each delta type: the field its text is in and the pieces it adds to. */
const DELTA_FIELDS = new Map<unknown, { field: string; into: "text" | "json" | "thinking" | "signature" }>([
  ["text_delta", { field: "text", into: "text" }],
  ["input_json_delta", { field: "partial_json", into: "json" }],
  ["thinking_delta", { field: "thinking", into: "thinking" }],
  ["signature_delta", { field: "signature", into: "signature" }],
]);

/** Tool input as the whole answer has it: the JSON parsed, or the text when it does not parse. */
function parsedInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A block with its deltas applied (appended to what content_block_start gave). */
function finishedBlock(p: BlockParts): Json {
  const block = { ...p.block };
  if (p.text.length) block.text = stringOr(block.text) + p.text.join("");
  if (p.thinking.length) block.thinking = stringOr(block.thinking) + p.thinking.join("");
  if (p.signature.length) block.signature = stringOr(block.signature) + p.signature.join("");
  if (p.citations.length) block.citations = [...(Array.isArray(block.citations) ? block.citations : []), ...p.citations];
  if (p.json.length) block.input = parsedInput(p.json.join(""));
  return block;
}

/** Usage fields a message_delta gives: null means not reported, not zero. */
const reported = (usage: Json): Json => Object.fromEntries(Object.entries(usage).filter(([, v]) => v != null));

class AnthropicCollector implements Collector {
  private message: Json = {};
  private readonly blocks = new Map<number, BlockParts>();
  private readonly budget: Budget;

  constructor(budget: Budget) {
    this.budget = budget;
  }

  take(event: Json): void {
    if (event.type === "message_start" && isObject(event.message)) this.message = { ...event.message };
    else if (event.type === "content_block_start") this.startBlock(event);
    else if (event.type === "content_block_delta") this.blockDelta(event);
    else if (event.type === "content_block_stop") this.stopBlock(event);
    else if (event.type === "message_delta") this.messageDelta(event);
  }

  finish(): Assembled {
    const content = ordered(this.blocks).map((p) => p.done ?? finishedBlock(p));
    const { id, type, role, model, stop_reason, stop_sequence, usage, ...rest } = this.message;
    const answer = compact({
      id,
      type: type ?? "message",
      role: role ?? "assistant",
      model,
      ...rest,
      content,
      stop_reason: stop_reason ?? null,
      stop_sequence: stop_sequence ?? null,
      usage,
    });
    return { answer, truncated: this.budget.truncated };
  }

  private startBlock(event: Json): void {
    if (typeof event.index !== "number" || !isObject(event.content_block)) return;
    this.blocks.set(event.index, { block: { ...event.content_block }, text: [], json: [], thinking: [], signature: [], citations: [] });
  }

  private blockDelta(event: Json): void {
    const parts = typeof event.index === "number" ? this.blocks.get(event.index) : undefined;
    if (!parts || parts.done || !isObject(event.delta)) return;
    const delta = event.delta;
    if (delta.type === "citations_delta" && delta.citation !== undefined) parts.citations.push(delta.citation);
    const how = DELTA_FIELDS.get(delta.type);
    if (how) this.budget.keep(parts[how.into], delta[how.field]);
  }

  /** The block finished: its tool input parsed now, its pieces let go. */
  private stopBlock(event: Json): void {
    const parts = typeof event.index === "number" ? this.blocks.get(event.index) : undefined;
    if (!parts || parts.done) return;
    parts.done = finishedBlock(parts);
    Object.assign(parts, { text: [], json: [], thinking: [], signature: [], citations: [] });
  }

  private messageDelta(event: Json): void {
    if (isObject(event.delta)) Object.assign(this.message, event.delta);
    if (isObject(event.usage)) this.message.usage = { ...(isObject(this.message.usage) ? this.message.usage : {}), ...reported(event.usage) };
  }
}

// --- OpenAI Responses ----------------------------------------------------------------------------

interface ItemParts {
  /** The item as output_item.added gave it. */
  item: Json;
  text: string[];
  refusal: string[];
  args: string[];
  summary: string[];
  /** The whole item, once output_item.done came. */
  done?: Json;
}

const TERMINAL = new Set<unknown>(["response.completed", "response.incomplete", "response.failed"]);

/** Each delta event: the pieces of its item it adds to. */
const ITEM_DELTAS = new Map<unknown, "text" | "refusal" | "args" | "summary">([
  ["response.output_text.delta", "text"],
  ["response.refusal.delta", "refusal"],
  ["response.function_call_arguments.delta", "args"],
  ["response.reasoning_summary_text.delta", "summary"],
]);

/** An item the stream did not finish, from its deltas. */
function unfinishedItem(p: ItemParts): Json {
  const item: Json = { ...p.item, ...(p.item.status === "in_progress" ? { status: "incomplete" } : {}) };
  if (item.type === "function_call") return { ...item, arguments: p.args.join("") };
  if (item.type === "reasoning") return { ...item, summary: p.summary.length ? [{ type: "summary_text", text: p.summary.join("") }] : [] };
  const content: Json[] = [];
  if (p.text.length || !p.refusal.length) content.push({ type: "output_text", text: p.text.join(""), annotations: [] });
  if (p.refusal.length) content.push({ type: "refusal", refusal: p.refusal.join("") });
  return { type: "message", role: "assistant", ...item, content };
}

/** A content or summary part with its text held to the budget. */
function trimmedPart(part: unknown, budget: Budget): unknown {
  if (!isObject(part)) return part;
  const out = { ...part };
  if (typeof out.text === "string") out.text = budget.fit(out.text);
  if (typeof out.refusal === "string") out.refusal = budget.fit(out.refusal);
  return out;
}

/** An output item with its text (message parts, call arguments, reasoning summary) held to the budget. */
function trimmedItem(item: unknown, budget: Budget): unknown {
  if (!isObject(item)) return item;
  const out = { ...item };
  if (typeof out.arguments === "string") out.arguments = budget.fit(out.arguments);
  if (Array.isArray(out.content)) out.content = out.content.map((part: unknown) => trimmedPart(part, budget));
  if (Array.isArray(out.summary)) out.summary = out.summary.map((part: unknown) => trimmedPart(part, budget));
  return out;
}

const trimmedOutput = (output: unknown[], budget: Budget): unknown[] => output.map((item) => trimmedItem(item, budget));

class ResponsesCollector implements Collector {
  /** The latest response object seen before the end (response.created, response.in_progress). */
  private skeleton: Json = {};
  private final: Json | undefined;
  private readonly items = new Map<number, ItemParts>();
  private readonly budget: Budget;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.budget = new Budget(maxBytes);
  }

  take(event: Json): void {
    if (this.final) return;
    const { type, item } = event;
    if (isObject(event.response)) return this.responseEvent(type, event.response);
    const into = ITEM_DELTAS.get(type);
    if (into) this.budget.keep(this.parts(event)[into], event.delta);
    else if (type === "response.output_item.added" && isObject(item)) this.parts(event).item = { ...item };
    else if (type === "response.output_item.done" && isObject(item)) this.itemDone(event, item);
  }

  /**
   * The terminal event's response is the answer; the deltas are the fallback for a stream that ended
   * without one, and for a failure whose response holds no output (the gateway's own response.failed).
   */
  finish(): Assembled {
    const final = this.final;
    const trim = new Budget(this.maxBytes);
    const hasOutput = Array.isArray(final?.output) && final.output.length > 0;
    if (final && (final.status !== "failed" || hasOutput)) {
      const answer = Array.isArray(final.output) ? { ...final, output: trimmedOutput(final.output, trim) } : final;
      return { answer, truncated: trim.truncated };
    }
    const output = trimmedOutput(
      ordered(this.items).map((p) => p.done ?? unfinishedItem(p)),
      trim,
    );
    return { answer: { ...(final ?? { ...this.skeleton, status: "incomplete" }), output }, truncated: trim.truncated || this.budget.truncated };
  }

  private responseEvent(type: unknown, response: Json): void {
    if (!TERMINAL.has(type)) {
      this.skeleton = response;
      return;
    }
    this.final = response;
    if (response.status !== "failed") this.items.clear();
  }

  private parts(event: Json): ItemParts {
    const index = numberOr(event.output_index, 0);
    let parts = this.items.get(index);
    if (!parts) this.items.set(index, (parts = { item: {}, text: [], refusal: [], args: [], summary: [] }));
    return parts;
  }

  /** The whole item: kept as it came, its pieces let go. */
  private itemDone(event: Json, item: Json): void {
    Object.assign(this.parts(event), { done: item, text: [], refusal: [], args: [], summary: [] });
  }
}

// --- The assembler -------------------------------------------------------------------------------

function collectorFor(format: StreamFormat, maxBytes: number): Collector {
  if (format === "anthropic") return new AnthropicCollector(new Budget(maxBytes));
  if (format === "responses") return new ResponsesCollector(maxBytes);
  return new ChatCollector(new Budget(maxBytes), format === "openai-completions");
}

/** An event's data as a JSON object, or null (`[DONE]`, not JSON, not an object). */
function dataOf(event: SseEvent): Json | null {
  if (event.data === "[DONE]") return null;
  try {
    const data: unknown = JSON.parse(event.data);
    return isObject(data) ? data : null;
  } catch {
    return null;
  }
}

/** The error an event reports: Anthropic's and the Responses API's `type: "error"` events, OpenAI's `{ error }` data. */
function errorOf(data: Json): unknown {
  if (data.type === "error") {
    if (data.error !== undefined) return data.error;
    const { type: _type, sequence_number: _sequence, ...error } = data;
    return error;
  }
  return data.type === undefined && isObject(data.error) ? data.error : undefined;
}

export class StreamAssembler {
  private readonly parser = new SseParser();
  private readonly collector: Collector;
  private events = 0;
  private error: unknown;

  constructor(format: StreamFormat, maxBytes = 1_048_576) {
    this.collector = collectorFor(format, maxBytes);
  }

  /** Bytes as sent to the client, in any chunking. */
  push(bytes: Uint8Array): void {
    for (const event of this.parser.push(bytes)) this.take(event);
  }

  /** The assembled answer: JSON as the non-streamed API would return it. Ends the input. */
  result(): { answer: unknown; truncated: boolean; events: number } {
    for (const event of this.parser.end()) this.take(event);
    const { answer, truncated } = this.collector.finish();
    return { answer: this.error === undefined ? answer : { ...answer, error: this.error }, truncated, events: this.events };
  }

  private take(event: SseEvent): void {
    this.events++;
    const data = dataOf(event);
    if (!data) return;
    const error = errorOf(data);
    if (error !== undefined) this.error = error;
    try {
      this.collector.take(data);
    } catch {
      // An event of a shape no collector foresaw: capture is best-effort, never the call's failure.
    }
  }
}
