// POST /v1/embeddings: OpenAI's shape, to any provider with an embeddings endpoint.
import { AppError } from "../../core/errors.ts";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint, type JsonAnswer } from "../call.ts";
import { type EmbeddingsRequest, embeddingsRequest } from "../openai-schema.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { adapterFor } from "../providers/index.ts";
import type { EmbeddingsResponse } from "../providers/types.ts";
import { countTokens } from "../tokens.ts";
import { emptyUsage, tokenCount } from "../types.ts";
import { withUsageCost } from "../usage-cost.ts";

export const embeddings = endpoint<EmbeddingsResponse>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, embeddingsRequest);
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const estimate = inputs.reduce((s, t) => s + countTokens(t), 0);
  return {
    endpoint: "embeddings",
    model: body.model,
    body,
    size: { promptTokens: estimate, promptBound: promptTokenBound(text, bytes), maxOutput: 0 },
    refuseUnpriced: false,
    stream: false,
    attempt: (target, options) => {
      const adapter = adapterFor(target.provider);
      if (!adapter.embed)
        throw new AppError("invalid_request", `'${target.name}' has no embeddings endpoint.`, { code: "unsupported_endpoint", param: "model" });
      return adapter.embed(target.target, body, options);
    },
    render: (answer) => render(body, answer, estimate),
    withCost: withUsageCost,
  };
});

/** The provider's count, else ours; the model as the client named it. */
function render(body: EmbeddingsRequest, answer: EmbeddingsResponse, estimate: number): JsonAnswer {
  const reported = tokenCount(answer.usage?.prompt_tokens);
  const inputTokens = reported || estimate;
  const data = body.encoding_format === "base64" ? answer.data.map((d) => ({ ...d, embedding: base64Embedding(d.embedding) })) : answer.data;
  return {
    text: JSON.stringify({ ...answer, data, model: body.model, usage: { prompt_tokens: inputTokens, total_tokens: inputTokens } }),
    usage: { ...emptyUsage(), inputTokens, estimated: !reported },
  };
}

/** A vector in OpenAI's base64 encoding (little-endian float32); an upstream's own encoding is kept. */
function base64Embedding(embedding: number[] | string): string {
  if (typeof embedding === "string") return embedding;
  let binary = "";
  for (const byte of new Uint8Array(new Float32Array(embedding).buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
