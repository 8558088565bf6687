// What a call costs: usage at its price per token class, with the markup, in integer micro-dollars.
import type { PriceRow } from "../db/catalog.ts";
import { UNIT_PRICE_COLUMN } from "../db/prices.ts";
import type { UnitKind } from "../db/schema.ts";
import { emptyUsage, type MeteredUnits, type Usage } from "./types.ts";

const BASIS_POINTS = 10_000n;
const DIVISOR = BASIS_POINTS * 1_000_000n;

/** A call's cost by token class; `total` is their sum, and `cacheSaved` what cache reads cost less than uncached input. */
export interface CostBreakdown {
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  /** Units billed per unit (images, audio seconds, characters, requests, search units). */
  units: number;
  total: number;
  cacheSaved: number;
}

const NO_COST: CostBreakdown = { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, units: 0, total: 0, cacheSaved: 0 };

/**
 * Anthropic's published cache-write prices as multiples of input (5 min: 1.25×, 1 hour: 2×), for
 * a price that names none: in quarters, so every class is an exact integer in the same unit.
 */
const QUARTERS = 4n;
const CACHE_WRITE_5M_QUARTERS = 5n;
const CACHE_WRITE_1H_QUARTERS = 8n;
const CLASSES = ["input", "cachedInput", "cacheWrite", "output", "reasoning", "units"] as const;

/**
 * Integer micro-dollars: prices are per million tokens, so a class costs tokens × price / 10⁶,
 * times (1 + markup / 10⁴) when the price carries a markup. The total is the exact sum rounded up
 * once — never less than was used, and at most 1 µ$ above it; the classes are that total split
 * by largest remainder, so they sum to it exactly. Cache reads and writes are part of input
 * tokens, reasoning tokens part of output tokens; a class without its own price is billed at the
 * price it is part of (cache writes at the provider's multiple of input). BigInt keeps the
 * products exact beyond 2⁵³.
 */
export function costBreakdown(metered: Usage, price: PriceRow | undefined): CostBreakdown {
  if (!price) return NO_COST;
  const usage = billedUsage(metered, price);
  const inputPrice = BigInt(price.inputPerMTokMicros);
  // Prices in quarter-µ$ per million tokens, so 1.25× input (5 quarters of the price) is exact.
  const input = inputPrice * QUARTERS;
  const output = BigInt(price.outputPerMTokMicros) * QUARTERS;
  const perMTok = (tokens: number, priceMicros: number | null | undefined, fallback: bigint) =>
    BigInt(tokens) * (priceMicros != null ? BigInt(priceMicros) * QUARTERS : fallback);

  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const write5m = Math.min(usage.cacheWrite5mTokens, usage.inputTokens - cached);
  const write1h = Math.min(usage.cacheWrite1hTokens, usage.inputTokens - cached - write5m);
  const plainInput = usage.inputTokens - cached - write5m - write1h;
  const reasoning = Math.min(usage.reasoningTokens, usage.outputTokens);

  // Each class in µ$ × 10⁶ × 10⁴ × 4: exact.
  const markup = BASIS_POINTS + BigInt(price.markupBps ?? 0);
  const cachedScaled = perMTok(cached, price.cachedInputPerMTokMicros, input);
  const exact: Record<(typeof CLASSES)[number], bigint> = {
    input: BigInt(plainInput) * input * markup,
    cachedInput: cachedScaled * markup,
    cacheWrite:
      (perMTok(write5m, price.cacheWrite5mPerMTokMicros, inputPrice * CACHE_WRITE_5M_QUARTERS) +
        perMTok(write1h, price.cacheWrite1hPerMTokMicros, inputPrice * CACHE_WRITE_1H_QUARTERS)) *
      markup,
    output: BigInt(usage.outputTokens - reasoning) * output * markup,
    reasoning: perMTok(reasoning, price.reasoningPerMTokMicros, output) * markup,
    units: usage.units ? unitsScaled(usage.units, price) * markup : 0n,
  };
  const unit = DIVISOR * QUARTERS;
  const sum = CLASSES.reduce((s, k) => s + exact[k], 0n);
  const total = (sum + unit - 1n) / unit;
  const cost = Object.fromEntries(CLASSES.map((k) => [k, exact[k] / unit])) as Record<(typeof CLASSES)[number], bigint>;
  // The micro-dollars the floors left out go to the classes with the largest remainders.
  let left = total - CLASSES.reduce((s, k) => s + cost[k], 0n);
  for (const k of [...CLASSES].sort((a, b) => Number((exact[b] % unit) - (exact[a] % unit)))) {
    if (left <= 0n) break;
    if (exact[k] % unit === 0n) continue;
    cost[k] += 1n;
    left -= 1n;
  }
  const saved = (BigInt(cached) * input - cachedScaled) * markup;
  return {
    input: Number(cost.input),
    cachedInput: Number(cost.cachedInput),
    cacheWrite: Number(cost.cacheWrite),
    output: Number(cost.output),
    reasoning: Number(cost.reasoning),
    units: Number(cost.units),
    total: Number(total),
    cacheSaved: saved > 0n ? Number(saved / unit) : 0,
  };
}

/** Characters are priced per million, the other units each. */
const PER_UNIT_SCALE: Record<UnitKind, bigint> = { image: 1_000_000n, audio_second: 1_000_000n, character: 1n, request: 1_000_000n, search_unit: 1_000_000n };

/** The unit price that applies (null: the model has none in that unit). */
export function unitPrice(units: Pick<MeteredUnits, "kind" | "tier">, price: PriceRow): number | null {
  const each = price[UNIT_PRICE_COLUMN[units.kind]];
  if (units.kind !== "image" || units.tier === undefined) return each;
  const tiers = price.imagePrices ?? {};
  return tiers[units.tier] ?? tiers[units.tier.split("/")[0]!] ?? each;
}

/**
 * A call metered both in units and in tokens is billed once: by the tokens the provider
 * reported when the price has token prices (gpt-image, gpt-4o-transcribe), else by its units
 * when they are priced, else by its tokens (ours when the provider reported none).
 */
function billedUsage(usage: Usage, price: PriceRow): Usage {
  const { units } = usage;
  if (!units) return usage;
  const pricesTokens = price.inputPerMTokMicros > 0 || price.outputPerMTokMicros > 0;
  const reported = !usage.estimated && usage.inputTokens + usage.outputTokens > 0;
  if (pricesTokens && reported) return { ...usage, units: undefined };
  if (unitPrice(units, price) !== null) return { ...emptyUsage(), units };
  return { ...usage, units: undefined };
}

/** The units' cost in the scale of the token classes (µ$ × 10⁶ × 4, before the markup). */
function unitsScaled(units: MeteredUnits, price: PriceRow): bigint {
  const each = unitPrice(units, price);
  return each === null ? 0n : BigInt(units.count) * BigInt(each) * PER_UNIT_SCALE[units.kind] * QUARTERS;
}

export function costMicros(usage: Usage, price: PriceRow | undefined): number {
  return costBreakdown(usage, price).total;
}

/** A per-million-token price as the tenant pays it (markup included, rounded up). */
export function priceWithMarkup(perMTokMicros: number, markupBps = 0): number {
  return Math.ceil((perMTokMicros * (10_000 + markupBps)) / 10_000);
}
