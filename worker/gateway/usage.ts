// Cost from usage and prices, and the per-request record written after the response.
import { log } from "../core/logger.ts";
import type { PriceRow } from "../db/catalog.ts";
import { getDb } from "../db/client.ts";
import { insertRequestLog, type RequestLogRow } from "../db/request-log.ts";
import type { Env } from "../env.ts";
import type { Usage } from "./types.ts";

/**
 * Integer micro-dollars, rounded up: prices are per million tokens, so the exact cost is
 * Σ tokens × price / 10⁶; rounding up never bills less than was used. Cached input tokens
 * are part of input tokens and billed at the cached price when there is one; reasoning
 * tokens are part of output tokens likewise.
 */
export function costMicros(usage: Usage, price: PriceRow | undefined): number {
  if (!price) return 0;
  const cachedPrice = price.cachedInputPerMTokMicros ?? price.inputPerMTokMicros;
  const reasoningPrice = price.reasoningPerMTokMicros ?? price.outputPerMTokMicros;
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const reasoning = Math.min(usage.reasoningTokens, usage.outputTokens);
  const total =
    (usage.inputTokens - cached) * price.inputPerMTokMicros +
    cached * cachedPrice +
    (usage.outputTokens - reasoning) * price.outputPerMTokMicros +
    reasoning * reasoningPrice;
  return Math.ceil(total / 1_000_000);
}

/** The seam where usage leaves the hot path; a later step routes it through AnalyticsHub. */
export async function recordUsage(env: Env, row: RequestLogRow): Promise<void> {
  try {
    await insertRequestLog(getDb(env.DB), row);
  } catch (error) {
    log("error", "request log write failed", { requestId: row.id, error: String(error) });
  }
}
