// Gemini stream responses → OpenAI chat chunks.
import type { GeminiResponse, GeminiUsage } from "../../formats/gemini.ts";
import type { OpenAIChunk, OpenAIFinishReason, OpenAIUsage } from "../../formats/openai.ts";
import { finishFromGemini, splitParts, usageFromGemini } from "./response.ts";

/** Gemini stream responses → OpenAI chunks. Gemini has no terminator: `finished` tells. */
export class GeminiToOpenAIStream {
  private started = false;
  private calls = 0;
  private usage: GeminiUsage | undefined;
  finished = false;
  private readonly meta: { id: string; model: string; created: number };

  constructor(meta: { id: string; model: string; created: number }) {
    this.meta = meta;
  }

  private chunk(delta: OpenAIChunk["choices"][number]["delta"], finish: OpenAIFinishReason | null = null): OpenAIChunk {
    return { ...this.meta, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }

  get openAIUsage(): OpenAIUsage {
    return usageFromGemini(this.usage);
  }

  usageChunk(): OpenAIChunk {
    return { ...this.meta, object: "chat.completion.chunk", choices: [], usage: this.openAIUsage };
  }

  push(res: GeminiResponse): OpenAIChunk[] {
    const out: OpenAIChunk[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.chunk({ role: "assistant", content: "" }));
    }
    if (res.usageMetadata) this.usage = res.usageMetadata;
    const candidate = res.candidates?.[0];
    const { text, reasoning, calls } = splitParts(candidate?.content?.parts);
    if (reasoning) out.push(this.chunk({ reasoning_content: reasoning }));
    if (text) out.push(this.chunk({ content: text }));
    for (const [i, call] of calls.entries())
      out.push(this.chunk({ tool_calls: [{ index: this.calls + i, id: call.id, type: "function", function: call.function }] }));
    this.calls += calls.length;
    const finish = res.promptFeedback?.blockReason ? "content_filter" : finishFromGemini(candidate?.finishReason, this.calls > 0);
    if (finish) {
      this.finished = true;
      out.push(this.chunk({}, finish));
    }
    return out;
  }
}
