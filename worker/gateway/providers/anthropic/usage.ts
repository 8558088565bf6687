// Anthropic usage → OpenAI usage: Anthropic counts cache reads and writes apart from input.
import type { AnthropicUsage } from "../../formats/anthropic.ts";
import type { OpenAIUsage } from "../../formats/openai.ts";

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
