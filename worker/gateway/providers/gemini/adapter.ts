// `gemini`: Google's native generateContent / streamGenerateContent REST API over plain fetch
// (the @google/genai SDK is large and Node-leaning; the REST shapes are simple).
import type { GeminiResponse } from "../../formats/gemini.ts";
import type { EmbeddingsRequest } from "../../openai-schema.ts";
import { eventJson, sseEvents } from "../../sse.ts";
import { nowSeconds } from "../../translate/common.ts";
import { notJsonEvent, UpstreamError, upstreamFetch, upstreamJson } from "../../upstream.ts";
import { jsonRequest } from "../http.ts";
import type { ChunkStream, EmbeddingsResponse, ProviderAdapter } from "../types.ts";
import { toGeminiRequest } from "./request.ts";
import { geminiResponseToOpenAI } from "./response.ts";
import { GeminiToOpenAIStream } from "./stream.ts";
import { geminiImages } from "./images.ts";
import { GEMINI_WIRE } from "./wire.ts";

async function* geminiResponses(body: ReadableStream<Uint8Array>): AsyncGenerator<GeminiResponse, void, undefined> {
  for await (const event of sseEvents(body)) yield eventJson<GeminiResponse>(event, notJsonEvent);
}

interface BatchEmbedResponse {
  embeddings?: { values: number[] }[];
}

export const geminiAdapter: ProviderAdapter = {
  native: null,
  media: geminiImages,

  async chat(target, req, options) {
    const res = await upstreamFetch(jsonRequest(GEMINI_WIRE, target, "chat", toGeminiRequest(req), options));
    const body = await upstreamJson<GeminiResponse>(res);
    return geminiResponseToOpenAI(body, { id: `chatcmpl-${body.responseId ?? crypto.randomUUID()}`, model: req.model, created: nowSeconds() });
  },

  async chatStream(target, req, options): Promise<ChunkStream> {
    const res = await upstreamFetch(jsonRequest(GEMINI_WIRE, target, "chat_stream", toGeminiRequest(req), options));
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
    const res = await upstreamFetch(jsonRequest(GEMINI_WIRE, target, "embeddings", body, options));
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
