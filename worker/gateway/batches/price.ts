// What batch lines cost: the model's token prices less its batch discount (OpenAI's is half),
// each rounded up to a whole micro-dollar per million tokens, so a batch is never billed below
// the discount it was promised and every token class keeps its own price.
import type { PriceRow } from "../../db/catalog.ts";
import { costMicros } from "../cost.ts";
import { emptyUsage, estimatedUsage, type Usage } from "../types.ts";

/** OpenAI's Batch API discount, for a price that names none. */
export const DEFAULT_BATCH_DISCOUNT_BPS = 5_000;

const TOKEN_PRICES = [
  "inputPerMTokMicros",
  "outputPerMTokMicros",
  "cachedInputPerMTokMicros",
  "reasoningPerMTokMicros",
  "cacheWrite5mPerMTokMicros",
  "cacheWrite1hPerMTokMicros",
] as const;

export const batchDiscountOf = (price: PriceRow | undefined): number => Math.min(10_000, Math.max(0, price?.batchDiscountBps ?? DEFAULT_BATCH_DISCOUNT_BPS));

/** The price a batch line is billed at; undefined (nothing to bill: a tenant's own provider without a price) stays so. */
export function batchPrice(price: PriceRow | undefined): PriceRow | undefined {
  if (!price) return undefined;
  const keep = BigInt(10_000 - batchDiscountOf(price));
  const discounted: PriceRow = { ...price };
  for (const column of TOKEN_PRICES) {
    const full = price[column];
    if (full !== null) discounted[column] = Number((BigInt(full) * keep + 9_999n) / 10_000n);
  }
  return discounted;
}

/** The most a batch of `promptTokenBound` prompt and `maxOutputTokens` output tokens in all can cost at `price` (a batch price). */
export const batchWorstCase = (promptTokenBound: number, maxOutputTokens: number, price: PriceRow | undefined): number =>
  costMicros(estimatedUsage(promptTokenBound, maxOutputTokens), price);

/** Adds one line's usage to the batch's. */
export function addUsage(sum: Usage, line: Usage): Usage {
  return {
    ...emptyUsage(),
    inputTokens: sum.inputTokens + line.inputTokens,
    outputTokens: sum.outputTokens + line.outputTokens,
    cachedTokens: sum.cachedTokens + line.cachedTokens,
    cacheWrite5mTokens: sum.cacheWrite5mTokens + line.cacheWrite5mTokens,
    cacheWrite1hTokens: sum.cacheWrite1hTokens + line.cacheWrite1hTokens,
    reasoningTokens: sum.reasoningTokens + line.reasoningTokens,
  };
}
