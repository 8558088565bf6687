// POST /v1/responses: OpenAI's Responses API, passed through to OpenAI-kind providers only.
// Bytes go to the client as they arrive; usage is read from `response.completed` on the way.
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { readSizedJson } from "../core/validation.ts";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall } from "./admission.ts";
import { type AttemptRecord, attemptHeaders, runAttempts } from "./attempts.ts";
import { upstreamHops } from "./hops.ts";
import { planCall } from "./plan.ts";
import { promptTokenBound } from "./prompt-bound.ts";
import { refuseUnpricedFeatures } from "./unpriced-features.ts";
import { adapterFor } from "./providers/index.ts";
import { recordCall, recordFailure } from "./record.ts";
import { tenantCatalog } from "./resolve.ts";
import { encodeSse, SseParser } from "./sse.ts";
import { drainMs, pipe } from "./pipe.ts";
import { type ClientEvents, StreamTally } from "./stream-out.ts";
import { countTokens } from "./tokens.ts";
import type { Usage } from "./types.ts";
import { UpstreamError, upstreamFetch } from "./upstream.ts";

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
  const { body, bytes, text: rawBody } = await readSizedJson(c.req.raw, responsesRequest);
  const key = c.var.apiKey;
  const plan = await planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, body.model, c.env.SECRETS_KEY);
  plan.targets = plan.targets.filter((t) => t.provider.kind === "openai" || t.provider.kind === "openai-compatible");
  if (!plan.targets.length) {
    throw new AppError("invalid_request", "The Responses API is only available for OpenAI-kind providers.", { code: "unsupported_endpoint", param: "model" });
  }
  refuseUnpricedFeatures(plan, body);
  const promptTokens = countTokens(JSON.stringify(body.input ?? ""));
  const limitHeaders = await admitCall(c, plan, {
    promptTokens,
    promptBound: promptTokenBound(rawBody, bytes),
    maxOutput: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null,
  });
  const attempts: AttemptRecord[] = [];
  const abort = new AbortController();
  const result = await runAttempts(
    plan,
    async (target, timeoutMs) => {
      const native = adapterFor(target.provider).nativeRequest!(target.target, body, { timeoutMs, signal: abort.signal, hops: upstreamHops(c) });
      const res = await upstreamFetch({ ...native, url: native.url.replace(/\/chat\/completions$/, "/responses") });
      if (body.stream) return { res, text: null, usage: null };
      // Read within the attempt: a body that is not JSON is the provider failing, and may fall back.
      const text = await res.text();
      try {
        return { res, text, usage: responseUsage(JSON.parse(text) as ResponseBody, promptTokens) };
      } catch {
        throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
      }
    },
    attempts,
  ).catch((error: unknown) => recordFailure({ c, endpoint: "responses", stream: body.stream === true, startedAt, attempts, target: plan.targets[0], limitHeaders }, error));
  const base = { c, endpoint: "responses", stream: body.stream === true, startedAt, attempts, target: result.target };
  const headers = { ...attemptHeaders(attempts), ...limitHeaders };
  if (result.value.text !== null) {
    recordCall({ ...base, status: 200, usage: result.value.usage });
    return new Response(result.value.text, { headers: { "content-type": "application/json", ...headers } });
  }
  const tally = new StreamTally();
  const piped = pipe(c.executionCtx, {
    events: responsesEvents(result.value.res.body!, tally),
    abort,
    drainMs: drainMs(c.env.STREAM_DRAIN_MS),
    // A stream cut short ends with an error event (the Responses API's own shape), never silently.
    errorEvent: () => encodeSse({ type: "error", code: "upstream_error", message: "Upstream stream failed before the response completed.", param: null }, "error"),
    end: (status, errorType) => recordCall({ ...base, status, usage: tally.final(promptTokens), ...(errorType ? { errorType } : {}) }),
  });
  return new Response(piped, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers } });
}

/**
 * The upstream's bytes, forwarded as they arrive, read on the way: usage from
 * `response.completed` (or `.incomplete`), and the output produced so far for a stream that is
 * cut or abandoned. A stream that ends without completing is a failure.
 */
async function* responsesEvents(body: ReadableStream<Uint8Array>, tally: StreamTally): ClientEvents {
  const parser = new SseParser();
  let completed = false;
  const read = (events: { data: string }[]) => {
    for (const event of events) {
      try {
        const parsed = JSON.parse(event.data) as { type?: string; delta?: unknown; response?: { usage?: ResponsesUsage } };
        if ((parsed.type === "response.output_text.delta" || parsed.type === "response.reasoning_summary_text.delta" || parsed.type === "response.function_call_arguments.delta") && typeof parsed.delta === "string") {
          tally.produced(parsed.delta);
        }
        if (parsed.type === "response.completed" || parsed.type === "response.incomplete") {
          completed = true;
          tally.usage = usageOf(parsed.response?.usage);
        }
      } catch {
        // a non-JSON event is forwarded but not read
      }
    }
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read(parser.push(value));
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
  read(parser.end());
  if (!completed) throw new UpstreamError("protocol", "upstream stream ended before response.completed");
}

interface ResponseBody {
  usage?: ResponsesUsage;
  output?: { content?: { text?: unknown }[]; arguments?: unknown }[];
}

/** The provider's usage, or (none reported) an estimate: the prompt plus the output's tokens. */
function responseUsage(parsed: ResponseBody, promptTokens: number): Usage {
  const reported = usageOf(parsed.usage);
  if (reported) return reported;
  const texts = (parsed.output ?? []).flatMap((item) => [...(item.content ?? []).map((part) => part.text), item.arguments]);
  const outputTokens = texts.reduce<number>((sum, text) => sum + (typeof text === "string" ? countTokens(text) : 0), 0);
  return { inputTokens: promptTokens, outputTokens, cachedTokens: 0, reasoningTokens: 0, estimated: true };
}
