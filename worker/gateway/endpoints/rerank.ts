// POST /v1/rerank: the shape Cohere, Jina and vLLM share (`query`, `documents`, `top_n`), to
// openai-compatible hosts that serve it. Billed per search unit (a query over up to 100
// documents, as Cohere counts) where the model has that price, else by the tokens the host
// reports (Jina) or ours: the query is read once per document.
import * as z from "zod";
import { readSizedJson } from "../../core/validation.ts";
import { endpoint } from "../call.ts";
import { mediaJsonAttempt } from "../media/attempt.ts";
import { mediaPlan } from "../media/plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { countTokens } from "../tokens.ts";
import { type MeteredUnits, tokenCount, type Usage, unitUsage } from "../types.ts";
import { withUsageCost } from "../usage-cost.ts";

const MAX_DOCUMENTS = 1000;
const DOCUMENTS_PER_SEARCH_UNIT = 100;

const document = z.union([z.string().max(100_000), z.looseObject({ text: z.string().max(100_000) })]);

export const rerankRequest = z.looseObject({
  model: z.string().min(1).max(256),
  query: z.string().min(1).max(32_000),
  documents: z.array(document).min(1).max(MAX_DOCUMENTS),
  top_n: z.int().min(1).max(MAX_DOCUMENTS).optional(),
  return_documents: z.boolean().optional(),
});

interface RerankAnswer {
  results?: unknown[];
  usage?: { total_tokens?: number; prompt_tokens?: number };
  meta?: { billed_units?: { search_units?: number } };
}

export const rerank = endpoint<RerankAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, rerankRequest);
  const docs = body.documents.map((d) => (typeof d === "string" ? d : d.text));
  const queryTokens = countTokens(body.query);
  const estimate = queryTokens * docs.length + docs.reduce((s, d) => s + countTokens(d), 0);
  const units: MeteredUnits = { kind: "search_unit", count: Math.ceil(docs.length / DOCUMENTS_PER_SEARCH_UNIT) };
  const queryBound = promptTokenBound(body.query, new TextEncoder().encode(body.query).byteLength);
  return {
    endpoint: "rerank",
    model: body.model,
    body,
    size: { promptTokens: estimate, promptBound: promptTokenBound(text, bytes) + queryBound * docs.length, maxOutput: 0, units },
    refuseUnpriced: false,
    cacheable: true,
    narrow: mediaPlan("rerank", units, true),
    stream: false,
    attempt: mediaJsonAttempt<RerankAnswer>("rerank", body),
    render: (answer) => {
      const reported = tokenCount(answer.usage?.total_tokens ?? answer.usage?.prompt_tokens);
      const searches = tokenCount(answer.meta?.billed_units?.search_units) || units.count;
      const usage: Usage = { ...unitUsage("search_unit", searches), inputTokens: reported || estimate, estimated: !reported };
      return { text: JSON.stringify({ ...answer, model: body.model, usage: { ...answer.usage, total_tokens: usage.inputTokens } }), usage };
    },
    withCost: withUsageCost,
  };
});
