// The aggregate every analytics view is made of: counts, tokens, cost, latency sum and a
// cumulative latency histogram. Sums of sums are sums, so a minute, an hour, a model or a month
// all add up the same way, and percentiles come from the merged histogram, not from averaging
// percentiles (which would be wrong).

/** Upper bounds (ms) of the latency histogram; the implicit last bucket is +Inf (= requests). */
export const LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

/**
 * Tokens and spend by class, summed beside the totals. Cached and cache-write tokens are part of
 * input tokens, reasoning tokens part of output tokens; the six costs (units: calls billed per image, second, character…) add up to what the calls
 * cost at their price (cost charged plus anything uncollected); cacheSaved is what cache reads
 * cost less than the same tokens uncached.
 */
export const CLASS_FIELDS = [
  "cachedTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "inputCostMicros",
  "cachedInputCostMicros",
  "cacheWriteCostMicros",
  "outputCostMicros",
  "reasoningCostMicros",
  "cacheSavedMicros",
  "unitsCostMicros",
] as const;
export type ClassField = (typeof CLASS_FIELDS)[number];
export type ClassSums = Record<ClassField, number>;

/** The class fields an event carries as they are; its cache writes are two (5 minutes, 1 hour). */
const EVENT_CLASS_FIELDS = CLASS_FIELDS.filter((f): f is Exclude<ClassField, "cacheWriteTokens"> => f !== "cacheWriteTokens");

export interface Sums extends ClassSums {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  latencyMsSum: number;
  /** Cumulative, Prometheus-style: latencyLe[i] = requests with latency ≤ LATENCY_BUCKETS_MS[i]. */
  latencyLe: number[];
}

/** What one event contributes (a request_log row has these fields under these names). */
export interface Contribution extends Omit<ClassSums, "cacheWriteTokens"> {
  status: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  latencyMs: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

export const emptyClassSums = (): ClassSums => ({
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  inputCostMicros: 0,
  cachedInputCostMicros: 0,
  cacheWriteCostMicros: 0,
  outputCostMicros: 0,
  reasoningCostMicros: 0,
  cacheSavedMicros: 0,
  unitsCostMicros: 0,
});

export const emptySums = (): Sums => ({
  requests: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
  ...emptyClassSums(),
  latencyMsSum: 0,
  latencyLe: LATENCY_BUCKETS_MS.map(() => 0),
});

/** Just the class fields of `source`. */
export function classSumsOf(source: ClassSums): ClassSums {
  const out = emptyClassSums();
  for (const f of CLASS_FIELDS) out[f] = source[f];
  return out;
}

/** The histogram increments of one latency: 1 in every bucket whose bound it is within. */
export const latencyIncrements = (latencyMs: number): number[] => LATENCY_BUCKETS_MS.map((le) => (latencyMs <= le ? 1 : 0));

export const isError = (status: number): boolean => status >= 400;

export function addContribution(s: Sums, e: Contribution): Sums {
  s.requests += 1;
  s.errors += isError(e.status) ? 1 : 0;
  s.inputTokens += e.inputTokens;
  s.outputTokens += e.outputTokens;
  s.costMicros += e.costMicros;
  for (const f of EVENT_CLASS_FIELDS) s[f] += e[f];
  s.cacheWriteTokens += e.cacheWrite5mTokens + e.cacheWrite1hTokens;
  s.latencyMsSum += e.latencyMs;
  const inc = latencyIncrements(e.latencyMs);
  for (let i = 0; i < inc.length; i++) s.latencyLe[i] = (s.latencyLe[i] ?? 0) + inc[i]!;
  return s;
}

export function addSums(a: Sums, b: Sums): Sums {
  a.requests += b.requests;
  a.errors += b.errors;
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.costMicros += b.costMicros;
  for (const f of CLASS_FIELDS) a[f] += b[f];
  a.latencyMsSum += b.latencyMsSum;
  for (let i = 0; i < a.latencyLe.length; i++) a.latencyLe[i] = (a.latencyLe[i] ?? 0) + (b.latencyLe[i] ?? 0);
  return a;
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside the bucket it falls in
 * (as Prometheus' histogram_quantile does). Accurate to the bucket, not the millisecond; above the
 * last bound it answers the last bound (a lower bound, said so in the API's `latency.method`).
 */
export function histogramQuantile(latencyLe: readonly number[], count: number, q: number): number | null {
  if (count <= 0) return null;
  const rank = q * count;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    const bound = LATENCY_BUCKETS_MS[i]!;
    const c = latencyLe[i] ?? 0;
    if (c >= rank) {
      const inBucket = c - prevCount;
      const fraction = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return Math.round(prevBound + (bound - prevBound) * fraction);
    }
    prevBound = bound;
    prevCount = c;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}

/** The q-quantile of a list of samples (nearest rank). */
export function sampleQuantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export interface SumsJson {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  latency_ms_sum: number;
  latency_ms_avg: number | null;
}

export function sumsJson(s: Sums): SumsJson {
  return {
    requests: s.requests,
    errors: s.errors,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    cost_micros: s.costMicros,
    latency_ms_sum: s.latencyMsSum,
    latency_ms_avg: s.requests > 0 ? Math.round(s.latencyMsSum / s.requests) : null,
  };
}

export const MINUTE_MS = 60_000;
export const minuteOf = (ms: number): number => ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
