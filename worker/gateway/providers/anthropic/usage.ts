// Anthropic usage → OpenAI usage: Anthropic counts cache reads and writes apart from input_tokens,
// OpenAI's prompt_tokens counts them in (with the writes in our prompt_tokens_details fields).
import type { AnthropicUsage } from "../../formats/anthropic.ts";
import type { OpenAIUsage } from "../../formats/openai.ts";
import { tokenCount } from "../../types.ts";

/** Cache writes: the total and the part written for an hour (without cache_creation, all for 5 minutes). */
function cacheWrites(u: Partial<AnthropicUsage>): { total: number; oneHour: number } {
  const reported = tokenCount(u.cache_creation_input_tokens);
  if (!u.cache_creation) return { total: reported, oneHour: 0 };
  const fiveMinutes = tokenCount(u.cache_creation.ephemeral_5m_input_tokens);
  const oneHour = tokenCount(u.cache_creation.ephemeral_1h_input_tokens);
  return { total: Math.max(reported, fiveMinutes + oneHour), oneHour };
}

export function usageFromAnthropic(u: Partial<AnthropicUsage>): OpenAIUsage {
  const cached = tokenCount(u.cache_read_input_tokens);
  const writes = cacheWrites(u);
  const prompt = tokenCount(u.input_tokens) + cached + writes.total;
  const completion = tokenCount(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: cached,
      ...(writes.total ? { cache_write_tokens: writes.total } : {}),
      ...(writes.oneHour ? { cache_write_1h_tokens: writes.oneHour } : {}),
    },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}
