// `anthropic`: the Messages API over plain fetch, no SDK: the request and stream shapes are
// small and translated by translate/openai-to-anthropic.ts; the SDK would only add weight.
import type { AnthropicMessageResponse, AnthropicStreamEvent } from "../formats/anthropic.ts";
import { eventJson, sseEvents } from "../sse.ts";
import { AnthropicToOpenAIStream, anthropicResponseToOpenAI, toAnthropicRequest } from "../translate/openai-to-anthropic.ts";
import { nowSeconds } from "../translate/common.ts";
import { UpstreamError, upstreamFetch, upstreamJson, type UpstreamRequest, notJsonEvent } from "../upstream.ts";
import type { CallOptions, ChunkStream, ProviderAdapter, Target } from "./types.ts";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";
export const ANTHROPIC_VERSION = "2023-06-01";

function request(target: Target, path: string, body: Record<string, unknown>, options: CallOptions): UpstreamRequest {
  return {
    url: `${target.baseUrl.replace(/\/+$/, "")}${path}`,
    headers: {
      "content-type": "application/json",
      "anthropic-version": ANTHROPIC_VERSION,
      ...(target.apiKey ? { "x-api-key": target.apiKey } : {}),
    },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
  };
}

/** Reads an upstream SSE body as Anthropic events; ends only after `message_stop`. */
export async function* anthropicEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  for await (const raw of sseEvents(body)) {
    const event = eventJson<AnthropicStreamEvent>(raw, notJsonEvent);
    if (event.type === "error") throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: event.error.message });
    yield event;
    if (event.type === "message_stop") return;
  }
  throw new UpstreamError("protocol", "upstream stream ended without message_stop");
}

export const anthropicAdapter: ProviderAdapter = {
  native: "anthropic",

  async chat(target, req, options) {
    const { stream: _stream, ...body } = toAnthropicRequest(req, target.model);
    const res = await upstreamFetch(request(target, "/v1/messages", body, options));
    return anthropicResponseToOpenAI(await upstreamJson<AnthropicMessageResponse>(res), req.model, nowSeconds());
  },

  async chatStream(target, req, options): Promise<ChunkStream> {
    const res = await upstreamFetch(request(target, "/v1/messages", { ...toAnthropicRequest(req, target.model), stream: true }, options));
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    const events = anthropicEvents(res.body);
    return (async function* () {
      const translator = new AnthropicToOpenAIStream({ id: `chatcmpl-${crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
      for await (const event of events) yield* translator.push(event);
      yield translator.usageChunk();
    })();
  },

  nativeRequest(target, body, options) {
    return request(target, "/v1/messages", { ...body, model: target.model }, options);
  },
};
