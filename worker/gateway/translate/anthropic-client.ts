// The Anthropic client side: an Anthropic Messages request → the canonical (OpenAI) shape, and the answer, JSON or stream, back.
// Used when an Anthropic client calls a model that is not Anthropic's (the gateway's
// canonical form is OpenAI's, so Gemini is reached through it too).
import type {
  AnthropicContentBlock,
  AnthropicMessageResponse,
  AnthropicMessagesRequest,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from "../formats/anthropic.ts";
import type { ChatCompletionRequest, OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason, OpenAIUsage } from "../formats/openai.ts";
import { emptyUsage, usageFromOpenAI } from "../types.ts";
import { parseArguments, rejectPresent, stringifyArguments, unsupported } from "./common.ts";

type Json = Record<string, unknown>;

function textOf(blocks: string | readonly { type: string; text?: string }[] | undefined): string {
  if (blocks === undefined) return "";
  if (typeof blocks === "string") return blocks;
  return blocks.map((b) => (b.type === "text" ? (b.text ?? "") : "")).join("");
}

function imagePart(block: Extract<AnthropicContentBlock, { type: "image" }>): Json {
  const src = block.source as { type: string; media_type?: string; data?: string; url?: string };
  const url = src.type === "base64" ? `data:${src.media_type};base64,${src.data}` : String(src.url);
  return { type: "image_url", image_url: { url } };
}

function toOpenAIMessages(req: AnthropicMessagesRequest, target: string): Json[] {
  const out: Json[] = [];
  const system = typeof req.system === "string" ? req.system : textOf(req.system);
  if (system) out.push({ role: "system", content: system });
  for (const m of req.messages) {
    if (typeof m.content === "string") {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    if (m.role === "assistant") {
      const text = m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
      const toolCalls = m.content
        .filter((b): b is Extract<AnthropicContentBlock, { type: "tool_use" }> => b.type === "tool_use")
        .map((b) => ({ id: b.id, type: "function", function: { name: b.name, arguments: stringifyArguments(b.input) } }));
      // A turn of only thinking has nothing OpenAI can take (it rejects an empty assistant message).
      if (text || toolCalls.length) out.push({ role: "assistant", content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) });
      continue;
    }
    // A user turn: tool results become tool messages (first, as OpenAI wants them right after
    // the assistant's calls), the rest one user message. OpenAI's tool messages hold only text,
    // so images a tool returned go into that user message.
    const parts: Json[] = [];
    for (const block of m.content) {
      if (block.type === "tool_result") {
        out.push({ role: "tool", tool_call_id: block.tool_use_id, content: textOf(block.content) });
        if (Array.isArray(block.content)) parts.push(...block.content.filter((b) => b.type === "image").map(imagePart));
      } else if (block.type === "text") parts.push({ type: "text", text: block.text });
      else if (block.type === "image") parts.push(imagePart(block));
      else if (block.type === "thinking" || block.type === "redacted_thinking") continue;
      else throw unsupported(`messages.content.${block.type}`, target);
    }
    if (parts.length) out.push({ role: "user", content: parts.length === 1 && parts[0]!.type === "text" ? parts[0]!.text : parts });
  }
  return out;
}

function toOpenAIToolChoice(choice: AnthropicMessagesRequest["tool_choice"]): ChatCompletionRequest["tool_choice"] {
  if (!choice) return undefined;
  if (choice.type === "auto") return "auto";
  if (choice.type === "any") return "required";
  if (choice.type === "none") return "none";
  return { type: "function" as const, function: { name: (choice as { name: string }).name } };
}

/** `maxTokensField`: OpenAI's own API wants max_completion_tokens; compatible servers max_tokens. */
export function toOpenAIRequest(
  req: AnthropicMessagesRequest,
  model: string,
  target: string,
  maxTokensField: "max_tokens" | "max_completion_tokens",
): ChatCompletionRequest {
  rejectPresent({ ...req, thinking: req.thinking?.type === "disabled" ? undefined : req.thinking }, ["top_k", "thinking"], target);
  // OpenAI rejects an empty tools list, and a tool_choice without tools; neither asks for anything.
  const tools = req.tools?.length
    ? req.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description, parameters: t.input_schema } }))
    : undefined;
  const toolChoice = tools ? toOpenAIToolChoice(req.tool_choice) : undefined;
  return {
    model,
    messages: toOpenAIMessages(req, target) as ChatCompletionRequest["messages"],
    [maxTokensField]: req.max_tokens,
    ...(req.stop_sequences?.length ? { stop: req.stop_sequences } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.top_p !== undefined ? { top_p: req.top_p } : {}),
    ...(tools ? { tools } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    ...(tools && req.tool_choice?.disable_parallel_tool_use ? { parallel_tool_calls: false } : {}),
    ...(req.metadata?.user_id ? { user: req.metadata.user_id } : {}),
    ...(req.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

export function stopFromOpenAI(reason: OpenAIFinishReason | null): AnthropicStopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/** Anthropic's usage: input_tokens without the cache reads and writes, which it counts apart. */
export function usageToAnthropic(u: OpenAIUsage | undefined | null): AnthropicUsage {
  const usage = u ? usageFromOpenAI(u) : emptyUsage();
  const writes = usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  return {
    input_tokens: usage.inputTokens - usage.cachedTokens - writes,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: writes,
    cache_read_input_tokens: usage.cachedTokens,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite5mTokens, ephemeral_1h_input_tokens: usage.cacheWrite1hTokens },
  };
}

const messageId = (id: string) => (id.startsWith("msg_") ? id : `msg_${id.replace(/^chatcmpl-/, "")}`);

export function openAIResponseToAnthropic(res: OpenAIChatCompletion, model: string): AnthropicMessageResponse {
  const choice = res.choices[0];
  const content: AnthropicResponseBlock[] = [];
  const refusal = choice?.message.refusal;
  if (choice?.message.content) content.push({ type: "text", text: choice.message.content });
  if (refusal) content.push({ type: "text", text: refusal });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  return {
    id: messageId(res.id),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: refusal ? "refusal" : stopFromOpenAI(choice?.finish_reason ?? null),
    stop_sequence: null,
    usage: usageToAnthropic(res.usage),
  };
}

/** OpenAI chunks → Anthropic stream events, one chunk at a time; `end()` closes the message. */
export class OpenAIToAnthropicStream {
  private started = false;
  private blockIndex = -1;
  private openBlock: { kind: "text" } | { kind: "tool"; toolIndex: number } | null = null;
  private finish: OpenAIFinishReason | null = null;
  private refused = false;
  private usage: OpenAIUsage | null = null;
  private readonly id: string;
  private readonly model: string;

  constructor(meta: { id: string; model: string }) {
    this.id = messageId(meta.id);
    this.model = meta.model;
  }

  private start(): AnthropicStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    return [
      {
        type: "message_start",
        message: {
          id: this.id,
          type: "message",
          role: "assistant",
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The counts come with message_delta: an OpenAI stream reports usage only at its end.
          usage: usageToAnthropic(null),
        },
      },
    ];
  }

  private close(): AnthropicStreamEvent[] {
    if (!this.openBlock) return [];
    this.openBlock = null;
    return [{ type: "content_block_stop", index: this.blockIndex }];
  }

  push(chunk: OpenAIChunk): AnthropicStreamEvent[] {
    const events = this.start();
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return events;
    const { tool_calls: toolCalls, refusal } = choice.delta;
    if (refusal) this.refused = true;
    const content = (choice.delta.content ?? "") + (refusal ?? "");
    if (content) {
      if (this.openBlock?.kind !== "text") {
        events.push(...this.close());
        this.openBlock = { kind: "text" };
        events.push({ type: "content_block_start", index: ++this.blockIndex, content_block: { type: "text", text: "" } });
      }
      events.push({ type: "content_block_delta", index: this.blockIndex, delta: { type: "text_delta", text: content } });
    }
    for (const call of toolCalls ?? []) {
      if (this.openBlock?.kind !== "tool" || this.openBlock.toolIndex !== call.index) {
        events.push(...this.close());
        this.openBlock = { kind: "tool", toolIndex: call.index };
        events.push({
          type: "content_block_start",
          index: ++this.blockIndex,
          content_block: { type: "tool_use", id: call.id ?? `toolu_${this.blockIndex}`, name: call.function?.name ?? "", input: {} },
        });
      }
      if (call.function?.arguments) {
        events.push({ type: "content_block_delta", index: this.blockIndex, delta: { type: "input_json_delta", partial_json: call.function.arguments } });
      }
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return events;
  }

  /** After the upstream's terminator: close the open block, report stop reason and usage. */
  end(): AnthropicStreamEvent[] {
    const usage = usageToAnthropic(this.usage);
    return [
      ...this.start(),
      ...this.close(),
      { type: "message_delta", delta: { stop_reason: this.refused ? "refusal" : stopFromOpenAI(this.finish), stop_sequence: null }, usage },
      { type: "message_stop" },
    ];
  }
}
