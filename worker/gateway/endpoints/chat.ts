// POST /v1/chat/completions and /v1/messages: chat from either client format to any target —
// the provider's native pass-through when formats match, else the canonical (OpenAI) request
// translated there and the answer back — whole or streamed.
import { readSizedJson } from "../../core/validation.ts";
import { endpoint, type GatewayCall, type JsonAnswer, type OpenedStream } from "../call.ts";
import { type AnthropicMessageResponse, type AnthropicMessagesRequest, anthropicMessagesRequest } from "../formats/anthropic.ts";
import type { ChatCompletionRequest, OpenAIChatCompletion } from "../formats/openai.ts";
import { chatCompletionRequest } from "../openai-schema.ts";
import type { PlannedTarget } from "../plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { anthropicPromptTokens, openAIPromptTokens } from "../prompt-tokens.ts";
import { adapterFor } from "../providers/index.ts";
import type { CallOptions, ProviderAdapter, WireFormat } from "../providers/types.ts";
import { type ClientEvents, passAnthropic, passOpenAI, renderAnthropic, renderOpenAI, StreamTally, streamErrorEvent } from "../stream-out.ts";
import { countTokens } from "../tokens.ts";
import { openAIResponseToAnthropic, toOpenAIRequest } from "../translate/anthropic-client.ts";
import { withoutCacheControl } from "../translate/cache-control.ts";
import { usageFromAnthropic } from "../providers/anthropic/index.ts";
import { estimatedUsage, type Usage, usageFromOpenAI } from "../types.ts";
import { UpstreamError, upstreamFetch } from "../upstream.ts";
import { type CostOf, withUsageCost } from "../usage-cost.ts";

interface Sizes {
  /** Our estimate of the prompt's tokens (tokens.ts). */
  promptTokens: number;
  /** The most tokens the prompt can be (prompt-bound.ts). */
  promptBound: number;
}

type ChatCall =
  | ({ format: "openai"; body: ChatCompletionRequest; model: string; stream: boolean; includeUsage: boolean } & Sizes)
  | ({ format: "anthropic"; body: AnthropicMessagesRequest; model: string; stream: boolean; includeUsage: true } & Sizes);

export const chatCompletions = endpoint<JsonAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, chatCompletionRequest);
  const sizes = { promptTokens: openAIPromptTokens(body), promptBound: promptTokenBound(text, bytes) };
  return gatewayCall({
    format: "openai",
    body,
    model: body.model,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    ...sizes,
  });
});

export const messages = endpoint<JsonAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, anthropicMessagesRequest);
  const sizes = { promptTokens: anthropicPromptTokens(body), promptBound: promptTokenBound(text, bytes) };
  return gatewayCall({ format: "anthropic", body, model: body.model, stream: body.stream === true, includeUsage: true, ...sizes });
});

const ERROR_EVENTS: Record<WireFormat, (error: unknown) => Uint8Array> = {
  openai: (error) => streamErrorEvent("openai", failureMessage(error)),
  anthropic: (error) => streamErrorEvent("anthropic", failureMessage(error)),
};

const failureMessage = (error: unknown) => (error instanceof UpstreamError ? `Upstream stream failed: ${error.message}` : "Upstream stream failed.");

const identity = (answer: JsonAnswer) => answer;

function gatewayCall(call: ChatCall): GatewayCall<JsonAnswer> {
  const maxOutput = call.format === "openai" ? (call.body.max_completion_tokens ?? call.body.max_tokens) : call.body.max_tokens;
  const shared = {
    endpoint: call.format === "openai" ? "chat.completions" : "messages",
    model: call.model,
    body: call.body,
    size: { promptTokens: call.promptTokens, promptBound: call.promptBound, maxOutput },
    refuseUnpriced: true,
    cacheable: true,
  };
  if (call.stream) {
    return {
      ...shared,
      stream: true,
      promptTokens: call.promptTokens,
      errorEvent: ERROR_EVENTS[call.format],
      attempt: (target, options, costOf) => openStream(call, target, options, costOf),
    };
  }
  const withCost = call.format === "openai" ? { withCost: withUsageCost } : {};
  return { ...shared, stream: false, render: identity, ...withCost, attempt: (target, options) => answerOnce(call, target, options) };
}

/** OpenAI's own API refuses cache_control (an Anthropic hint); other OpenAI-shaped servers may honour it (OpenRouter). */
function openAIBody(body: ChatCompletionRequest, target: PlannedTarget): ChatCompletionRequest {
  return target.provider.kind === "openai" ? withoutCacheControl(body) : body;
}

function nativeFor(adapter: ProviderAdapter, format: WireFormat): ProviderAdapter["nativeRequest"] | undefined {
  return adapter.native === format ? adapter.nativeRequest : undefined;
}

/** The call in the canonical (OpenAI) shape for this target. */
function canonical(call: ChatCall, target: PlannedTarget): ChatCompletionRequest {
  if (call.format === "openai") return openAIBody(call.body, target);
  const field = target.provider.kind === "openai" ? "max_completion_tokens" : "max_tokens";
  return toOpenAIRequest(call.body, call.model, target.provider.kind, field);
}

function estimateUsage(call: ChatCall, outputText: string): Usage {
  return estimatedUsage(call.promptTokens, countTokens(outputText));
}

/** The body a provider gets in its own format: an Anthropic body as sent (cache_control included). */
function nativeBody(call: ChatCall, target: PlannedTarget): Record<string, unknown> {
  return call.format === "openai" ? openAIBody(call.body, target) : call.body;
}

type NativeBody = { usage?: unknown; choices?: { message?: { content?: string | null } }[]; content?: { text?: string }[] };

async function answerOnce(call: ChatCall, target: PlannedTarget, options: CallOptions): Promise<JsonAnswer> {
  const adapter = adapterFor(target.provider);
  const native = nativeFor(adapter, call.format);
  if (native) {
    const { stream: _s, stream_options: _o, ...body } = nativeBody(call, target);
    const text = await (await upstreamFetch(native(target.target, body, options))).text();
    return { text, usage: nativeUsage(call, text) };
  }
  const completion = await adapter.chat(target.target, canonical(call, target), options);
  const body = call.format === "openai" ? completion : openAIResponseToAnthropic(completion, call.model);
  const usage = completion.usage ? usageFromOpenAI(completion.usage) : estimateUsage(call, completion.choices[0]?.message.content ?? "");
  return { text: JSON.stringify(body), usage };
}

/** The usage in a native answer, or (none reported) an estimate from its text. */
function nativeUsage(call: ChatCall, text: string): Usage {
  let parsed: NativeBody;
  try {
    parsed = JSON.parse(text) as NativeBody;
  } catch {
    throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
  }
  if (!parsed.usage) {
    const out = call.format === "openai" ? (parsed.choices?.[0]?.message?.content ?? "") : (parsed.content ?? []).map((b) => b.text ?? "").join("");
    return estimateUsage(call, out);
  }
  if (call.format === "openai") return usageFromOpenAI(parsed.usage as OpenAIChatCompletion["usage"] & object);
  return usageFromOpenAI(usageFromAnthropic(parsed.usage as AnthropicMessageResponse["usage"]));
}

async function openStream(call: ChatCall, target: PlannedTarget, options: CallOptions, costOf: CostOf): Promise<OpenedStream> {
  const adapter = adapterFor(target.provider);
  const native = nativeFor(adapter, call.format);
  const tally = new StreamTally();
  let events: ClientEvents;
  if (native) {
    const extra = call.format === "openai" ? { stream_options: { ...call.body.stream_options, include_usage: true } } : {};
    const res = await upstreamFetch(native(target.target, { ...nativeBody(call, target), stream: true, ...extra }, options));
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    events = call.format === "openai" ? passOpenAI(res.body, call.includeUsage, tally, costOf) : passAnthropic(res.body, tally);
  } else {
    const chunks = await adapter.chatStream(target.target, { ...canonical(call, target), stream: true }, options);
    events =
      call.format === "openai"
        ? renderOpenAI(chunks, call.includeUsage, tally, costOf)
        : renderAnthropic(chunks, { id: `msg_${crypto.randomUUID().replaceAll("-", "")}`, model: call.model }, tally);
  }
  // The first event decides: a failure before it still falls back to the next target.
  const first = await events.next();
  if (first.done) throw new UpstreamError("protocol", "upstream stream ended before any event");
  return { first: first.value, events, tally };
}
