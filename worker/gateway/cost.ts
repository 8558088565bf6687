// What a call costs: usage at its price, with the markup, in integer micro-dollars.
import type { PriceRow } from "../db/catalog.ts";
import type { Usage } from "./types.ts";

const BASIS_POINTS = 10_000n;
const DIVISOR = BASIS_POINTS * 1_000_000n;

/**
 * Integer micro-dollars, rounded up: prices are per million tokens, so the exact cost is
 * Σ tokens × price / 10⁶, times (1 + markup / 10⁴) when the price carries a markup; rounding
 * once, up, at the end never bills less than was used. Cached input tokens are part of input
 * tokens and billed at the cached price when there is one; reasoning tokens are part of
 * output tokens likewise. BigInt keeps the product exact beyond 2⁵³.
 */
export function costMicros(usage: Usage, price: PriceRow | undefined): number {
  if (!price) return 0;
  const cachedPrice = price.cachedInputPerMTokMicros ?? price.inputPerMTokMicros;
  const reasoningPrice = price.reasoningPerMTokMicros ?? price.outputPerMTokMicros;
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const reasoning = Math.min(usage.reasoningTokens, usage.outputTokens);
  const total =
    BigInt(usage.inputTokens - cached) * BigInt(price.inputPerMTokMicros) +
    BigInt(cached) * BigInt(cachedPrice) +
    BigInt(usage.outputTokens - reasoning) * BigInt(price.outputPerMTokMicros) +
    BigInt(reasoning) * BigInt(reasoningPrice);
  const scaled = total * (BASIS_POINTS + BigInt(price.markupBps ?? 0));
  return Number((scaled + DIVISOR - 1n) / DIVISOR);
}

/** A per-million-token price as the tenant pays it (markup included, rounded up). */
export function priceWithMarkup(perMTokMicros: number, markupBps = 0): number {
  return Math.ceil((perMTokMicros * (10_000 + markupBps)) / 10_000);
}
