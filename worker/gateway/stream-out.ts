// What a streaming call sends the client, in the client's format: canonical chunks rendered as
// OpenAI or Anthropic SSE, or the upstream's own events passed through untouched. Each
// renderer keeps a tally of usage and of the output produced, for billing however it ends.
import type { AnthropicStreamEvent, AnthropicUsage } from "./formats/anthropic.ts";
import type { OpenAIChunk } from "./formats/openai.ts";
import type { ResponseObject, ResponsesEvent, ResponsesUsage } from "./formats/responses.ts";
import { usageFromAnthropic } from "./providers/anthropic/index.ts";
import type { ChunkStream } from "./providers/types.ts";
import { encodeSse, eventJson, type SseEvent, sseBatches } from "./sse.ts";
import { countTokens } from "./tokens.ts";
import { OpenAIToAnthropicStream } from "./translate/anthropic-client.ts";
import type { ChunksToResponses } from "./translate/responses-stream.ts";
import { estimatedUsage, type Usage, usageFromOpenAI, usageFromResponses } from "./types.ts";
import { notJsonEvent, UpstreamError } from "./upstream.ts";
import { type CostOf, withCost } from "./usage-cost.ts";

export type ClientEvents = AsyncGenerator<Uint8Array, void, undefined>;

const encoder = new TextEncoder();

export class StreamTally {
  /** The provider's own final count, once it reported one. */
  usage: Usage | null = null;
  /** The input the provider reported before its final count (Anthropic's message_start), cache writes included. */
  reportedInput: (Pick<Usage, "inputTokens" | "cachedTokens"> & Partial<Pick<Usage, "cacheWrite5mTokens" | "cacheWrite1hTokens">>) | null = null;
  /** Output tokens the provider reported so far (Anthropic's running message_delta count). */
  reportedOutput = 0;
  /** Output produced so far by our count: text, tool arguments, thinking and reasoning. */
  outputTokens = 0;

  produced(text: string | null | undefined): void {
    if (text) this.outputTokens += countTokens(text);
  }

  /**
   * The reported usage; else an estimate (flagged as such): the provider-reported input, or
   * our count of the prompt, plus every output token produced. A stream abandoned before any
   * text still bills its prompt.
   */
  final(promptTokens: number): Usage {
    if (this.usage) return this.usage;
    const input = this.reportedInput ?? { inputTokens: promptTokens, cachedTokens: 0 };
    return { ...estimatedUsage(0, Math.max(this.outputTokens, this.reportedOutput)), ...input };
  }
}

function countChunk(tally: StreamTally, chunk: OpenAIChunk): void {
  for (const choice of chunk.choices) {
    tally.produced(choice.delta.content);
    tally.produced(choice.delta.reasoning_content ?? choice.delta.reasoning);
    for (const call of choice.delta.tool_calls ?? []) tally.produced(call.function?.arguments);
  }
  if (chunk.usage) tally.usage = usageFromOpenAI(chunk.usage);
}

/** `costOf` prices the usage chunk: it goes out with usage.cost, what the call is charged. */
export async function* renderOpenAI(chunks: ChunkStream, includeUsage: boolean, tally: StreamTally, costOf: CostOf): ClientEvents {
  for await (const chunk of chunks) {
    countChunk(tally, chunk);
    if (chunk.usage && !includeUsage) {
      if (chunk.choices.length === 0) continue;
      const { usage: _usage, ...rest } = chunk;
      yield encodeSse(rest);
      continue;
    }
    yield encodeSse(chunk.usage ? { ...chunk, usage: withCost(chunk.usage, costOf) } : chunk);
  }
  yield encodeSse("[DONE]");
}

export async function* renderAnthropic(chunks: ChunkStream, meta: { id: string; model: string }, tally: StreamTally): ClientEvents {
  const translator = new OpenAIToAnthropicStream(meta);
  const send = (events: AnthropicStreamEvent[]) => events.map((e) => encodeSse(e, e.type));
  for await (const chunk of chunks) {
    countChunk(tally, chunk);
    yield* send(translator.push(chunk));
  }
  yield* send(translator.end());
}

/** An upstream event as it came, to forward. */
const rawSse = (event: SseEvent): string => `${event.event ? `event: ${event.event}\n` : ""}data: ${event.data}\n\n`;

/** What a Responses stream does before its last event: keeps the final response (stored state). */
export type BeforeResponseEnd = (response: ResponseObject) => Promise<void>;

/** Responses events as SSE, each named by its type. */
export const encodeResponses = (events: ResponsesEvent[]): Uint8Array =>
  encoder.encode(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""));

/**
 * Canonical chunks → the Responses event grammar. `response.created` goes out with the first
 * chunk's events (so an upstream that fails before its first chunk can still fall back), and the
 * final response is kept before the terminal event, so a client that sees it can continue from it.
 */
export async function* renderResponses(chunks: ChunkStream, writer: ChunksToResponses, tally: StreamTally, beforeEnd: BeforeResponseEnd): ClientEvents {
  for await (const chunk of chunks) {
    countChunk(tally, chunk);
    const events = writer.push(chunk);
    if (events.length) yield encodeResponses(events);
  }
  const last = writer.end();
  if (writer.final) await beforeEnd(writer.final);
  yield encodeResponses(last);
}

/** Where an OpenAI Responses stream passed through has got to: what its failure event must follow. */
export class ResponsesPassState {
  sequence = -1;
  response: ResponseObject | null = null;
  /** The upstream's own terminal event, once seen. */
  terminal: "completed" | "incomplete" | "failed" | null = null;

  /** The response.failed event that ends a stream the upstream cut (nothing if it sent its own). */
  failure(message: string): Uint8Array {
    if (this.terminal === "failed") return new Uint8Array();
    const response = { ...this.response, status: "failed", error: { code: "server_error", message } };
    return encodeResponses([{ type: "response.failed", sequence_number: this.sequence + 1, response }]);
  }
}

const RESPONSES_DELTAS = new Set(["response.output_text.delta", "response.reasoning_summary_text.delta", "response.function_call_arguments.delta"]);
const TERMINAL = { "response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed" } as const;

interface PassedEvent {
  type?: string;
  sequence_number?: number;
  delta?: unknown;
  response?: ResponseObject & { usage?: ResponsesUsage | null };
}

function readResponsesEvent(event: SseEvent, tally: StreamTally, state: ResponsesPassState): void {
  let parsed: PassedEvent;
  try {
    parsed = JSON.parse(event.data) as PassedEvent;
  } catch {
    return; // forwarded, not read
  }
  if (typeof parsed.sequence_number === "number") state.sequence = Math.max(state.sequence, parsed.sequence_number);
  if (parsed.response) state.response = parsed.response;
  if (parsed.type !== undefined && RESPONSES_DELTAS.has(parsed.type) && typeof parsed.delta === "string") tally.produced(parsed.delta);
  const terminal = parsed.type ? TERMINAL[parsed.type as keyof typeof TERMINAL] : undefined;
  if (!terminal) return;
  state.terminal = terminal;
  if (terminal !== "failed") tally.usage = usageFromResponses(parsed.response?.usage);
}

/**
 * OpenAI → OpenAI Responses: the upstream's events forwarded as they arrive, read on the way for
 * usage and for the final response, which is kept before the terminal event goes out. A stream
 * that ends without a terminal event, or with response.failed, is a failure.
 */
export async function* passResponses(
  body: ReadableStream<Uint8Array>,
  tally: StreamTally,
  state: ResponsesPassState,
  beforeEnd: BeforeResponseEnd,
): ClientEvents {
  for await (const events of sseBatches(body)) {
    let out = "";
    for (const event of events) {
      readResponsesEvent(event, tally, state);
      if (state.terminal && state.terminal !== "failed" && state.response) await beforeEnd(state.response);
      out += rawSse(event);
      if (state.terminal) break;
    }
    if (out) yield encoder.encode(out);
    if (state.terminal === "failed") throw new UpstreamError("protocol", "upstream sent response.failed");
    if (state.terminal) return;
  }
  throw new UpstreamError("protocol", "upstream stream ended before response.completed");
}

/**
 * OpenAI → OpenAI: each event's data forwarded as received; only the usage chunk we asked for is
 * dropped, and a chunk with usage gets usage.cost (`costOf`).
 */
export async function* passOpenAI(body: ReadableStream<Uint8Array>, includeUsage: boolean, tally: StreamTally, costOf: CostOf): ClientEvents {
  for await (const events of sseBatches(body)) {
    const out = yield* forwardBatch(events, (event) => {
      if (event.data === "[DONE]") return { send: "data: [DONE]\n\n", last: true };
      const chunk = eventJson<OpenAIChunk & { error?: { message?: string } }>(event, notJsonEvent);
      if (chunk.error) throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: chunk.error.message });
      countChunk(tally, chunk);
      if (!chunk.usage) return { send: `data: ${event.data}\n\n` };
      return { send: chunk.choices.length === 0 && !includeUsage ? "" : `data: ${JSON.stringify({ ...chunk, usage: withCost(chunk.usage, costOf) })}\n\n` };
    });
    if (out === "last") return;
  }
  throw new UpstreamError("protocol", "upstream stream ended without data: [DONE]");
}

/** Anthropic → Anthropic: events forwarded as received while usage is read from them. */
export async function* passAnthropic(body: ReadableStream<Uint8Array>, tally: StreamTally): ClientEvents {
  let usage: Partial<AnthropicUsage> = {};
  for await (const events of sseBatches(body)) {
    const out = yield* forwardBatch(events, (raw) => {
      const event = eventJson<AnthropicStreamEvent>(raw, notJsonEvent);
      if (event.type === "error") throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: event.error.message });
      if (event.type === "message_start") {
        usage = { ...event.message.usage };
        const { inputTokens, cachedTokens, cacheWrite5mTokens, cacheWrite1hTokens } = usageFromOpenAI(usageFromAnthropic(usage));
        tally.reportedInput = { inputTokens, cachedTokens, cacheWrite5mTokens, cacheWrite1hTokens };
      }
      if (event.type === "message_delta") {
        usage = { ...usage, ...Object.fromEntries(Object.entries(event.usage).filter(([, v]) => v != null)) };
        tally.reportedOutput = Math.max(tally.reportedOutput, usage.output_tokens ?? 0);
      }
      if (event.type === "content_block_delta") {
        if (event.delta.type === "text_delta") tally.produced(event.delta.text);
        if (event.delta.type === "input_json_delta") tally.produced(event.delta.partial_json);
        if (event.delta.type === "thinking_delta") tally.produced(event.delta.thinking);
      }
      const send = rawSse(raw);
      if (event.type !== "message_stop") return { send };
      tally.usage = usageFromOpenAI(usageFromAnthropic(usage));
      return { send, last: true };
    });
    if (out === "last") return;
  }
  throw new UpstreamError("protocol", "upstream stream ended without message_stop");
}

/**
 * Forwards the events one read of the upstream completed as one write to the client (a write
 * per event cost more than the event). An event that fails the stream still lets the events
 * before it through first, as they would have gone one by one.
 */
async function* forwardBatch(
  events: SseEvent[],
  forward: (event: SseEvent) => { send: string; last?: boolean },
): AsyncGenerator<Uint8Array, "last" | "more", undefined> {
  let out = "";
  let failure: unknown = null;
  let last = false;
  for (const event of events) {
    try {
      const step = forward(event);
      out += step.send;
      if (step.last) {
        last = true;
        break;
      }
    } catch (error) {
      failure = error;
      break;
    }
  }
  if (out) yield encoder.encode(out);
  if (failure) throw failure;
  return last ? "last" : "more";
}

/** The error event a stream ends with when the upstream fails mid-way, in the client's format. */
export function streamErrorEvent(format: "openai" | "anthropic", message: string): Uint8Array {
  return format === "openai"
    ? encodeSse({ error: { message, type: "server_error", param: null, code: "upstream_error" } })
    : encodeSse({ type: "error", error: { type: "api_error", message } }, "error");
}
