// OpenAI chat request → Anthropic Messages request.
import type { ChatCompletionRequest, ChatMessage } from "../../formats/openai.ts";
import { cacheControlOf } from "../../translate/cache-control.ts";
import { parseArguments, parseDataUrl, rejectPresent, unsupported } from "../../translate/common.ts";
import { maxOutputTokens } from "../model-limits.ts";

const TARGET = "Anthropic";
/** OpenAI parameters Anthropic has no equivalent for. */
const UNSUPPORTED = [
  "n",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "audio",
  "modalities",
  "prediction",
  "functions",
  "function_call",
] as const;

type Block = Record<string, unknown>;
interface AnthropicOut {
  role: "user" | "assistant";
  content: Block[];
}

function contentBlocks(message: ChatMessage): Block[] {
  const { content } = message;
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!content) return [];
  // Anthropic rejects empty text blocks; an empty text part says nothing anyway.
  return content.flatMap((part): Block[] => {
    const cache = cacheControlOf(part);
    if (part.type === "text" && "text" in part) return part.text === "" ? [] : [{ type: "text", text: String(part.text), ...cache }];
    if (part.type === "image_url" && "image_url" in part) {
      const url = String((part.image_url as { url: string }).url);
      const data = parseDataUrl(url);
      const source = data ? { type: "base64", media_type: data.mediaType, data: data.data } : { type: "url", url };
      return [{ type: "image", source, ...cache }];
    }
    throw unsupported(`messages.content.${part.type}`, TARGET);
  });
}

/** A breakpoint on the message itself (LiteLLM's form) marks the last of its blocks. */
function markLast(blocks: Block[], message: ChatMessage): Block[] {
  const last = blocks.at(-1);
  if (last && message.cache_control) blocks[blocks.length - 1] = { ...last, ...cacheControlOf(message) };
  return blocks;
}

/** A message's blocks, cache breakpoints kept. */
const partsOf = (message: ChatMessage): Block[] => markLast(contentBlocks(message), message);

const hasCacheControl = (blocks: Block[]) => blocks.some((b) => b.cache_control !== undefined);

/** The system prompt: one string, or (when it carries cache breakpoints) its text blocks. */
function systemPrompt(messages: ChatMessage[]): string | Block[] | undefined {
  const blocks = messages.filter((m) => m.role === "system" || m.role === "developer").flatMap((m) => partsOf(m).filter((b) => b.type === "text"));
  if (!blocks.length) return undefined;
  return hasCacheControl(blocks) ? blocks : blocks.map((b) => String(b.text)).join("\n\n");
}

/** A tool result: its text, or (when it carries cache breakpoints) its text blocks. */
function toolResult(message: ChatMessage): Block {
  const blocks = partsOf(message).filter((b) => b.type === "text");
  const content = hasCacheControl(blocks) ? blocks : blocks.map((b) => String(b.text)).join("");
  return { type: "tool_result", tool_use_id: message.tool_call_id ?? "", content };
}

/** Anthropic wants alternating roles: consecutive messages of one role are merged, empty ones dropped. */
function pushMerged(out: AnthropicOut[], role: "user" | "assistant", blocks: Block[]): void {
  if (!blocks.length) return;
  const last = out.at(-1);
  if (last && last.role === role) last.content.push(...blocks);
  else out.push({ role, content: blocks });
}

function toMessages(messages: ChatMessage[]): AnthropicOut[] {
  const out: AnthropicOut[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "tool") {
      pushMerged(out, "user", [toolResult(m)]);
      continue;
    }
    if (m.role === "assistant") {
      const blocks = contentBlocks(m);
      for (const call of m.tool_calls ?? []) {
        blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
      }
      pushMerged(out, "assistant", markLast(blocks, m));
      continue;
    }
    pushMerged(out, "user", partsOf(m));
  }
  return out;
}

interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
  cache_control?: unknown;
}

function toTools(tools: unknown): Block[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return (tools as FunctionTool[]).map((t) => {
    if (t.type !== "function") throw unsupported(`tools.type.${String(t.type)}`, TARGET);
    return {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
      ...cacheControlOf(t),
    };
  });
}

function toToolChoice(choice: unknown, parallel: unknown): Block | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: "auto", ...disable } : undefined;
  if (choice === "auto") return { type: "auto", ...disable };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...disable };
  if (typeof choice === "object" && choice && "function" in choice) {
    return { type: "tool", name: (choice as { function: { name: string } }).function.name, ...disable };
  }
  throw unsupported("tool_choice", TARGET);
}

/** The tool that carries a json_schema response_format (Anthropic answers it as tool input). */
export const JSON_TOOL = "json_response";

/** Thinking budgets by reasoning_effort ("none" or none given: no thinking). */
const THINKING_BUDGETS = new Map<unknown, number>([
  ["minimal", 1024],
  ["low", 2048],
  ["medium", 8192],
  ["high", 24576],
]);
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

/** The thinking budget `effort` asks for, inside max_tokens (Anthropic counts thinking in it). */
function thinkingBudget(effort: unknown, maxTokens: number): number | undefined {
  if (effort === undefined || effort === null || effort === "none") return undefined;
  const budget = THINKING_BUDGETS.get(effort);
  if (budget === undefined) throw unsupported("reasoning_effort", TARGET, ` set to ${JSON.stringify(effort)}`);
  const capped = Math.min(budget, maxTokens - 1);
  if (capped < MIN_THINKING_BUDGET) {
    const detail = ` with max_tokens ${maxTokens} (Anthropic thinks in at least ${MIN_THINKING_BUDGET} tokens, counted inside max_tokens: give max_tokens ${MIN_THINKING_BUDGET + 1} or more)`;
    throw unsupported("reasoning_effort", TARGET, detail);
  }
  return capped;
}

const forcesTool = (choice: Block | undefined) => choice?.type === "any" || choice?.type === "tool";

/** Anthropic wants the signed thinking of a turn whose tool calls are being answered: the chat format has none to give back. */
function answersToolCall(messages: AnthropicOut[]): boolean {
  const lastAssistant = messages.findLast((m) => m.role === "assistant");
  return Boolean(lastAssistant?.content.some((b) => b.type === "tool_use"));
}

/** What Anthropic refuses alongside thinking, named the way the client asked for it. */
function assertThinkingAllowed(req: ChatCompletionRequest, toolChoice: Block | undefined, messages: AnthropicOut[]): void {
  const together = " together with 'reasoning_effort'";
  if (req.temperature !== undefined && req.temperature !== null && req.temperature !== 1) throw unsupported("temperature", TARGET, ` other than 1${together}`);
  if (req.top_p !== undefined && req.top_p !== null && req.top_p < 0.95) throw unsupported("top_p", TARGET, ` below 0.95${together}`);
  if (forcesTool(toolChoice)) throw unsupported("tool_choice", TARGET, ` forcing a tool call${together}`);
  if ((req.response_format as { type?: string } | undefined)?.type === "json_schema") {
    throw unsupported("response_format", TARGET, ` json_schema (answered through a forced tool call)${together}`);
  }
  if (answersToolCall(messages)) {
    throw unsupported("reasoning_effort", TARGET, " in a turn that answers tool calls (Anthropic needs that turn's thinking back)");
  }
}

function withInstruction(system: string | Block[] | undefined, instruction: string): string | Block[] {
  if (Array.isArray(system)) return [...system, { type: "text", text: instruction }];
  return [system, instruction].filter(Boolean).join("\n\n");
}

export function toAnthropicRequest(req: ChatCompletionRequest, model: string): Record<string, unknown> {
  rejectPresent(req, UNSUPPORTED, TARGET);
  if (req.temperature !== undefined && req.temperature !== null && req.temperature > 1) {
    throw unsupported("temperature", TARGET, " above 1");
  }
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? maxOutputTokens(model);
  const messages = toMessages(req.messages);
  let system = systemPrompt(req.messages);
  let tools = toTools(req.tools);
  let toolChoice = toToolChoice(req.tool_choice, req.parallel_tool_calls);
  const budget = thinkingBudget(req.reasoning_effort, maxTokens);
  if (budget !== undefined) assertThinkingAllowed(req, toolChoice, messages);
  const format = req.response_format as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | undefined;
  if (format?.type === "json_object") {
    system = withInstruction(system, "Respond only with a single valid JSON object.");
  } else if (format?.type === "json_schema") {
    // The answer is this tool's input. A model that has tools of its own may still call them
    // first (tool_choice "any": some tool, the answer being one); otherwise it answers now.
    const mayCallOthers = tools?.length && toolChoice?.type !== "none";
    tools = [
      ...(tools ?? []),
      { name: JSON_TOOL, description: "Return the response as this JSON.", input_schema: format.json_schema?.schema ?? { type: "object" } },
    ];
    if (!mayCallOthers) toolChoice = { type: "tool", name: JSON_TOOL };
    else if (toolChoice?.type !== "tool") toolChoice = { ...toolChoice, type: "any" };
  } else if (format && format.type !== "text") {
    throw unsupported("response_format", TARGET);
  }
  const stop = typeof req.stop === "string" ? [req.stop] : (req.stop ?? undefined);
  return {
    model,
    max_tokens: maxTokens,
    messages,
    ...(budget !== undefined ? { thinking: { type: "enabled", budget_tokens: budget } } : {}),
    ...(system ? { system } : {}),
    ...(stop?.length ? { stop_sequences: stop } : {}),
    ...(req.temperature !== undefined && req.temperature !== null ? { temperature: req.temperature } : {}),
    ...(req.top_p !== undefined && req.top_p !== null ? { top_p: req.top_p } : {}),
    ...(tools ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(req.user ? { metadata: { user_id: req.user } } : {}),
    ...(req.stream ? { stream: true } : {}),
  };
}
