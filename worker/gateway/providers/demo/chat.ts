// The built-in `demo` provider: answers locally with no upstream, so a new install works
// without any provider account, and tests and benchmarks have a deterministic target.
// Models: `echo` (the last user message back), `lorem` (max_tokens tokens of lorem ipsum),
// `embed` (deterministic vectors). Token usage is counted with gateway/tokens.ts.
import { AppError } from "../../../core/errors.ts";
import type { OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason as FinishReason, OpenAIUsage } from "../../formats/openai.ts";
import { type ChatCompletionRequest, messageText } from "../../openai-schema.ts";
import { countTokens, splitTokens } from "../../tokens.ts";
import { nowSeconds } from "../../translate/common.ts";
import type { ChunkStream } from "../types.ts";

const LOREM =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.";
const LOREM_TOKENS = splitTokens(LOREM);
const LOREM_DEFAULT_TOKENS = 64;
/** The most a demo model writes in one answer (a real model's scale): keeps every answer bounded. */
export const DEMO_MAX_OUTPUT_TOKENS = 65_536;

function maxTokens(req: ChatCompletionRequest): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined;
}

/** A 400 for more output than a demo model writes, before any answer is built or streamed. */
export function assertOutputLimit(req: ChatCompletionRequest): void {
  const limit = maxTokens(req);
  if (limit !== undefined && limit > DEMO_MAX_OUTPUT_TOKENS) {
    throw new AppError("invalid_request", `max_tokens is too large: the demo models write at most ${DEMO_MAX_OUTPUT_TOKENS} tokens.`, {
      code: "invalid_request",
      param: "max_tokens",
    });
  }
}

/** The tokens the model answers with and why it stopped. */
function answer(model: string, req: ChatCompletionRequest): { tokens: string[]; finishReason: FinishReason } {
  assertOutputLimit(req);
  const limit = maxTokens(req);
  if (model === "lorem") {
    const n = limit ?? LOREM_DEFAULT_TOKENS;
    const tokens = Array.from({ length: n }, (_, i) => LOREM_TOKENS[i % LOREM_TOKENS.length]!);
    if (tokens[0]) tokens[0] = tokens[0].trimStart();
    return { tokens, finishReason: limit === undefined ? "stop" : "length" };
  }
  if (model === "echo") {
    const lastUser = [...req.messages].reverse().find((m) => m.role === "user");
    const all = splitTokens(lastUser ? messageText(lastUser) : "");
    if (all[0]) all[0] = all[0].trimStart();
    const truncated = limit !== undefined && all.length > limit;
    return { tokens: truncated ? all.slice(0, limit) : all, finishReason: truncated ? "length" : "stop" };
  }
  throw new AppError("not_found", `The model 'demo/${model}' does not exist.`, { code: "model_not_found", param: "model" });
}

function promptTokens(req: ChatCompletionRequest): number {
  return req.messages.reduce((sum, m) => sum + countTokens(messageText(m)), 0);
}

function usageOf(inputTokens: number, outputTokens: number): OpenAIUsage {
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

export function demoChat(model: string, req: ChatCompletionRequest): OpenAIChatCompletion {
  const { tokens, finishReason } = answer(model, req);
  return {
    id: `chatcmpl-demo${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    object: "chat.completion",
    created: nowSeconds(),
    model: req.model,
    choices: [{ index: 0, message: { role: "assistant", content: tokens.join(""), refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: usageOf(promptTokens(req), tokens.length),
  };
}

export async function* demoChatStream(model: string, req: ChatCompletionRequest): ChunkStream {
  const { tokens, finishReason } = answer(model, req);
  const meta = {
    id: `chatcmpl-demo${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    object: "chat.completion.chunk" as const,
    created: nowSeconds(),
    model: req.model,
  };
  const chunk = (delta: OpenAIChunk["choices"][number]["delta"], finish: FinishReason | null = null): OpenAIChunk => ({
    ...meta,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  yield chunk({ role: "assistant", content: "" });
  for (const text of tokens) yield chunk({ content: text });
  yield chunk({}, finishReason);
  yield { ...meta, choices: [], usage: usageOf(promptTokens(req), tokens.length) };
}
