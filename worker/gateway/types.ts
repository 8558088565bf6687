// The provider-neutral usage record every call produces.
import type { OpenAIUsage } from "./formats/openai.ts";
import type { ResponsesUsage } from "./formats/responses.ts";
import type { UnitKind } from "../db/schema.ts";

export interface Usage {
  /** Every prompt token: uncached, read from the cache and written to it. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** Prompt tokens read from the provider's cache (part of inputTokens). */
  cachedTokens: number;
  /** Prompt tokens written to the cache for 5 minutes and for 1 hour (Anthropic; part of inputTokens). */
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Output tokens spent thinking (part of outputTokens). */
  reasoningTokens: number;
  /** True when we counted the tokens ourselves because the provider reported none. */
  estimated: boolean;
  /** What a call billed per unit rather than per token (an image, a second of audio…) used. */
  units?: MeteredUnits;
}

export interface MeteredUnits {
  kind: UnitKind;
  /** Whole units; audio seconds are rounded up. */
  count: number;
  /** Images: `<size>` or `<size>/<quality>`, which may have a price of its own. */
  tier?: string;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0, estimated: false };
}

/** What a call is billed when the provider reported no usage: our counts, flagged as an estimate. */
export function estimatedUsage(inputTokens: number, outputTokens: number): Usage {
  return { ...emptyUsage(), inputTokens, outputTokens, estimated: true };
}

/** A call billed `count` units of `kind` (and no tokens unless the provider reported them). */
export function unitUsage(kind: UnitKind, count: number, tier?: string): Usage {
  return { ...emptyUsage(), units: { kind, count: Math.max(0, Math.ceil(count)), ...(tier ? { tier } : {}) } };
}

/** More tokens than any call has: a bigger count is clamped to it, so sums stay exact integers. */
const MAX_TOKENS = 2 ** 40;

/** A token count as a provider reported it, made sane: a whole number from 0 to MAX_TOKENS (not a positive number: 0). */
export function tokenCount(value: unknown): number {
  return typeof value === "number" && value > 0 ? Math.min(Math.floor(value), MAX_TOKENS) : 0;
}

/**
 * OpenAI's usage shape, ours included: prompt_tokens counts every prompt token, cache reads
 * (cached_tokens) and writes (cache_write_tokens, of which cache_write_1h_tokens for an hour)
 * among them; completion_tokens counts reasoning too. Counts that cannot be are clamped, so no
 * class is negative and none is counted twice.
 */
export function usageFromOpenAI(u: OpenAIUsage): Usage {
  const details = u.prompt_tokens_details;
  const input = tokenCount(u.prompt_tokens);
  const output = tokenCount(u.completion_tokens);
  const cached = Math.min(tokenCount(details?.cached_tokens), input);
  const writes = Math.min(tokenCount(details?.cache_write_tokens), input - cached);
  const write1h = Math.min(tokenCount(details?.cache_write_1h_tokens), writes);
  return {
    inputTokens: input,
    outputTokens: output,
    cachedTokens: cached,
    cacheWrite5mTokens: writes - write1h,
    cacheWrite1hTokens: write1h,
    reasoningTokens: Math.min(tokenCount(u.completion_tokens_details?.reasoning_tokens), output),
    estimated: false,
  };
}

/** The Responses API's usage (no cache writes there); null when it reported none. */
export function usageFromResponses(u: Partial<ResponsesUsage> | null | undefined): Usage | null {
  if (!u) return null;
  return usageFromOpenAI({
    prompt_tokens: u.input_tokens ?? 0,
    completion_tokens: u.output_tokens ?? 0,
    total_tokens: 0,
    prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens },
    completion_tokens_details: { reasoning_tokens: u.output_tokens_details?.reasoning_tokens },
  });
}
