// POST /v1/responses: OpenAI's Responses API, passed through to OpenAI-kind providers only.
// Bytes go to the client as they arrive; usage is read from `response.completed` on the way.
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { readJson } from "../core/validation.ts";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall } from "./admission.ts";
import { type AttemptRecord, runAttempts } from "./attempts.ts";
import { planCall } from "./plan.ts";
import { adapterFor } from "./providers/index.ts";
import { recordCall, recordFailure } from "./record.ts";
import { tenantCatalog } from "./resolve.ts";
import { SseParser } from "./sse.ts";
import { countTokens } from "./tokens.ts";
import type { Usage } from "./types.ts";
import { upstreamFetch } from "./upstream.ts";

const responsesRequest = z.looseObject({
  model: z.string().min(1).max(256),
  stream: z.boolean().optional(),
  input: z.unknown().optional(),
  max_output_tokens: z.int().min(1).nullish(),
});

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

function usageOf(u: ResponsesUsage | undefined): Usage | null {
  if (!u) return null;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}

export async function passResponses(c: Context<AppEnv>): Promise<Response> {
  const startedAt = Date.now();
  const body = await readJson(c.req.raw, responsesRequest);
  const key = c.var.apiKey;
  const plan = await planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, body.model, c.env.SECRETS_KEY);
  plan.targets = plan.targets.filter((t) => t.provider.kind === "openai" || t.provider.kind === "openai-compatible");
  if (!plan.targets.length) {
    throw new AppError("invalid_request", "The Responses API is only available for OpenAI-kind providers.", { code: "unsupported_endpoint", param: "model" });
  }
  const limitHeaders = await admitCall(c, plan, countTokens(JSON.stringify(body.input ?? "")), typeof body.max_output_tokens === "number" ? body.max_output_tokens : null);
  const attempts: AttemptRecord[] = [];
  const abort = new AbortController();
  const result = await runAttempts(
    plan,
    (target, timeoutMs) => {
      const native = adapterFor(target.provider).nativeRequest!(target.target, body, { timeoutMs, signal: abort.signal });
      return upstreamFetch({ ...native, url: native.url.replace(/\/chat\/completions$/, "/responses") });
    },
    attempts,
  ).catch((error: unknown) => recordFailure({ c, endpoint: "responses", stream: body.stream === true, startedAt, attempts, target: plan.targets[0] }, error));
  const base = { c, endpoint: "responses", stream: body.stream === true, startedAt, attempts, target: result.target };
  const headers = { "x-aggregator-provider": result.target.provider.name, "x-aggregator-attempts": attempts.map((a) => `${a.target}=${a.outcome}`).join(", "), ...limitHeaders };
  if (!body.stream) {
    const text = await result.value.text();
    let usage: Usage | null = null;
    try {
      usage = usageOf((JSON.parse(text) as { usage?: ResponsesUsage }).usage);
    } catch {
      // not JSON: passed on as is; nothing to bill from it
    }
    recordCall({ ...base, status: 200, usage });
    return new Response(text, { headers: { "content-type": "application/json", ...headers } });
  }
  const parser = new SseParser();
  let usage: Usage | null = null;
  let completed = false;
  const read = (events: { data: string }[]) => {
    for (const event of events) {
      try {
        const parsed = JSON.parse(event.data) as { type?: string; response?: { usage?: ResponsesUsage } };
        if (parsed.type === "response.completed" || parsed.type === "response.incomplete") {
          completed = true;
          usage = usageOf(parsed.response?.usage);
        }
      } catch {
        // a non-JSON event is forwarded but not read
      }
    }
  };
  const upstream = result.value.body!;
  const piped = upstream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read(parser.push(chunk));
        controller.enqueue(chunk);
      },
      flush() {
        read(parser.end());
        recordCall({ ...base, status: completed ? 200 : 502, usage, ...(completed ? {} : { errorType: "truncated_stream" }) });
      },
    }),
  );
  return new Response(piped, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers } });
}
