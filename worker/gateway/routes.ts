// The data plane: OpenAI- and Anthropic-compatible /v1 endpoints. Handlers validate and hand
// over to chat.ts (chat in either format) or the small flows below.
import { type Context, Hono } from "hono";
import { AppError } from "../core/errors.ts";
import { readJson, readSizedJson } from "../core/validation.ts";
import { priceFor } from "../db/catalog.ts";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall, admitFreeCall } from "./admission.ts";
import { type AttemptRecord, attemptHeaders, runAttempts } from "./attempts.ts";
import { authenticateKey } from "./auth.ts";
import { gateFor } from "./gate.ts";
import { runChat } from "./chat.ts";
import { type AnthropicCountTokensRequest, anthropicCountTokensRequest, anthropicMessagesRequest } from "./formats/anthropic.ts";
import { refuseLoops, upstreamHops } from "./hops.ts";
import { chatCompletionRequest, embeddingsRequest } from "./openai-schema.ts";
import { type PlannedTarget, planCall } from "./plan.ts";
import { promptTokenBound } from "./prompt-bound.ts";
import { anthropicPromptTokens, openAIPromptTokens } from "./prompt-tokens.ts";
import { adapterFor } from "./providers/index.ts";
import { recordCall, recordFailure, recordRefusals } from "./record.ts";
import { isModelAllowed, tenantCatalog } from "./resolve.ts";
import { passResponses } from "./responses.ts";
import { countTokens } from "./tokens.ts";
import { upstreamFetch, upstreamJson } from "./upstream.ts";
import { priceWithMarkup } from "./usage.ts";

export const gateway = new Hono<AppEnv>();

gateway.use("*", authenticateKey, recordRefusals, refuseLoops);

gateway.post("/chat/completions", async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, chatCompletionRequest);
  return runChat(c, {
    format: "openai",
    body,
    model: body.model,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    promptTokens: openAIPromptTokens(body),
    promptBound: promptTokenBound(text, bytes),
  });
});

gateway.post("/messages", async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, anthropicMessagesRequest);
  return runChat(c, {
    format: "anthropic",
    body,
    model: body.model,
    stream: body.stream === true,
    includeUsage: true,
    promptTokens: anthropicPromptTokens(body),
    promptBound: promptTokenBound(text, bytes),
  });
});

async function plan(c: Context<AppEnv>, model: string) {
  const key = c.var.apiKey;
  return planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, model, c.env.SECRETS_KEY);
}

interface TokenCount {
  input_tokens: number;
}

/** Anthropic's own count (its tokenizer); for any other provider ours, without an upstream call. */
async function countInputTokens(target: PlannedTarget, body: AnthropicCountTokensRequest, attempts: AttemptRecord[], hops: number): Promise<TokenCount> {
  if (target.provider.kind !== "anthropic") return { input_tokens: anthropicPromptTokens(body) };
  const native = adapterFor(target.provider).nativeRequest!(target.target, body, { timeoutMs: 30_000, hops });
  const url = native.url.replace(/\/v1\/messages$/, "/v1/messages/count_tokens");
  const counted = await runAttempts(
    { targets: [target], retries: 1, timeoutMs: 30_000, cacheTtlSeconds: null, gateShards: 1 },
    async () => upstreamJson<TokenCount>(await upstreamFetch({ ...native, url })),
    attempts,
  );
  return counted.value;
}

// Free, like Anthropic's own, but rate limited like it: admitted against the requests per
// minute only, and logged at zero cost.
gateway.post("/messages/count_tokens", async (c) => {
  const startedAt = Date.now();
  const body = await readJson(c.req.raw, anthropicCountTokensRequest);
  const callPlan = await plan(c, body.model);
  const target = callPlan.targets[0]!;
  const limitHeaders = await admitFreeCall(c, callPlan);
  const attempts: AttemptRecord[] = [];
  const record = { c, endpoint: "messages.count_tokens", stream: false, startedAt, attempts, target };
  const count = await countInputTokens(target, body, attempts, upstreamHops(c)).catch((error: unknown) => recordFailure({ ...record, limitHeaders }, error));
  recordCall({ ...record, status: 200, usage: null });
  for (const [name, value] of Object.entries({ ...attemptHeaders(attempts), ...limitHeaders })) c.header(name, value);
  return c.json(count);
});

gateway.post("/embeddings", async (c) => {
  const startedAt = Date.now();
  const { body, bytes, text } = await readSizedJson(c.req.raw, embeddingsRequest);
  const callPlan = await plan(c, body.model);
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const estimate = inputs.reduce((s, t) => s + countTokens(t), 0);
  const limitHeaders = await admitCall(c, callPlan, { promptTokens: estimate, promptBound: promptTokenBound(text, bytes), maxOutput: 0 });
  const attempts: AttemptRecord[] = [];
  const result = await runAttempts(
    callPlan,
    async (target, timeoutMs) => {
      const adapter = adapterFor(target.provider);
      if (!adapter.embed) throw new AppError("invalid_request", `'${target.name}' has no embeddings endpoint.`, { code: "unsupported_endpoint", param: "model" });
      return adapter.embed(target.target, body, { timeoutMs, hops: upstreamHops(c) });
    },
    attempts,
  ).catch((error: unknown) => recordFailure({ c, endpoint: "embeddings", stream: false, startedAt, attempts, target: callPlan.targets[0], limitHeaders }, error));
  const reported = result.value.usage.prompt_tokens;
  const inputTokens = reported || estimate;
  recordCall({
    c,
    endpoint: "embeddings",
    stream: false,
    startedAt,
    attempts,
    target: result.target,
    status: 200,
    usage: { inputTokens, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, estimated: !reported },
  });
  for (const [name, value] of Object.entries({ ...attemptHeaders(attempts), ...limitHeaders })) c.header(name, value);
  const data = body.encoding_format === "base64" ? result.value.data.map((d) => ({ ...d, embedding: base64Embedding(d.embedding) })) : result.value.data;
  return c.json({ ...result.value, data, model: body.model, usage: { prompt_tokens: inputTokens, total_tokens: inputTokens } });
});

/** A vector in OpenAI's base64 encoding (little-endian float32); an upstream's own encoding is kept. */
function base64Embedding(embedding: number[] | string): string {
  if (typeof embedding === "string") return embedding;
  let binary = "";
  for (const byte of new Uint8Array(new Float32Array(embedding).buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

gateway.post("/responses", passResponses);

gateway.get("/models", async (c) => {
  const key = c.var.apiKey;
  // Nothing is admitted here, so the gate is asked: a key revoked elsewhere stops at once.
  const [usable, catalog] = await Promise.all([gateFor(c.env, key.tenantId).keyUsable(key.tenantId, key.id), tenantCatalog(getDb(c.env.DB), key.tenantId)]);
  if (!usable) throw new AppError("authentication", "Incorrect API key provided.", { code: "invalid_api_key" });
  const models = catalog.providers.flatMap((provider) =>
    provider.models
      .map((model) => ({ id: `${provider.name}/${model}`, price: priceFor(catalog, provider, model) }))
      // An unpriced platform model cannot be called (model_not_priced): not listed.
      .filter(({ id, price }) => isModelAllowed(key, id) && (price !== undefined || provider.tenantId !== null))
      .map(({ id, price }) => {
        return {
          id,
          object: "model",
          created: Math.floor(provider.createdAt / 1000),
          owned_by: provider.name,
          ...(price
            ? {
                pricing: {
                  input_per_mtok_micros: priceWithMarkup(price.inputPerMTokMicros, price.markupBps),
                  output_per_mtok_micros: priceWithMarkup(price.outputPerMTokMicros, price.markupBps),
                },
              }
            : {}),
        };
      }),
  );
  const aliases = [...catalog.routes.values()]
    .filter((route) => isModelAllowed(key, route.alias))
    .map((route) => ({ id: route.alias, object: "model", created: Math.floor(route.createdAt / 1000), owned_by: "route", targets: route.targets.map((t) => t.model) }));
  return c.json({ object: "list", data: [...models, ...aliases] });
});

gateway.all("*", (c) => {
  throw new AppError("not_found", `Unknown endpoint: ${c.req.method} ${c.req.path}`, { code: "unknown_url" });
});
