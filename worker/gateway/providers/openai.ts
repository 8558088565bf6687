// `openai` and `openai-compatible` (Groq, Mistral, DeepSeek, Together, OpenRouter, Ollama,
// vLLM…): plain fetch, no SDK. The SDK would add ~100 KB to the bundle and its own retries and
// stream parsing, when all we need is one POST and an SSE reader we already have.
import type { ChatCompletionRequest, OpenAIChatCompletion, OpenAIChunk } from "../formats/openai.ts";
import type { EmbeddingsRequest } from "../openai-schema.ts";
import { eventJson, sseEvents } from "../sse.ts";
import { UpstreamError, upstreamFetch, upstreamJson, type UpstreamRequest, notJsonEvent } from "../upstream.ts";
import type { CallOptions, ChunkStream, EmbeddingsResponse, ProviderAdapter, Target } from "./types.ts";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

function request(target: Target, path: string, body: Record<string, unknown>, options: CallOptions): UpstreamRequest {
  return {
    url: `${target.baseUrl.replace(/\/+$/, "")}${path}`,
    headers: {
      "content-type": "application/json",
      ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
  };
}

/** Reads an upstream SSE body as OpenAI chunks; ends only after `data: [DONE]`. */
export async function* openAIChunks(body: ReadableStream<Uint8Array>): ChunkStream {
  for await (const event of sseEvents(body)) {
    if (event.data === "[DONE]") return;
    const chunk = eventJson<OpenAIChunk & { error?: { message?: string } }>(event, notJsonEvent);
    if (chunk.error) throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: chunk.error.message });
    yield chunk;
  }
  throw new UpstreamError("protocol", "upstream stream ended without data: [DONE]");
}

export const openAIAdapter: ProviderAdapter = {
  native: "openai",

  async chat(target, req, options) {
    const { stream: _stream, stream_options: _options, ...rest } = req;
    const res = await upstreamFetch(request(target, "/chat/completions", { ...rest, model: target.model }, options));
    return upstreamJson<OpenAIChatCompletion>(res);
  },

  async chatStream(target, req: ChatCompletionRequest, options) {
    const body = { ...req, model: target.model, stream: true, stream_options: { ...req.stream_options, include_usage: true } };
    const res = await upstreamFetch(request(target, "/chat/completions", body, options));
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    return openAIChunks(res.body);
  },

  async embed(target, req: EmbeddingsRequest, options) {
    const res = await upstreamFetch(request(target, "/embeddings", { ...req, model: target.model }, options));
    return upstreamJson<EmbeddingsResponse>(res);
  },

  nativeRequest(target, body, options) {
    return request(target, "/chat/completions", { ...body, model: target.model }, options);
  },
};
