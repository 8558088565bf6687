// OpenAI chat completion wire types: the gateway's canonical form. Requests are validated by
// openai-schema.ts; these describe what the gateway builds and reads.
import type { ChatCompletionRequest, ChatMessage } from "../openai-schema.ts";

export type { ChatCompletionRequest, ChatMessage };

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Prompt tokens by class, each part of prompt_tokens. */
export interface OpenAIPromptDetails {
  /** Read from the provider's cache. */
  cached_tokens?: number | null;
  /** Written to the cache (OpenRouter's name): every write, whatever its lifetime. */
  cache_write_tokens?: number | null;
  /** Ours: the part of cache_write_tokens written for an hour (Anthropic); the rest is for 5 minutes. */
  cache_write_1h_tokens?: number | null;
}

export interface OpenAIUsage {
  /** Every prompt token, cache reads and writes included. */
  prompt_tokens: number;
  /** Every output token, reasoning included. */
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: OpenAIPromptDetails | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** What the call was charged, in dollars (as OpenRouter reports it); set by the gateway. */
  cost?: number;
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
