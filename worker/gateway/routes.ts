// The data plane: OpenAI-compatible /v1 endpoints.
import { Hono } from "hono";
import type { Context } from "hono";
import { AppError } from "../core/errors.ts";
import { readJson } from "../core/validation.ts";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { authenticateKey } from "./auth.ts";
import { chatCompletionBody, chatCompletionStream } from "./openai-format.ts";
import { chatCompletionRequest, embeddingsRequest, messageText } from "./openai-schema.ts";
import { adapterFor } from "./providers/index.ts";
import { isModelAllowed, type ResolvedModel, resolveModel, tenantCatalog } from "./resolve.ts";
import { countTokens } from "./tokens.ts";
import type { Usage } from "./types.ts";
import { costMicros, recordUsage } from "./usage.ts";

export const gateway = new Hono<AppEnv>();

gateway.use("*", authenticateKey);

async function resolve(c: Context<AppEnv>, model: string): Promise<ResolvedModel> {
  const key = c.var.apiKey;
  return resolveModel(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, model);
}

interface Outcome {
  endpoint: string;
  target: ResolvedModel;
  status: number;
  usage: Usage;
  stream: boolean;
  startedAt: number;
  ttfbMs: number | null;
  errorType?: string;
}

function record(c: Context<AppEnv>, o: Outcome): void {
  const key = c.var.apiKey;
  c.executionCtx.waitUntil(
    recordUsage(c.env, {
      id: c.var.requestId,
      tenantId: key.tenantId,
      keyId: key.id,
      provider: o.target.provider.name,
      model: o.target.name,
      endpoint: o.endpoint,
      status: o.status,
      errorType: o.errorType ?? null,
      stream: o.stream,
      latencyMs: Date.now() - o.startedAt,
      ttfbMs: o.ttfbMs,
      inputTokens: o.usage.inputTokens,
      outputTokens: o.usage.outputTokens,
      cachedTokens: o.usage.cachedTokens,
      reasoningTokens: o.usage.reasoningTokens,
      costMicros: costMicros(o.usage, o.target.price),
      estimated: o.usage.estimated,
      attempts: [o.target.provider.name],
      createdAt: o.startedAt,
    }),
  );
}

gateway.post("/chat/completions", async (c) => {
  const startedAt = Date.now();
  const req = await readJson(c.req.raw, chatCompletionRequest);
  const target = await resolve(c, req.model);
  const adapter = adapterFor(target.provider);
  const meta = { id: `chatcmpl-${c.var.requestId}`, model: req.model, created: Math.floor(startedAt / 1000) };
  c.header("x-aggregator-provider", target.provider.name);
  c.header("x-aggregator-attempts", target.provider.name);

  if (!req.stream) {
    const result = await adapter.chat(target.upstreamModel, req);
    record(c, { endpoint: "chat.completions", target, status: 200, usage: result.usage, stream: false, startedAt, ttfbMs: Date.now() - startedAt });
    return c.json(chatCompletionBody(meta, result));
  }

  const promptTokens = req.messages.reduce((sum, m) => sum + countTokens(messageText(m)), 0);
  const body = chatCompletionStream(
    meta,
    adapter.chatStream(target.upstreamModel, req),
    { includeUsage: req.stream_options?.include_usage === true, startedAt, countTokens, promptTokens },
    (outcome) =>
      record(c, {
        endpoint: "chat.completions",
        target,
        status: outcome.end === "error" ? 502 : outcome.end === "client_closed" ? 499 : 200,
        usage: outcome.usage,
        stream: true,
        startedAt,
        ttfbMs: outcome.ttfbMs,
        ...(outcome.end === "complete" ? {} : { errorType: outcome.end }),
      }),
  );
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-aggregator-provider": target.provider.name,
      "x-aggregator-attempts": target.provider.name,
    },
  });
});

gateway.post("/embeddings", async (c) => {
  const startedAt = Date.now();
  const req = await readJson(c.req.raw, embeddingsRequest);
  const target = await resolve(c, req.model);
  const inputs = typeof req.input === "string" ? [req.input] : req.input;
  const result = await adapterFor(target.provider).embed(target.upstreamModel, inputs, req.dimensions);
  record(c, { endpoint: "embeddings", target, status: 200, usage: result.usage, stream: false, startedAt, ttfbMs: Date.now() - startedAt });
  c.header("x-aggregator-provider", target.provider.name);
  return c.json({
    object: "list",
    data: result.vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model: req.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  });
});

gateway.get("/models", async (c) => {
  const key = c.var.apiKey;
  const catalog = await tenantCatalog(getDb(c.env.DB), key.tenantId);
  const data = catalog.providers.flatMap((provider) =>
    provider.models
      .map((model) => `${provider.name}/${model}`)
      .filter((id) => isModelAllowed(key, id))
      .map((id) => {
        const price = catalog.prices.get(id);
        return {
          id,
          object: "model",
          created: Math.floor(provider.createdAt / 1000),
          owned_by: provider.name,
          ...(price ? { pricing: { input_per_mtok_micros: price.inputPerMTokMicros, output_per_mtok_micros: price.outputPerMTokMicros } } : {}),
        };
      }),
  );
  return c.json({ object: "list", data });
});

gateway.all("*", (c) => {
  throw new AppError("not_found", `Unknown endpoint: ${c.req.method} ${c.req.path}`, { code: "unknown_url" });
});
