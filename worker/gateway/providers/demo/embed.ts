// The demo provider's `embed` model: deterministic unit vectors, so equal texts embed equally.
import { AppError } from "../../../core/errors.ts";
import { countTokens } from "../../tokens.ts";
import type { EmbeddingsResponse } from "../types.ts";
import { isDemoModel } from "./models.ts";

const EMBEDDING_DIMENSIONS = 256;

export function demoEmbed(model: string, inputs: string[], dimensions = EMBEDDING_DIMENSIONS): EmbeddingsResponse {
  if (!isDemoModel(model, "embedding")) {
    throw new AppError("not_found", `The model 'demo/${model}' is not an embedding model.`, { code: "model_not_found", param: "model" });
  }
  const inputTokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
  return {
    object: "list",
    data: inputs.map((text, index) => ({ object: "embedding", index, embedding: unitVector(text, dimensions) })),
    model: `demo/${model}`,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
}

/** A deterministic unit vector from the text: FNV-1a seeds an xorshift generator. */
function unitVector(text: string, dimensions: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
  seed ||= 1;
  const v: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    v.push(((seed >>> 0) / 0xffffffff) * 2 - 1);
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
