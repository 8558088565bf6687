// Request fields that make a provider bill beyond the tokens we price (a faster service tier,
// server-side tools such as web search or code execution, background runs, remote MCP servers).
// On a platform provider they would run on the operator's keys unbilled, so they are refused
// there until priced; a tenant's own providers get them passed through.
import { AppError } from "../core/errors.ts";
import type { CallPlan } from "./plan.ts";

/** Tools the client runs itself: billed as tokens like any other turn. */
const CLIENT_TOOL = /^(function|custom|(bash|text_editor|computer|memory)_\w+)$/;
/** Service tiers billed at the list price. */
const LIST_PRICE_TIERS = new Set(["default", "standard_only"]);
/** Fields whose presence asks for something billed apart (when not false or null). */
const BILLED_APART = ["background", "web_search_options", "mcp_servers", "container"] as const;

interface Feature {
  param: string;
  what: string;
}

function serverToolIndex(tools: unknown): number {
  if (!Array.isArray(tools)) return -1;
  return tools.findIndex((tool: unknown) => {
    const type = typeof tool === "object" && tool !== null ? (tool as { type?: unknown }).type : undefined;
    return typeof type === "string" && !CLIENT_TOOL.test(type);
  });
}

export function unpricedFeature(body: Record<string, unknown>): Feature | null {
  const tier = body.service_tier;
  if (tier !== undefined && tier !== null && !(typeof tier === "string" && LIST_PRICE_TIERS.has(tier))) {
    return { param: "service_tier", what: `service tier '${String(tier).slice(0, 32)}'` };
  }
  for (const field of BILLED_APART) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== false) return { param: field, what: `'${field}'` };
  }
  const index = serverToolIndex(body.tools);
  if (index >= 0) return { param: `tools.${index}`, what: "a server-side tool" };
  return null;
}

/** Throws `unpriced_feature` when the call asks a platform provider for something we do not price. */
export function refuseUnpricedFeatures(plan: CallPlan, body: object): void {
  if (!plan.targets.some((t) => t.provider.tenantId === null)) return;
  const feature = unpricedFeature(body as Record<string, unknown>);
  if (!feature) return;
  throw new AppError(
    "invalid_request",
    `${feature.what[0]!.toUpperCase()}${feature.what.slice(1)} is not available on the platform's providers: the provider bills it beyond tokens and it has no price here. Leave it out, or call a provider with your own key.`,
    { code: "unpriced_feature", param: feature.param },
  );
}
