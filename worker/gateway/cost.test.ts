import { describe, expect, it } from "vitest";
import type { PriceRow } from "../db/catalog.ts";
import { emptyUsage } from "./types.ts";
import { costMicros } from "./cost.ts";

const price = {
  inputPerMTokMicros: 2_500_000, // $2.50 / M
  outputPerMTokMicros: 10_000_000, // $10 / M
  cachedInputPerMTokMicros: 1_250_000,
  reasoningPerMTokMicros: null,
} as PriceRow;

describe("costMicros", () => {
  it("charges nothing without a price or tokens", () => {
    expect(costMicros({ ...emptyUsage(), inputTokens: 10 }, undefined)).toBe(0);
    expect(costMicros(emptyUsage(), price)).toBe(0);
  });

  it("is exact in integer micro-dollars and rounds up", () => {
    // 1,000 × 2.5 + 500 × 10 = 7,500 µ$ exactly
    expect(costMicros({ ...emptyUsage(), inputTokens: 1000, outputTokens: 500 }, price)).toBe(7500);
    // 1 input token = 2.5 µ$ → 3
    expect(costMicros({ ...emptyUsage(), inputTokens: 1 }, price)).toBe(3);
  });

  it("bills cached input at the cached price and reasoning as output", () => {
    const usage = { ...emptyUsage(), inputTokens: 1000, cachedTokens: 400, outputTokens: 100, reasoningTokens: 60 };
    // 600 × 2.5 + 400 × 1.25 + 100 × 10 = 1500 + 500 + 1000
    expect(costMicros(usage, price)).toBe(3000);
  });
});
