// POST /v1/responses: OpenAI's Responses API, passed through to OpenAI-kind providers only.
// Bytes go to the client as they arrive; usage is read from `response.completed` on the way.
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint, type JsonAnswer, type OpenedStream } from "../call.ts";
import type { CallPlan, PlannedTarget } from "../plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { adapterFor, endpointUrl, serves } from "../providers/index.ts";
import type { CallOptions } from "../providers/types.ts";
import { encodeSse, SseParser } from "../sse.ts";
import { type ClientEvents, StreamTally } from "../stream-out.ts";
import { countTokens } from "../tokens.ts";
import type { Usage } from "../types.ts";
import { UpstreamError, upstreamFetch } from "../upstream.ts";

const responsesRequest = z.looseObject({
  model: z.string().min(1).max(256),
  stream: z.boolean().optional(),
  input: z.unknown().optional(),
  max_output_tokens: z.int().min(1).nullish(),
});

type ResponsesRequest = z.output<typeof responsesRequest>;

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

export const responses = endpoint<JsonAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, responsesRequest);
  const promptTokens = countTokens(JSON.stringify(body.input ?? ""));
  const shared = {
    endpoint: "responses",
    model: body.model,
    body,
    size: { promptTokens, promptBound: promptTokenBound(text, bytes), maxOutput: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null },
    refuseUnpriced: true,
    narrow: openAIKindOnly,
  };
  if (body.stream) return { ...shared, stream: true, promptTokens, errorEvent, attempt: (target, options) => openStream(target, body, options) };
  return { ...shared, stream: false, render: (answer) => answer, attempt: (target, options) => answerOnce(target, body, options, promptTokens) };
});

function openAIKindOnly(plan: CallPlan): CallPlan {
  const targets = plan.targets.filter((t) => serves(t.provider.kind, "responses"));
  if (!targets.length) {
    throw new AppError("invalid_request", "The Responses API is only available for OpenAI-kind providers.", { code: "unsupported_endpoint", param: "model" });
  }
  return { ...plan, targets };
}

function upstream(target: PlannedTarget, body: ResponsesRequest, options: CallOptions): Promise<Response> {
  const native = adapterFor(target.provider).nativeRequest!(target.target, body, options);
  return upstreamFetch({ ...native, url: endpointUrl(target.target, "responses") });
}

async function answerOnce(target: PlannedTarget, body: ResponsesRequest, options: CallOptions, promptTokens: number): Promise<JsonAnswer> {
  // Read within the attempt: a body that is not JSON is the provider failing, and may fall back.
  const text = await (await upstream(target, body, options)).text();
  try {
    return { text, usage: responseUsage(JSON.parse(text) as ResponseBody, promptTokens) };
  } catch {
    throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
  }
}

async function openStream(target: PlannedTarget, body: ResponsesRequest, options: CallOptions): Promise<OpenedStream> {
  const res = await upstream(target, body, options);
  const tally = new StreamTally();
  return { events: responsesEvents(res.body!, tally), tally };
}

/** A stream cut short ends with an error event (the Responses API's own shape), never silently. */
const errorEvent = (): Uint8Array =>
  encodeSse({ type: "error", code: "upstream_error", message: "Upstream stream failed before the response completed.", param: null }, "error");

function usageOf(u: ResponsesUsage | undefined): Usage | null {
  if (!u) return null;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}

const DELTAS = new Set(["response.output_text.delta", "response.reasoning_summary_text.delta", "response.function_call_arguments.delta"]);

/**
 * The upstream's bytes, forwarded as they arrive, read on the way: usage from
 * `response.completed` (or `.incomplete`), and the output produced so far for a stream that is
 * cut or abandoned. A stream that ends without completing is a failure.
 */
async function* responsesEvents(body: ReadableStream<Uint8Array>, tally: StreamTally): ClientEvents {
  const parser = new SseParser();
  const state = { completed: false };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      readEvents(parser.push(value), tally, state);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
  readEvents(parser.end(), tally, state);
  if (!state.completed) throw new UpstreamError("protocol", "upstream stream ended before response.completed");
}

function readEvents(events: { data: string }[], tally: StreamTally, state: { completed: boolean }): void {
  for (const event of events) {
    try {
      const parsed = JSON.parse(event.data) as { type?: string; delta?: unknown; response?: { usage?: ResponsesUsage } };
      if (parsed.type !== undefined && DELTAS.has(parsed.type) && typeof parsed.delta === "string") tally.produced(parsed.delta);
      if (parsed.type === "response.completed" || parsed.type === "response.incomplete") {
        state.completed = true;
        tally.usage = usageOf(parsed.response?.usage);
      }
    } catch {
      // a non-JSON event is forwarded but not read
    }
  }
}

interface ResponseBody {
  usage?: ResponsesUsage;
  output?: { content?: { text?: unknown }[]; arguments?: unknown }[];
}

/** The provider's usage, or (none reported) an estimate: the prompt plus the output's tokens. */
function responseUsage(parsed: ResponseBody, promptTokens: number): Usage {
  const reported = usageOf(parsed.usage);
  if (reported) return reported;
  const texts = (parsed.output ?? []).flatMap((item) => [...(item.content ?? []).map((part) => part.text), item.arguments]);
  const outputTokens = texts.reduce<number>((sum, text) => sum + (typeof text === "string" ? countTokens(text) : 0), 0);
  return { inputTokens: promptTokens, outputTokens, cachedTokens: 0, reasoningTokens: 0, estimated: true };
}
