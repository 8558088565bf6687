// OpenAI chat → Anthropic Messages: the request, the response back, and the stream back.
import type {
  AnthropicMessageResponse,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from "../formats/anthropic.ts";
import type { ChatCompletionRequest, ChatMessage, OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "../formats/openai.ts";
import { parseArguments, parseDataUrl, rejectPresent, stringifyArguments, unsupported } from "./common.ts";

const TARGET = "Anthropic";
/** OpenAI parameters Anthropic has no equivalent for. */
const UNSUPPORTED = ["n", "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty", "seed", "audio", "modalities", "prediction", "functions", "function_call"] as const;

/** The most a model may write when the caller gives no limit (Anthropic requires one). */
export function defaultMaxTokens(model: string): number {
  if (/claude-(opus-4|sonnet-4|3-7-sonnet|haiku-4)/.test(model)) return /opus-4-?[01]?($|-2)/.test(model) ? 32_000 : 64_000;
  if (/claude-3-5/.test(model)) return 8_192;
  return 4_096;
}

type Block = Record<string, unknown>;
interface AnthropicOut {
  role: "user" | "assistant";
  content: Block[];
}

function partsOf(message: ChatMessage): Block[] {
  const { content } = message;
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!content) return [];
  // Anthropic rejects empty text blocks; an empty text part says nothing anyway.
  return content.flatMap((part): Block[] => {
    if (part.type === "text" && "text" in part) return part.text === "" ? [] : [{ type: "text", text: String(part.text) }];
    if (part.type === "image_url" && "image_url" in part) {
      const url = String((part.image_url as { url: string }).url);
      const data = parseDataUrl(url);
      return [data ? { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.data } } : { type: "image", source: { type: "url", url } }];
    }
    throw unsupported(`messages.content.${part.type}`, TARGET);
  });
}

function systemText(messages: ChatMessage[]): string | undefined {
  const texts = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .flatMap((m) => partsOf(m).map((b) => String(b.text ?? "")));
  return texts.length ? texts.join("\n\n") : undefined;
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
      const text = partsOf(m).map((b) => String(b.text ?? "")).join("");
      pushMerged(out, "user", [{ type: "tool_result", tool_use_id: m.tool_call_id ?? "", content: text }]);
      continue;
    }
    if (m.role === "assistant") {
      const blocks = partsOf(m);
      for (const call of m.tool_calls ?? []) {
        blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
      }
      pushMerged(out, "assistant", blocks);
      continue;
    }
    pushMerged(out, "user", partsOf(m));
  }
  return out;
}

interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

function toTools(tools: unknown): Block[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return (tools as FunctionTool[]).map((t) => {
    if (t.type !== "function") throw unsupported(`tools.type.${String(t.type)}`, TARGET);
    return {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
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

export function toAnthropicRequest(req: ChatCompletionRequest, model: string): Record<string, unknown> {
  rejectPresent(req, UNSUPPORTED, TARGET);
  if (req.temperature !== undefined && req.temperature !== null && req.temperature > 1) {
    throw unsupported("temperature", TARGET, " above 1");
  }
  let system = systemText(req.messages);
  let tools = toTools(req.tools);
  let toolChoice = toToolChoice(req.tool_choice, req.parallel_tool_calls);
  const format = req.response_format as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | undefined;
  if (format?.type === "json_object") {
    system = [system, "Respond only with a single valid JSON object."].filter(Boolean).join("\n\n");
  } else if (format?.type === "json_schema") {
    // The answer is this tool's input. A model that has tools of its own may still call them
    // first (tool_choice "any": some tool, the answer being one); otherwise it answers now.
    const mayCallOthers = tools?.length && toolChoice?.type !== "none";
    tools = [...(tools ?? []), { name: JSON_TOOL, description: "Return the response as this JSON.", input_schema: format.json_schema?.schema ?? { type: "object" } }];
    if (!mayCallOthers) toolChoice = { type: "tool", name: JSON_TOOL };
    else if (toolChoice?.type !== "tool") toolChoice = { ...toolChoice, type: "any" };
  } else if (format && format.type !== "text") {
    throw unsupported("response_format", TARGET);
  }
  const stop = typeof req.stop === "string" ? [req.stop] : req.stop ?? undefined;
  return {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens(model),
    messages: toMessages(req.messages),
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

export function finishFromAnthropic(reason: AnthropicStopReason | null): OpenAIFinishReason | null {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return null;
  }
}

export function usageFromAnthropic(u: Partial<AnthropicUsage>): OpenAIUsage {
  const cached = u.cache_read_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0);
  const completion = u.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

export function anthropicResponseToOpenAI(res: AnthropicMessageResponse, model: string, created: number): OpenAIChatCompletion {
  let text = "";
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of res.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") {
      if (block.name === JSON_TOOL) text += stringifyArguments(block.input);
      else toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: stringifyArguments(block.input) } });
    }
  }
  const onlyJsonTool = res.stop_reason === "tool_use" && toolCalls.length === 0;
  return {
    id: res.id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text || (toolCalls.length ? null : ""), refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: onlyJsonTool ? "stop" : finishFromAnthropic(res.stop_reason),
      },
    ],
    usage: usageFromAnthropic(res.usage),
  };
}

/** Anthropic stream events → OpenAI chunks, one event at a time. */
export class AnthropicToOpenAIStream {
  private usage: Partial<AnthropicUsage> = {};
  private readonly toolIndex = new Map<number, number>();
  private readonly jsonToolBlocks = new Set<number>();
  private finish: OpenAIFinishReason | null = null;
  done = false;
  private readonly id: string;
  private readonly model: string;
  private readonly created: number;

  constructor(meta: { id: string; model: string; created: number }) {
    this.id = meta.id;
    this.model = meta.model;
    this.created = meta.created;
  }

  private chunk(delta: OpenAIChunk["choices"][number]["delta"], finish: OpenAIFinishReason | null = null): OpenAIChunk {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }

  /** The usage chunk OpenAI sends last when stream_options.include_usage is set. */
  usageChunk(): OpenAIChunk {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage: usageFromAnthropic(this.usage) };
  }

  get openAIUsage(): OpenAIUsage {
    return usageFromAnthropic(this.usage);
  }

  push(event: AnthropicStreamEvent): OpenAIChunk[] {
    switch (event.type) {
      case "message_start":
        this.usage = { ...event.message.usage };
        return [this.chunk({ role: "assistant", content: "" })];
      case "content_block_start": {
        const block = event.content_block;
        if (block.type !== "tool_use") return [];
        if (block.name === JSON_TOOL) {
          this.jsonToolBlocks.add(event.index);
          return [];
        }
        const index = this.toolIndex.size;
        this.toolIndex.set(event.index, index);
        return [this.chunk({ tool_calls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] })];
      }
      case "content_block_delta": {
        const d = event.delta;
        if (d.type === "text_delta") return [this.chunk({ content: d.text })];
        if (d.type === "input_json_delta") {
          if (this.jsonToolBlocks.has(event.index)) return [this.chunk({ content: d.partial_json })];
          const index = this.toolIndex.get(event.index);
          return index === undefined ? [] : [this.chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] })];
        }
        return [];
      }
      case "message_delta":
        this.usage = { ...this.usage, ...Object.fromEntries(Object.entries(event.usage).filter(([, v]) => v !== null && v !== undefined)) };
        this.finish = this.jsonToolBlocks.size && event.delta.stop_reason === "tool_use" && this.toolIndex.size === 0 ? "stop" : finishFromAnthropic(event.delta.stop_reason);
        return [this.chunk({}, this.finish ?? "stop")];
      case "message_stop":
        this.done = true;
        return [];
      default:
        return [];
    }
  }
}
