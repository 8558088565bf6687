// usage.cost: what a call is charged, in dollars, in OpenAI-format usage (as OpenRouter reports it).
import type { OpenAIUsage } from "./formats/openai.ts";
import { type Usage, usageFromOpenAI } from "./types.ts";

/** What a call with this usage is charged, in integer micro-dollars (its cost capped at the reservation). */
export type CostOf = (usage: Usage) => number;

const dollars = (micros: number): number => micros / 1_000_000;

/** An OpenAI usage with the cost of its counts. */
export function withCost(usage: OpenAIUsage, costOf: CostOf): OpenAIUsage {
  return { ...usage, cost: dollars(costOf(usageFromOpenAI(usage))) };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An OpenAI-format JSON answer with `micros` as usage.cost; an answer without a usage object as it was. */
export function withUsageCost(text: string, micros: number): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObject(body) || !isObject(body.usage)) return text;
  return JSON.stringify({ ...body, usage: { ...body.usage, cost: dollars(micros) } });
}
