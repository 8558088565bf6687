// The built-in `demo` provider: answers locally with no upstream, so a new install works
// without any provider account, and tests and benchmarks have a deterministic target.
// Models: `echo` (the last user message back; with tools, it calls those the message names, and
// after tool results it answers "Tool results: …"), `lorem` (max_tokens tokens of lorem ipsum),
// `embed` (deterministic vectors). Token usage is counted with gateway/tokens.ts.
import { AppError } from "../../../core/errors.ts";
import type { OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason as FinishReason, OpenAIToolCall, OpenAIUsage } from "../../formats/openai.ts";
import { type ChatCompletionRequest, messageText } from "../../openai-schema.ts";
import { countTokens, splitTokens } from "../../tokens.ts";
import { nowSeconds, unsupported } from "../../translate/common.ts";
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

/** A 400 for thinking (demo models have none) or more output than they write, before any answer is built or streamed. */
export function assertDemoCanAnswer(req: ChatCompletionRequest): void {
  const effort = req.reasoning_effort;
  if (effort !== undefined && effort !== null && effort !== "none") throw unsupported("reasoning_effort", "demo");
  const limit = maxTokens(req);
  if (limit !== undefined && limit > DEMO_MAX_OUTPUT_TOKENS) {
    throw new AppError("invalid_request", `max_tokens is too large: the demo models write at most ${DEMO_MAX_OUTPUT_TOKENS} tokens.`, {
      code: "invalid_request",
      param: "max_tokens",
    });
  }
}

interface DemoAnswer {
  tokens: string[];
  calls: OpenAIToolCall[];
  finishReason: FinishReason;
}

/** A value of a JSON schema's type, so a demo tool call's arguments fit its schema. */
function sampleOf(schema: unknown, name: string): unknown {
  const type = typeof schema === "object" && schema !== null ? (schema as { type?: unknown }).type : undefined;
  if (type === "number" || type === "integer") return 42;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object") return {};
  return name;
}

/** The tools the last user message names, called with arguments that fit their schemas. */
function toolCalls(req: ChatCompletionRequest, lastUser: string): OpenAIToolCall[] {
  if (req.tool_choice === "none") return [];
  return (req.tools ?? [])
    .filter((tool) => lastUser.includes(tool.function.name))
    .map((tool, i) => {
      const properties = (tool.function.parameters?.properties ?? {}) as Record<string, unknown>;
      const args = Object.fromEntries(Object.entries(properties).map(([prop, schema]) => [prop, sampleOf(schema, `${tool.function.name}.${prop}`)]));
      return {
        id: `call_demo${i}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
        type: "function",
        function: { name: tool.function.name, arguments: JSON.stringify(args) },
      };
    });
}

/** After tool results (the last messages are tool messages): what they said, in one line. */
function toolResults(req: ChatCompletionRequest): string | null {
  const results: string[] = [];
  for (const message of [...req.messages].reverse()) {
    if (message.role !== "tool") break;
    results.unshift(messageText(message));
  }
  return results.length ? `Tool results: ${results.join("; ")}` : null;
}

function echo(req: ChatCompletionRequest, limit: number | undefined): DemoAnswer {
  const lastUser = [...req.messages].reverse().find((m) => m.role === "user");
  const results = toolResults(req);
  const calls = results === null ? toolCalls(req, lastUser ? messageText(lastUser) : "") : [];
  if (calls.length) return { tokens: [], calls, finishReason: "tool_calls" };
  const all = splitTokens(results ?? (lastUser ? messageText(lastUser) : ""));
  if (all[0]) all[0] = all[0].trimStart();
  const truncated = limit !== undefined && all.length > limit;
  return { tokens: truncated ? all.slice(0, limit) : all, calls: [], finishReason: truncated ? "length" : "stop" };
}

/** The tokens the model answers with, the tools it calls, and why it stopped. */
function answer(model: string, req: ChatCompletionRequest): DemoAnswer {
  assertDemoCanAnswer(req);
  const limit = maxTokens(req);
  if (model === "lorem") {
    const n = limit ?? LOREM_DEFAULT_TOKENS;
    const tokens = Array.from({ length: n }, (_, i) => LOREM_TOKENS[i % LOREM_TOKENS.length]!);
    if (tokens[0]) tokens[0] = tokens[0].trimStart();
    return { tokens, calls: [], finishReason: limit === undefined ? "stop" : "length" };
  }
  if (model === "echo") return echo(req, limit);
  throw new AppError("not_found", `The model 'demo/${model}' does not exist.`, { code: "model_not_found", param: "model" });
}

function promptTokens(req: ChatCompletionRequest): number {
  const tools = req.tools?.length ? countTokens(JSON.stringify(req.tools)) : 0;
  return req.messages.reduce((sum, m) => sum + countTokens(messageText(m)) + (m.tool_calls ? countTokens(JSON.stringify(m.tool_calls)) : 0), tools);
}

/** Output tokens: the text's, plus each call's name and arguments. */
function outputTokens(a: DemoAnswer): number {
  return a.tokens.length + a.calls.reduce((sum, call) => sum + countTokens(call.function.name) + countTokens(call.function.arguments), 0);
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
  const a = answer(model, req);
  const { tokens, calls, finishReason } = a;
  return {
    id: `chatcmpl-demo${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    object: "chat.completion",
    created: nowSeconds(),
    model: req.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: calls.length ? null : tokens.join(""), refusal: null, ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: usageOf(promptTokens(req), outputTokens(a)),
  };
}

export async function* demoChatStream(model: string, req: ChatCompletionRequest): ChunkStream {
  const a = answer(model, req);
  const { tokens, calls, finishReason } = a;
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
  for (const [index, call] of calls.entries()) yield chunk({ tool_calls: [{ index, ...call }] });
  yield chunk({}, finishReason);
  yield { ...meta, choices: [], usage: usageOf(promptTokens(req), outputTokens(a)) };
}
