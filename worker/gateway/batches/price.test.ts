import { describe, expect, it } from "vitest";
import { priceRow } from "../../../test/kit/price-row.ts";
import { batchPrice, batchWorstCase } from "./price.ts";

const price = priceRow;

describe("batch prices", () => {
  it("takes the discount off every token price, rounding each up to a whole µ$", () => {
    const half = batchPrice(price({ inputPerMTokMicros: 2_500_001, outputPerMTokMicros: 10_000_000, cachedInputPerMTokMicros: 1_250_000 }))!;
    expect([half.inputPerMTokMicros, half.outputPerMTokMicros, half.cachedInputPerMTokMicros, half.reasoningPerMTokMicros]).toEqual([
      1_250_001,
      5_000_000,
      625_000,
      null,
    ]);
    const none = batchPrice(price({ inputPerMTokMicros: 7, batchDiscountBps: 0 }))!;
    expect(none.inputPerMTokMicros).toBe(7);
    expect(batchPrice(price({ inputPerMTokMicros: 7, batchDiscountBps: 10_000 }))!.inputPerMTokMicros).toBe(0);
    expect(batchPrice(undefined)).toBeUndefined();
  });

  it("reserves the worst case once over all lines, with the markup", () => {
    const p = batchPrice(price({ inputPerMTokMicros: 2_500_000, outputPerMTokMicros: 10_000_000, markupBps: 1_000 }));
    // (1,000,000 × 1.25 + 100,000 × 5) µ$ = 1,750,000 µ$, +10 %.
    expect(batchWorstCase(1_000_000, 100_000, p)).toBe(1_925_000);
    expect(batchWorstCase(1, 0, p)).toBe(2);
  });
});
