// The provider-neutral usage record every call produces.
import type { OpenAIUsage } from "./formats/openai.ts";
import type { ResponsesUsage } from "./formats/responses.ts";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** True when we counted the tokens ourselves because the provider reported none. */
  estimated: boolean;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, estimated: false };
}

/** What a call is billed when the provider reported no usage: our counts, flagged as an estimate. */
export function estimatedUsage(inputTokens: number, outputTokens: number): Usage {
  return { inputTokens, outputTokens, cachedTokens: 0, reasoningTokens: 0, estimated: true };
}

export function usageFromOpenAI(u: OpenAIUsage): Usage {
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}

export function usageFromResponses(u: Partial<ResponsesUsage> | null | undefined): Usage | null {
  if (!u) return null;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}
