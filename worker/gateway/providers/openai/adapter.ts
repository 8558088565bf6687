// `openai` and `openai-compatible` (Groq, Mistral, DeepSeek, Together, OpenRouter, Ollama,
// vLLM…): plain fetch, no SDK. The SDK would add ~100 KB to the bundle and its own retries and
// stream parsing, when all we need is one POST and an SSE reader we already have.
import type { ChatCompletionRequest, OpenAIChatCompletion } from "../../formats/openai.ts";
import type { EmbeddingsRequest } from "../../openai-schema.ts";
import { UpstreamError, upstreamFetch, upstreamJson } from "../../upstream.ts";
import type { Wire } from "../descriptor.ts";
import { formRequest, jsonRequest } from "../http.ts";
import type { EmbeddingsResponse, ProviderAdapter } from "../types.ts";
import { openAIBatches } from "./batches.ts";
import { openAIChunks } from "./chunks.ts";
import { OPENAI_WIRE } from "./wire.ts";

/** An adapter for an API shaped like OpenAI's, at the paths and with the headers of `wire`. */
export function openAIShapedAdapter(wire: Wire): ProviderAdapter {
  return {
    native: "openai",

    async chat(target, req, options) {
      const { stream: _stream, stream_options: _options, ...rest } = req;
      const res = await upstreamFetch(jsonRequest(wire, target, "chat", { ...rest, model: target.model }, options));
      return upstreamJson<OpenAIChatCompletion>(res);
    },

    async chatStream(target, req: ChatCompletionRequest, options) {
      const body = { ...req, model: target.model, stream: true, stream_options: { ...req.stream_options, include_usage: true } };
      const res = await upstreamFetch(jsonRequest(wire, target, "chat_stream", body, options));
      if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
      return openAIChunks(res.body);
    },

    async embed(target, req: EmbeddingsRequest, options) {
      const res = await upstreamFetch(jsonRequest(wire, target, "embeddings", { ...req, model: target.model }, options));
      return upstreamJson<EmbeddingsResponse>(res);
    },

    nativeRequest(target, body, options) {
      return jsonRequest(wire, target, "chat", { ...body, model: target.model }, options);
    },

    media: {
      serves: (endpoint) => wire.endpoints[endpoint] !== undefined,
      call: (target, { endpoint, body }, options) =>
        upstreamFetch(
          body instanceof FormData
            ? formRequest(wire, target, endpoint, body, options)
            : { ...jsonRequest(wire, target, endpoint, { ...body, model: target.model }, options), binary: endpoint === "speech" },
        ),
    },
  };
}

export const openAIAdapter: ProviderAdapter = { ...openAIShapedAdapter(OPENAI_WIRE), batches: openAIBatches };
