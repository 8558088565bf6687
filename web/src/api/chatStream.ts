// The playground's call: POST /v1/chat/completions with stream: true, read token by token.
// The gateway speaks OpenAI's wire format here, errors included.
import { ApiError } from "./error";
import { isObject, isString } from "./guards";
import { sseData } from "./sse";
import type { BodyOf } from "./types";

export type ChatRequest = BodyOf<"/v1/chat/completions", "post">;

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface StreamResult {
  text: string;
  /** ms from sending to the first content token; null if none came. */
  timeToFirstToken: number | null;
  totalMs: number;
  finishReason: string | null;
  usage: StreamUsage | null;
  /** The provider that answered (x-aggregator-provider), when the gateway says. */
  provider: string | null;
}

export interface StreamOptions {
  apiKey: string;
  model: string;
  prompt: string;
  signal?: AbortSignal;
  onToken: (token: string, elapsedMs: number) => void;
  now?: () => number;
}

/** OpenAI's error envelope → ApiError (code, else type). */
export function gatewayError(status: number, body: unknown): ApiError {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error) && isString(error.message)) {
    const code = isString(error.code) ? error.code : isString(error.type) ? error.type : "gateway_error";
    return new ApiError(status, code, error.message);
  }
  return new ApiError(status, "gateway_error", `The gateway answered ${status}.`);
}

function usageOf(value: unknown): StreamUsage | null {
  if (!isObject(value)) return null;
  const { prompt_tokens, completion_tokens, total_tokens } = value;
  return typeof prompt_tokens === "number" && typeof completion_tokens === "number" && typeof total_tokens === "number"
    ? { prompt_tokens, completion_tokens, total_tokens }
    : null;
}

export async function streamChat({ apiKey, model, prompt, signal, onToken, now = () => performance.now() }: StreamOptions): Promise<StreamResult> {
  const body: ChatRequest = { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: prompt }] };
  const started = now();
  let response: Response;
  try {
    response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      credentials: "omit",
      ...(signal ? { signal } : {}),
    });
  } catch {
    if (signal?.aborted) throw new ApiError(0, "aborted", "Stopped.");
    throw new ApiError(0, "network_error", "Could not reach the gateway.");
  }
  if (!response.ok || !response.body) {
    throw gatewayError(response.status, await response.json().catch(() => null));
  }

  const result: StreamResult = {
    text: "",
    timeToFirstToken: null,
    totalMs: 0,
    finishReason: null,
    usage: null,
    provider: response.headers.get("x-aggregator-provider"),
  };
  try {
    for await (const data of sseData(response.body)) {
      if (data === "[DONE]") break;
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        continue;
      }
      if (!isObject(chunk)) continue;
      if (isObject(chunk.error)) throw gatewayError(response.status, chunk);
      result.usage = usageOf(chunk.usage) ?? result.usage;
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (!isObject(choice)) continue;
      if (isString(choice.finish_reason)) result.finishReason = choice.finish_reason;
      const delta = choice.delta;
      const token = isObject(delta) && isString(delta.content) ? delta.content : "";
      if (token === "") continue;
      const elapsed = now() - started;
      result.timeToFirstToken ??= elapsed;
      result.text += token;
      onToken(token, elapsed);
    }
  } catch (error) {
    if (signal?.aborted) throw new ApiError(0, "aborted", "Stopped.");
    throw error;
  }
  result.totalMs = now() - started;
  return result;
}
