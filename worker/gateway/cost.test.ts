import { describe, expect, it } from "vitest";
import type { PriceRow } from "../db/catalog.ts";
import { emptyUsage, type Usage } from "./types.ts";
import { costBreakdown, costMicros } from "./cost.ts";

const price = (p: Partial<PriceRow>): PriceRow =>
  ({
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    cachedInputPerMTokMicros: null,
    reasoningPerMTokMicros: null,
    cacheWrite5mPerMTokMicros: null,
    cacheWrite1hPerMTokMicros: null,
    ...p,
  }) as PriceRow;

const usage = (u: Partial<Usage>): Usage => ({ ...emptyUsage(), ...u });

// OpenAI's published gpt-4o prices: $2.50 / M input, $1.25 / M cached input, $10 / M output.
const GPT_4O = price({ inputPerMTokMicros: 2_500_000, outputPerMTokMicros: 10_000_000, cachedInputPerMTokMicros: 1_250_000 });
// Anthropic's published Claude Sonnet prices: $3 / M input, $3.75 / M 5-minute cache writes,
// $6 / M 1-hour writes, $0.30 / M cache reads, $15 / M output.
const SONNET = price({
  inputPerMTokMicros: 3_000_000,
  outputPerMTokMicros: 15_000_000,
  cachedInputPerMTokMicros: 300_000,
  cacheWrite5mPerMTokMicros: 3_750_000,
  cacheWrite1hPerMTokMicros: 6_000_000,
});
// OpenAI's published o1 prices: $15 / M input, $7.50 / M cached, $60 / M output (reasoning is output).
const O1 = price({ inputPerMTokMicros: 15_000_000, outputPerMTokMicros: 60_000_000, cachedInputPerMTokMicros: 7_500_000 });

describe("costMicros", () => {
  it("charges nothing without a price or tokens", () => {
    expect(costMicros(usage({ inputTokens: 10 }), undefined)).toBe(0);
    expect(costMicros(emptyUsage(), GPT_4O)).toBe(0);
  });

  it("is exact in integer micro-dollars and rounds up", () => {
    // 1,000 × 2.5 + 500 × 10 = 7,500 µ$ exactly
    expect(costMicros(usage({ inputTokens: 1000, outputTokens: 500 }), GPT_4O)).toBe(7500);
    // 1 input token = 2.5 µ$ → 3
    expect(costMicros(usage({ inputTokens: 1 }), GPT_4O)).toBe(3);
  });

  it("bills cached input at the cached price and reasoning as output", () => {
    // 600 × 2.5 + 400 × 1.25 + 100 × 10 = 1500 + 500 + 1000
    expect(costMicros(usage({ inputTokens: 1000, cachedTokens: 400, outputTokens: 100, reasoningTokens: 60 }), GPT_4O)).toBe(3000);
  });
});

describe("cost per token class, against the providers' published prices", () => {
  it("gpt-4o: OpenAI's prompt-caching example (2,006 prompt tokens, 1,920 of them cached)", () => {
    const cost = costBreakdown(usage({ inputTokens: 2006, cachedTokens: 1920, outputTokens: 300 }), GPT_4O);
    // 86 × 2.5 = 215; 1,920 × 1.25 = 2,400; 300 × 10 = 3,000
    expect(cost).toEqual({ input: 215, cachedInput: 2400, cacheWrite: 0, output: 3000, reasoning: 0, total: 5615, cacheSaved: 2400 });
  });

  it("Claude Sonnet: cache reads, 5-minute and 1-hour writes, each at its price", () => {
    const u = usage({ inputTokens: 18_000, cachedTokens: 10_000, cacheWrite5mTokens: 5_000, cacheWrite1hTokens: 1_000, outputTokens: 800 });
    // 2,000 × 3 = 6,000; 10,000 × 0.30 = 3,000; 5,000 × 3.75 + 1,000 × 6 = 24,750; 800 × 15 = 12,000
    const expected = { input: 6000, cachedInput: 3000, cacheWrite: 24_750, output: 12_000, reasoning: 0, total: 45_750, cacheSaved: 27_000 };
    expect(costBreakdown(u, SONNET)).toEqual(expected);
    // No cache-write price of its own: Anthropic's 1.25× and 2× of input, the same here.
    expect(costBreakdown(u, { ...SONNET, cacheWrite5mPerMTokMicros: null, cacheWrite1hPerMTokMicros: null })).toEqual(expected);
  });

  it("o1: reasoning tokens billed as output", () => {
    const cost = costBreakdown(usage({ inputTokens: 1000, outputTokens: 2000, reasoningTokens: 1500 }), O1);
    // 1,000 × 15 = 15,000; 500 × 60 = 30,000; 1,500 × 60 = 90,000
    expect(cost).toMatchObject({ input: 15_000, output: 30_000, reasoning: 90_000, total: 135_000 });
  });

  it("applies the markup to every class, each rounded up", () => {
    const u = usage({ inputTokens: 18_000, cachedTokens: 10_000, cacheWrite5mTokens: 5_000, cacheWrite1hTokens: 1_000, outputTokens: 800 });
    // +15 %: 6,900; 3,450; 24,750 × 1.15 = 28,462.5 → 28,463; 13,800
    expect(costBreakdown(u, { ...SONNET, markupBps: 1500 })).toEqual({
      input: 6900,
      cachedInput: 3450,
      cacheWrite: 28_463,
      output: 13_800,
      reasoning: 0,
      total: 52_613,
      cacheSaved: 31_050,
    });
  });

  it("rounds the exact sum up once and splits it over the classes by largest remainder", () => {
    // 1 uncached token 2.5 + 1 cached 1.25 = 3.75 → 4 µ$: input 2 (+1 for its .5), cached 1 (.25 loses).
    expect(costBreakdown(usage({ inputTokens: 2, cachedTokens: 1 }), GPT_4O)).toMatchObject({ input: 3, cachedInput: 1, total: 4 });
    // One token of each Sonnet class: 3 + 0.30 + (3.75 + 6) + 15 = 28.05 → 29 µ$: the floors sum to 27, and the 2 left go to the largest remainders (the writes' .75, the read's .30).
    const one = usage({ inputTokens: 4, cachedTokens: 1, cacheWrite5mTokens: 1, cacheWrite1hTokens: 1, outputTokens: 1 });
    expect(costBreakdown(one, SONNET)).toMatchObject({ input: 3, cachedInput: 1, cacheWrite: 10, output: 15, reasoning: 0, total: 29 });
  });

  it("bills 5-minute writes at exactly 1.25× an input price that is not a multiple of 4", () => {
    // 1,000 tokens at 1.000001 $/M × 1.25 = 1,250.00125 µ$ → 1,251; a price truncated to whole µ$ first would give 1,251 too, but 3 tokens would not: 3.75000375 → 4.
    const odd = { ...GPT_4O, inputPerMTokMicros: 1_000_001, cacheWrite5mPerMTokMicros: null, cacheWrite1hPerMTokMicros: null };
    expect(costBreakdown(usage({ inputTokens: 1000, cacheWrite5mTokens: 1000 }), odd).total).toBe(1251);
    expect(costBreakdown(usage({ inputTokens: 4, cacheWrite5mTokens: 4 }), odd).total).toBe(6);
  });

  it("never bills a class twice when the counts overlap beyond the input", () => {
    // Reads and writes claimed beyond the input are clamped to it: 10 tokens, all read.
    const cost = costBreakdown(usage({ inputTokens: 10, cachedTokens: 50, cacheWrite5mTokens: 50 }), SONNET);
    expect(cost).toMatchObject({ input: 0, cachedInput: 3, cacheWrite: 0, total: 3 });
  });
});
