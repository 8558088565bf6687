// POST /v1/responses: OpenAI's Responses API, passed through to OpenAI-kind providers only.
// Bytes go to the client as they arrive; usage is read from `response.completed` on the way.
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { readJson } from "../core/validation.ts";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall } from "./admission.ts";
import { type AttemptRecord, attemptHeaders, runAttempts } from "./attempts.ts";
import { planCall } from "./plan.ts";
import { adapterFor } from "./providers/index.ts";
import { recordCall, recordFailure } from "./record.ts";
import { tenantCatalog } from "./resolve.ts";
import { encodeSse, SseParser } from "./sse.ts";
import { StreamTally } from "./stream-out.ts";
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
  const body = await readJson(c.req.raw, responsesRequest);
  const key = c.var.apiKey;
  const plan = await planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, body.model, c.env.SECRETS_KEY);
  plan.targets = plan.targets.filter((t) => t.provider.kind === "openai" || t.provider.kind === "openai-compatible");
  if (!plan.targets.length) {
    throw new AppError("invalid_request", "The Responses API is only available for OpenAI-kind providers.", { code: "unsupported_endpoint", param: "model" });
  }
  const promptTokens = countTokens(JSON.stringify(body.input ?? ""));
  const limitHeaders = await admitCall(c, plan, promptTokens, typeof body.max_output_tokens === "number" ? body.max_output_tokens : null);
  const attempts: AttemptRecord[] = [];
  const abort = new AbortController();
  const result = await runAttempts(
    plan,
    async (target, timeoutMs) => {
      const native = adapterFor(target.provider).nativeRequest!(target.target, body, { timeoutMs, signal: abort.signal });
      const res = await upstreamFetch({ ...native, url: native.url.replace(/\/chat\/completions$/, "/responses") });
      if (body.stream) return { res, text: null, usage: null };
      // Read within the attempt: a body that is not JSON is the provider failing, and may fall back.
      const text = await res.text();
      try {
        return { res, text, usage: usageOf((JSON.parse(text) as { usage?: ResponsesUsage }).usage) };
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
  // Read as it is forwarded: usage from `response.completed`, and the output produced so far for
  // a stream that is cut or abandoned. A client that goes away stops the upstream too.
  const parser = new SseParser();
  const tally = new StreamTally();
  let completed = false;
  const read = (events: { data: string }[]) => {
    for (const event of events) {
      try {
        const parsed = JSON.parse(event.data) as { type?: string; delta?: unknown; response?: { usage?: ResponsesUsage } };
        if (parsed.type === "response.output_text.delta" && typeof parsed.delta === "string") tally.produced(parsed.delta);
        if (parsed.type === "response.completed" || parsed.type === "response.incomplete") {
          completed = true;
          tally.usage = usageOf(parsed.response?.usage);
        }
      } catch {
        // a non-JSON event is forwarded but not read
      }
    }
  };
  // A stream cut short ends with an error event (the Responses API's own shape), never silently.
  const streamFailed = () => encodeSse({ type: "error", code: "upstream_error", message: "Upstream stream failed before the response completed.", param: null }, "error");
  let ended = false;
  const end = (status: number, errorType?: string) => {
    if (ended) return;
    ended = true;
    recordCall({ ...base, status, usage: tally.final(promptTokens), ...(errorType ? { errorType } : {}) });
  };
  const reader = result.value.res.body!.getReader();
  const piped = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (ended) return;
        if (done) {
          read(parser.end());
          if (!completed) controller.enqueue(streamFailed());
          controller.close();
          end(completed ? 200 : 502, completed ? undefined : "truncated_stream");
          return;
        }
        read(parser.push(value));
        controller.enqueue(value);
      } catch {
        if (ended) return;
        controller.enqueue(streamFailed());
        controller.close();
        end(502, "stream_error");
      }
    },
    cancel() {
      end(499, "client_closed");
      abort.abort();
      void reader.cancel().catch(() => undefined);
    },
  });
  return new Response(piped, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers } });
}
