// `anthropic`: the Messages API over plain fetch, no SDK: the request and stream shapes are
// small and translated by request.ts, response.ts and stream.ts; the SDK would only add weight.
import type { AnthropicMessageResponse } from "../../formats/anthropic.ts";
import { nowSeconds } from "../../translate/common.ts";
import { UpstreamError, upstreamFetch, upstreamJson } from "../../upstream.ts";
import { jsonRequest } from "../http.ts";
import type { CallOptions, ChunkStream, ProviderAdapter } from "../types.ts";
import { anthropicEvents } from "./events.ts";
import { withCacheBreakpoints } from "./prompt-cache.ts";
import { toAnthropicRequest } from "./request.ts";
import { anthropicResponseToOpenAI } from "./response.ts";
import { AnthropicToOpenAIStream } from "./stream.ts";
import { ANTHROPIC_WIRE } from "./wire.ts";

/** The body with cache breakpoints when the key or route asks the gateway to place them. */
const cached = <T extends object>(body: T, options: CallOptions): T =>
  options.promptCache ? (withCacheBreakpoints(body as T & Record<string, unknown>) as T) : body;

export const anthropicAdapter: ProviderAdapter = {
  native: "anthropic",

  async chat(target, req, options) {
    const { stream: _stream, ...body } = toAnthropicRequest(req, target.model);
    const res = await upstreamFetch(jsonRequest(ANTHROPIC_WIRE, target, "chat", cached(body, options), options));
    return anthropicResponseToOpenAI(await upstreamJson<AnthropicMessageResponse>(res), req.model, nowSeconds());
  },

  async chatStream(target, req, options): Promise<ChunkStream> {
    const res = await upstreamFetch(
      jsonRequest(ANTHROPIC_WIRE, target, "chat_stream", cached({ ...toAnthropicRequest(req, target.model), stream: true }, options), options),
    );
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    const events = anthropicEvents(res.body);
    return (async function* () {
      const translator = new AnthropicToOpenAIStream({ id: `chatcmpl-${crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
      for await (const event of events) yield* translator.push(event);
      yield translator.usageChunk();
    })();
  },

  nativeRequest(target, body, options) {
    return jsonRequest(ANTHROPIC_WIRE, target, "chat", cached({ ...body, model: target.model }, options), options);
  },
};
