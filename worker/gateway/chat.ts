// A chat call from either client format to any target: plan → attempts (retry, fallback) →
// the provider's native pass-through when formats match, else the canonical (OpenAI) path with
// translation → the answer in the client's format → usage recorded after the response.
import type { Context } from "hono";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall } from "./admission.ts";
import { type AttemptRecord, attemptHeaders, runAttempts } from "./attempts.ts";
import { cacheGet, cacheKey, cachePut, cacheTtl } from "./cache.ts";
import type { AnthropicMessageResponse, AnthropicMessagesRequest } from "./formats/anthropic.ts";
import type { ChatCompletionRequest, OpenAIChatCompletion } from "./formats/openai.ts";
import { upstreamHops } from "./hops.ts";
import { drainMs, pipe } from "./pipe.ts";
import { type CallPlan, type PlannedTarget, planCall } from "./plan.ts";
import { adapterFor } from "./providers/index.ts";
import type { CallOptions, ProviderAdapter, WireFormat } from "./providers/types.ts";
import { tenantCatalog } from "./resolve.ts";
import { refuseUnpricedFeatures } from "./unpriced-features.ts";
import { type ClientEvents, passAnthropic, passOpenAI, renderAnthropic, renderOpenAI, StreamTally, streamErrorEvent } from "./stream-out.ts";
import { countTokens } from "./tokens.ts";
import { toOpenAIRequest } from "./translate/anthropic-to-openai.ts";
import { openAIResponseToAnthropic } from "./translate/anthropic-to-openai.ts";
import { usageFromAnthropic } from "./translate/openai-to-anthropic.ts";
import { type Usage, usageFromOpenAI } from "./types.ts";
import { UpstreamError, upstreamFetch } from "./upstream.ts";
import { type CallRecord, recordCall, recordFailure } from "./record.ts";

interface CallSizes {
  /** Our estimate of the prompt's tokens (tokens.ts). */
  promptTokens: number;
  /** The most tokens the prompt can be (prompt-bound.ts). */
  promptBound: number;
}

export type ChatCall =
  | ({ format: "openai"; body: ChatCompletionRequest; model: string; stream: boolean; includeUsage: boolean } & CallSizes)
  | ({ format: "anthropic"; body: AnthropicMessagesRequest; model: string; stream: boolean; includeUsage: true } & CallSizes);

const endpointOf = (format: WireFormat) => (format === "openai" ? "chat.completions" : "messages");

function nativeFor(adapter: ProviderAdapter, format: WireFormat): ProviderAdapter["nativeRequest"] | undefined {
  return adapter.native === format ? adapter.nativeRequest : undefined;
}

/** The call in the canonical (OpenAI) shape for this target. */
function canonical(call: ChatCall, target: PlannedTarget): ChatCompletionRequest {
  if (call.format === "openai") return call.body;
  const field = target.provider.kind === "openai" ? "max_completion_tokens" : "max_tokens";
  return toOpenAIRequest(call.body, call.model, target.provider.kind, field);
}

function estimateUsage(call: ChatCall, outputText: string): Usage {
  return { inputTokens: call.promptTokens, outputTokens: countTokens(outputText), cachedTokens: 0, reasoningTokens: 0, estimated: true };
}

interface Answer {
  text: string;
  usage: Usage;
}

async function answerOnce(call: ChatCall, target: PlannedTarget, options: CallOptions): Promise<Answer> {
  const adapter = adapterFor(target.provider);
  const native = nativeFor(adapter, call.format);
  if (native) {
    const { stream: _s, stream_options: _o, ...body } = call.body as Record<string, unknown>;
    const res = await upstreamFetch(native(target.target, body, options));
    const text = await res.text();
    let parsed: { usage?: unknown; choices?: { message?: { content?: string | null } }[]; content?: { text?: string }[] };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
    }
    if (!parsed.usage) {
      const out = call.format === "openai" ? parsed.choices?.[0]?.message?.content ?? "" : (parsed.content ?? []).map((b) => b.text ?? "").join("");
      return { text, usage: estimateUsage(call, out) };
    }
    const usage = call.format === "openai" ? usageFromOpenAI(parsed.usage as OpenAIChatCompletion["usage"] & object) : usageFromOpenAI(usageFromAnthropic(parsed.usage as AnthropicMessageResponse["usage"]));
    return { text, usage };
  }
  const completion = await adapter.chat(target.target, canonical(call, target), options);
  const body = call.format === "openai" ? completion : openAIResponseToAnthropic(completion, call.model);
  const usage = completion.usage ? usageFromOpenAI(completion.usage) : estimateUsage(call, completion.choices[0]?.message.content ?? "");
  return { text: JSON.stringify(body), usage };
}

interface OpenedStream {
  first: Uint8Array;
  events: ClientEvents;
  tally: StreamTally;
}

async function openStream(call: ChatCall, target: PlannedTarget, options: CallOptions): Promise<OpenedStream> {
  const adapter = adapterFor(target.provider);
  const native = nativeFor(adapter, call.format);
  const tally = new StreamTally();
  let events: ClientEvents;
  if (native) {
    const extra = call.format === "openai" ? { stream_options: { ...call.body.stream_options, include_usage: true } } : {};
    const res = await upstreamFetch(native(target.target, { ...call.body, stream: true, ...extra }, options));
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    events = call.format === "openai" ? passOpenAI(res.body, call.includeUsage, tally) : passAnthropic(res.body, tally);
  } else {
    const chunks = await adapter.chatStream(target.target, { ...canonical(call, target), stream: true }, options);
    events = call.format === "openai" ? renderOpenAI(chunks, call.includeUsage, tally) : renderAnthropic(chunks, { id: `msg_${crypto.randomUUID().replaceAll("-", "")}`, model: call.model }, tally);
  }
  // The first event decides: a failure before it still falls back to the next target.
  const first = await events.next();
  if (first.done) throw new UpstreamError("protocol", "upstream stream ended before any event");
  return { first: first.value, events, tally };
}

function baseRecord(c: Context<AppEnv>, call: ChatCall, startedAt: number, attempts: AttemptRecord[]): Omit<CallRecord, "target" | "status" | "usage"> {
  return { c, endpoint: endpointOf(call.format), stream: call.stream, startedAt, attempts };
}

function requestedMaxOutput(call: ChatCall): number | null | undefined {
  return call.format === "openai" ? call.body.max_completion_tokens ?? call.body.max_tokens : call.body.max_tokens;
}

export async function runChat(c: Context<AppEnv>, call: ChatCall): Promise<Response> {
  const startedAt = Date.now();
  const key = c.var.apiKey;
  const plan: CallPlan = await planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, call.model, c.env.SECRETS_KEY);
  refuseUnpricedFeatures(plan, call.body);
  const limitHeaders = await admitCall(c, plan, { promptTokens: call.promptTokens, promptBound: call.promptBound, maxOutput: requestedMaxOutput(call) });
  const attempts: AttemptRecord[] = [];
  const record = baseRecord(c, call, startedAt, attempts);
  const fail = (error: unknown): never => recordFailure({ ...record, target: plan.targets[0], limitHeaders }, error);

  if (!call.stream) {
    const ttl = cacheTtl(c.req.header("x-aggregator-cache"), plan.cacheTtlSeconds);
    const cacheId = ttl ? await cacheKey(key.tenantId, c.req.path, call.body) : null;
    const cached = cacheId ? await cacheGet(cacheId) : null;
    if (cached !== null) {
      recordCall({ ...record, target: plan.targets[0], status: 200, usage: null, cached: true });
      return new Response(cached, { headers: { "content-type": "application/json", "x-aggregator-cache": "HIT", "x-aggregator-attempts": "cache", ...limitHeaders } });
    }
    const result = await runAttempts(plan, (target, timeoutMs) => answerOnce(call, target, { timeoutMs, hops: upstreamHops(c) }), attempts).catch(fail);
    recordCall({ ...record, target: result.target, status: 200, usage: result.value.usage });
    if (cacheId && ttl) c.executionCtx.waitUntil(cachePut(cacheId, result.value.text, ttl));
    return new Response(result.value.text, {
      headers: {
        "content-type": "application/json",
        ...attemptHeaders(attempts),
        "x-aggregator-cache": cacheId ? "MISS" : "BYPASS",
        ...limitHeaders,
      },
    });
  }

  const abort = new AbortController();
  const result = await runAttempts(plan, (target, timeoutMs) => openStream(call, target, { timeoutMs, signal: abort.signal, hops: upstreamHops(c) }), attempts, abort.signal).catch(fail);
  const ttfbMs = Date.now() - startedAt;
  const { first, events, tally } = result.value;
  const body = pipe(c.executionCtx, {
    first,
    events,
    abort,
    drainMs: drainMs(c.env.STREAM_DRAIN_MS),
    errorEvent: (error) => streamErrorEvent(call.format, error instanceof UpstreamError ? `Upstream stream failed: ${error.message}` : "Upstream stream failed."),
    end: (status, errorType) => recordCall({ ...record, target: result.target, status, usage: tally.final(call.promptTokens), ttfbMs, ...(errorType ? { errorType } : {}) }),
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      ...attemptHeaders(attempts),
      "x-aggregator-cache": "BYPASS",
      ...limitHeaders,
    },
  });
}
