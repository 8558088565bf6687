// OpenAI chat completion wire types: the gateway's canonical form. Requests are validated by
// openai-schema.ts; these describe what the gateway builds and reads.
import type { ChatCompletionRequest, ChatMessage } from "../openai-schema.ts";

export type { ChatCompletionRequest, ChatMessage };

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export type OpenAIFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface OpenAIChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal?: string | null;
      tool_calls?: OpenAIToolCall[];
      /** Thinking, from providers that give it (DeepSeek, vLLM and others). */
      reasoning_content?: string | null;
    };
    logprobs?: null;
    finish_reason: OpenAIFinishReason | null;
  }[];
  usage?: OpenAIUsage;
}

export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface OpenAIChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      refusal?: string | null;
      tool_calls?: OpenAIToolCallDelta[];
      /** Thinking, as OpenAI-compatible servers stream it (DeepSeek, vLLM: reasoning_content; others: reasoning). */
      reasoning_content?: string | null;
      reasoning?: string | null;
    };
    logprobs?: null;
    finish_reason: OpenAIFinishReason | null;
  }[];
  usage?: OpenAIUsage | null;
}
