// `anthropic`: the Messages API over plain fetch, no SDK: the request and stream shapes are
// small and translated by request.ts, response.ts and stream.ts; the SDK would only add weight.
import type { AnthropicMessageResponse } from "../../formats/anthropic.ts";
import { nowSeconds } from "../../translate/common.ts";
import { UpstreamError, upstreamFetch, upstreamJson } from "../../upstream.ts";
import { jsonRequest } from "../http.ts";
import type { ChunkStream, ProviderAdapter } from "../types.ts";
import { anthropicEvents } from "./events.ts";
import { toAnthropicRequest } from "./request.ts";
import { anthropicResponseToOpenAI } from "./response.ts";
import { AnthropicToOpenAIStream } from "./stream.ts";
import { ANTHROPIC_WIRE } from "./wire.ts";

export const anthropicAdapter: ProviderAdapter = {
  native: "anthropic",

  async chat(target, req, options) {
    const { stream: _stream, ...body } = toAnthropicRequest(req, target.model);
    const res = await upstreamFetch(jsonRequest(ANTHROPIC_WIRE, target, "chat", body, options));
    return anthropicResponseToOpenAI(await upstreamJson<AnthropicMessageResponse>(res), req.model, nowSeconds());
  },

  async chatStream(target, req, options): Promise<ChunkStream> {
    const res = await upstreamFetch(jsonRequest(ANTHROPIC_WIRE, target, "chat_stream", { ...toAnthropicRequest(req, target.model), stream: true }, options));
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    const events = anthropicEvents(res.body);
    return (async function* () {
      const translator = new AnthropicToOpenAIStream({ id: `chatcmpl-${crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
      for await (const event of events) yield* translator.push(event);
      yield translator.usageChunk();
    })();
  },

  nativeRequest(target, body, options) {
    return jsonRequest(ANTHROPIC_WIRE, target, "chat", { ...body, model: target.model }, options);
  },
};
