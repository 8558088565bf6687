import { describe, expect, it } from "vitest";
import { priceRow } from "../../test/kit/price-row.ts";
import { emptyUsage, type Usage, unitUsage } from "./types.ts";
import { costBreakdown, costMicros, unitPrice } from "./cost.ts";

const price = priceRow;

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
    expect(cost).toEqual({ input: 215, cachedInput: 2400, cacheWrite: 0, output: 3000, reasoning: 0, units: 0, total: 5615, cacheSaved: 2400 });
  });

  it("Claude Sonnet: cache reads, 5-minute and 1-hour writes, each at its price", () => {
    const u = usage({ inputTokens: 18_000, cachedTokens: 10_000, cacheWrite5mTokens: 5_000, cacheWrite1hTokens: 1_000, outputTokens: 800 });
    // 2,000 × 3 = 6,000; 10,000 × 0.30 = 3,000; 5,000 × 3.75 + 1,000 × 6 = 24,750; 800 × 15 = 12,000
    const expected = { input: 6000, cachedInput: 3000, cacheWrite: 24_750, output: 12_000, reasoning: 0, units: 0, total: 45_750, cacheSaved: 27_000 };
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
      units: 0,
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

// OpenAI's published list prices: dall-e-3 $0.040 standard 1024², $0.080 hd 1024², $0.120 hd
// 1792×1024; whisper-1 $0.006 a minute; tts-1 $15 per million characters.
const DALL_E_3 = price({ perImageMicros: 40_000, imagePrices: { "1024x1024/hd": 80_000, "1792x1024": 80_000, "1792x1024/hd": 120_000 } });
const WHISPER = price({ perAudioSecondMicros: 100 });
const TTS = price({ perMCharMicros: 15_000_000 });
// gpt-image-1: $5 / M text input, $40 / M image output; per image too, for answers without usage.
const GPT_IMAGE = price({ inputPerMTokMicros: 5_000_000, outputPerMTokMicros: 40_000_000, imagePrices: { "1024x1024/low": 11_000 } });

describe("costMicros per unit", () => {
  it("prices an image by size and quality, then by size, then any size", () => {
    expect(unitPrice({ kind: "image", tier: "1792x1024/hd" }, DALL_E_3)).toBe(120_000);
    expect(unitPrice({ kind: "image", tier: "1792x1024/vivid" }, DALL_E_3)).toBe(80_000);
    expect(unitPrice({ kind: "image", tier: "1024x1024" }, DALL_E_3)).toBe(40_000);
    expect(costMicros(unitUsage("image", 3, "1024x1024/hd"), DALL_E_3)).toBe(240_000);
  });

  it("prices seconds, characters, calls and search units, with the markup, exactly", () => {
    expect(costMicros(unitUsage("audio_second", 61.2), WHISPER)).toBe(6_200);
    expect(costMicros(unitUsage("character", 1_000), TTS)).toBe(15_000);
    // 1 character at $15 / M = 15 µ$; 3 = 45; with a 10 % markup 49.5 → 50
    expect(costMicros(unitUsage("character", 3), { ...TTS, markupBps: 1000 })).toBe(50);
    expect(costBreakdown(unitUsage("request", 1), price({ perRequestMicros: 0 })).total).toBe(0);
    expect(costBreakdown(unitUsage("search_unit", 2), price({ perSearchUnitMicros: 2_000 }))).toMatchObject({ units: 4_000, total: 4_000, input: 0 });
  });

  it("bills reported tokens where the price has token prices, else the units, never both", () => {
    const reported: Usage = { ...unitUsage("image", 1, "1024x1024/low"), inputTokens: 50, outputTokens: 272 };
    // 50 × 5 + 272 × 40 = 250 + 10,880
    expect(costBreakdown(reported, GPT_IMAGE)).toMatchObject({ input: 250, output: 10_880, units: 0, total: 11_130 });
    expect(costBreakdown(unitUsage("image", 1, "1024x1024/low"), GPT_IMAGE)).toMatchObject({ units: 11_000, total: 11_000 });
    // Our own estimate of tokens does not replace a unit price.
    expect(costMicros({ ...unitUsage("audio_second", 10), inputTokens: 999, estimated: true }, { ...WHISPER, inputPerMTokMicros: 1_000_000 })).toBe(1_000);
    // No unit price and no reported tokens: the tokens (ours) are billed.
    expect(costMicros({ ...unitUsage("search_unit", 1), inputTokens: 1_000, estimated: true }, price({ inputPerMTokMicros: 20_000 }))).toBe(20);
  });

  it("bills nothing for a unit the price does not name", () => {
    expect(costMicros(unitUsage("image", 2), WHISPER)).toBe(0);
  });
});
