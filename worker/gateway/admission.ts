// Before the upstream call: the most it can cost and the tokens it can use, admitted (or not)
// by the tenant's gate in one round trip.
import type { Context } from "hono";
import { shardFor } from "../../durable-objects/gate/shards.ts";
import type { AppEnv } from "../env.ts";
import { admit } from "./gate.ts";
import type { CallPlan } from "./plan.ts";
import { maxOutputTokens } from "./providers/model-limits.ts";
import { costMicros } from "./cost.ts";

export interface CallSize {
  /** Our estimate of the prompt's tokens: what the tokens-per-minute window is charged up front. */
  promptTokens: number;
  /** A bound the prompt cannot exceed (prompt-bound.ts): what credit is reserved for. */
  promptBound: number;
  /** The output limit the caller set; absent: the model's largest. 0 for calls that write nothing. */
  maxOutput: number | null | undefined;
}

/** Returns the x-ratelimit-* headers for the answer; throws the 401/402/429 when refused. */
export function admitCall(c: Context<AppEnv>, plan: CallPlan, size: CallSize): Promise<Record<string, string>> {
  let tokens = 0;
  let maxCostMicros = 0;
  for (const t of plan.targets) {
    const output = size.maxOutput ?? maxOutputTokens(t.target.model);
    tokens = Math.max(tokens, size.promptTokens + output);
    const cost = costMicros({ inputTokens: size.promptBound, outputTokens: output, cachedTokens: 0, reasoningTokens: 0, estimated: true }, t.price);
    maxCostMicros = Math.max(maxCostMicros, cost);
  }
  return reserve(c, plan, tokens, maxCostMicros);
}

/** A free call (count_tokens): it counts toward the requests per minute, reserving no tokens and no credit. */
export function admitFreeCall(c: Context<AppEnv>, plan: CallPlan): Promise<Record<string, string>> {
  return reserve(c, plan, 0, 0);
}

function reserve(c: Context<AppEnv>, plan: CallPlan, tokens: number, maxCostMicros: number): Promise<Record<string, string>> {
  const shard = shardFor(c.var.requestId, plan.gateShards);
  c.set("gateShard", shard);
  c.set("reservedMicros", maxCostMicros);
  const key = c.var.apiKey;
  return admit(c.env, key.tenantId, { requestId: c.var.requestId, keyId: key.id, tokens, maxCostMicros }, shard);
}
