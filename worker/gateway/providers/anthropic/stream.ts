// Anthropic stream events → OpenAI chat chunks.
import type { AnthropicStreamEvent, AnthropicUsage } from "../../formats/anthropic.ts";
import type { OpenAIChunk, OpenAIFinishReason, OpenAIUsage } from "../../formats/openai.ts";
import { JSON_TOOL } from "./request.ts";
import { finishFromAnthropic } from "./response.ts";
import { usageFromAnthropic } from "./usage.ts";

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
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
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
        if (d.type === "thinking_delta") return d.thinking ? [this.chunk({ reasoning_content: d.thinking })] : [];
        if (d.type === "input_json_delta") {
          if (this.jsonToolBlocks.has(event.index)) return [this.chunk({ content: d.partial_json })];
          const index = this.toolIndex.get(event.index);
          return index === undefined ? [] : [this.chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] })];
        }
        return [];
      }
      case "message_delta":
        this.usage = { ...this.usage, ...Object.fromEntries(Object.entries(event.usage).filter(([, v]) => v !== null && v !== undefined)) };
        this.finish =
          this.jsonToolBlocks.size && event.delta.stop_reason === "tool_use" && this.toolIndex.size === 0
            ? "stop"
            : finishFromAnthropic(event.delta.stop_reason);
        return [this.chunk({}, this.finish ?? "stop")];
      case "message_stop":
        this.done = true;
        return [];
      default:
        return [];
    }
  }
}
