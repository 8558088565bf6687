// `gemini`: Google's native generateContent / streamGenerateContent REST API over plain fetch
// (the @google/genai SDK is large and Node-leaning; the REST shapes are simple).
import type { GeminiResponse } from "../formats/gemini.ts";
import type { EmbeddingsRequest } from "../openai-schema.ts";
import { eventJson, sseEvents } from "../sse.ts";
import { nowSeconds } from "../translate/common.ts";
import { GeminiToOpenAIStream, geminiResponseToOpenAI, toGeminiRequest } from "../translate/openai-to-gemini.ts";
import { UpstreamError, upstreamFetch, upstreamJson, type UpstreamRequest, notJsonEvent } from "../upstream.ts";
import type { CallOptions, ChunkStream, EmbeddingsResponse, ProviderAdapter, Target } from "./types.ts";

export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

function request(target: Target, action: string, body: unknown, options: CallOptions): UpstreamRequest {
  return {
    url: `${target.baseUrl.replace(/\/+$/, "")}/v1beta/models/${encodeURIComponent(target.model)}:${action}`,
    headers: { "content-type": "application/json", ...(target.apiKey ? { "x-goog-api-key": target.apiKey } : {}) },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
  };
}

async function* geminiResponses(body: ReadableStream<Uint8Array>): AsyncGenerator<GeminiResponse, void, undefined> {
  for await (const event of sseEvents(body)) yield eventJson<GeminiResponse>(event, notJsonEvent);
}

interface BatchEmbedResponse {
  embeddings?: { values: number[] }[];
}

export const geminiAdapter: ProviderAdapter = {
  native: null,

  async chat(target, req, options) {
    const res = await upstreamFetch(request(target, "generateContent", toGeminiRequest(req), options));
    const body = await upstreamJson<GeminiResponse>(res);
    return geminiResponseToOpenAI(body, { id: `chatcmpl-${body.responseId ?? crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
  },

  async chatStream(target, req, options): Promise<ChunkStream> {
    const upstream = request(target, "streamGenerateContent", toGeminiRequest(req), options);
    const res = await upstreamFetch({ ...upstream, url: `${upstream.url}?alt=sse` });
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    const responses = geminiResponses(res.body);
    return (async function* () {
      const translator = new GeminiToOpenAIStream({ id: `chatcmpl-${crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
      for await (const response of responses) yield* translator.push(response);
      // Gemini has no terminator event: a stream that ends without a finish reason was cut.
      if (!translator.finished) throw new UpstreamError("protocol", "upstream stream ended without a finish reason");
      yield translator.usageChunk();
    })();
  },

  async embed(target, req: EmbeddingsRequest, options): Promise<EmbeddingsResponse> {
    const inputs = typeof req.input === "string" ? [req.input] : req.input;
    const body = {
      requests: inputs.map((text) => ({
        model: `models/${target.model}`,
        content: { parts: [{ text }] },
        ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}),
      })),
    };
    const res = await upstreamFetch(request(target, "batchEmbedContents", body, options));
    const parsed = await upstreamJson<BatchEmbedResponse>(res);
    return {
      object: "list",
      data: (parsed.embeddings ?? []).map((e, index) => ({ object: "embedding", index, embedding: e.values })),
      model: req.model,
      // Gemini's embedding API reports no token counts.
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  },
};
