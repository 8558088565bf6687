// POST /v1/messages/count_tokens: Anthropic's own count (its tokenizer) for Anthropic models,
// ours for any other, without an upstream call. Free, like Anthropic's own, but rate limited
// like it: admitted against the requests per minute only, and logged at zero cost.
import { readJson } from "../../core/validation.ts";
import { endpoint } from "../call.ts";
import { type AnthropicCountTokensRequest, anthropicCountTokensRequest } from "../formats/anthropic.ts";
import type { CallPlan, PlannedTarget } from "../plan.ts";
import { anthropicPromptTokens } from "../prompt-tokens.ts";
import { adapterFor, endpointUrl, serves } from "../providers/index.ts";
import type { CallOptions } from "../providers/types.ts";
import { upstreamFetch, upstreamJson } from "../upstream.ts";

interface TokenCount {
  input_tokens: number;
}

/** The first target only, with a count's own retries and timeout rather than the route's. */
const countPlan = (plan: CallPlan): CallPlan => ({ ...plan, targets: plan.targets.slice(0, 1), retries: 1, timeoutMs: 30_000 });

async function anthropicCount(target: PlannedTarget, body: AnthropicCountTokensRequest, options: CallOptions): Promise<TokenCount> {
  const native = adapterFor(target.provider).nativeRequest!(target.target, body, options);
  return upstreamJson<TokenCount>(await upstreamFetch({ ...native, url: endpointUrl(target.target, "count_tokens") }));
}

export const countTokens = endpoint<TokenCount>(async (c) => {
  const body = await readJson(c.req.raw, anthropicCountTokensRequest);
  return {
    endpoint: "messages.count_tokens",
    model: body.model,
    body,
    size: "free",
    refuseUnpriced: false,
    stream: false,
    narrow: countPlan,
    local: (target) => (serves(target.provider.kind, "count_tokens") ? undefined : { input_tokens: anthropicPromptTokens(body) }),
    attempt: (target, options) => anthropicCount(target, body, options),
    render: (count) => ({ text: JSON.stringify(count), usage: null }),
  };
});
