// A price as the gateway bills it, every column empty but those a unit test sets.
import type { PriceRow } from "../../worker/db/catalog.ts";
import { NO_UNIT_PRICES } from "../../worker/db/prices.ts";

export const priceRow = (p: Partial<PriceRow>): PriceRow =>
  ({
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    cachedInputPerMTokMicros: null,
    reasoningPerMTokMicros: null,
    cacheWrite5mPerMTokMicros: null,
    cacheWrite1hPerMTokMicros: null,
    ...NO_UNIT_PRICES,
    ...p,
  }) as PriceRow;
