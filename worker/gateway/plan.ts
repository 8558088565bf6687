// Model name or route alias → the ordered attempts of a call: which targets, in what order
// (fallback order, weighted draw or lowest observed latency), with how many retries and what
// per-attempt timeout. Providers whose circuit is open are moved last.
import { AppError } from "../core/errors.ts";
import { decryptSecret } from "../core/security/secrets.ts";
import { type CaptureMode, widerCapture } from "../core/request-detail.ts";
import type { Catalog, PriceRow, ProviderRow } from "../db/catalog.ts";
import type { AuthenticatedKey } from "../env.ts";
import { breakers } from "./breaker.ts";
import { latencyOf } from "./latency.ts";
import { conversationSeed, seededRandom } from "./prompt-cache.ts";
import { baseUrlOf } from "./providers/index.ts";
import type { Target } from "./providers/types.ts";
import { isModelAllowed, resolveModel } from "./resolve.ts";

export interface PlannedTarget {
  /** `provider/model` as the caller sees it. */
  name: string;
  provider: ProviderRow;
  price: PriceRow | undefined;
  target: Target;
}

export interface CallPlan {
  targets: PlannedTarget[];
  retries: number;
  timeoutMs: number;
  cacheTtlSeconds: number | null;
  /** The tenant's TenantGate shards (1 unless the operator gave it more). */
  gateShards: number;
  /** prompt_cache "auto" on the key or the route: Anthropic targets get cache breakpoints (prompt-cache.ts). */
  promptCache: boolean;
  /** What the request log keeps of this call (the key's and the route's, the more detailed). */
  capture: CaptureMode;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_RETRIES = 1;

const secrets = new Map<string, Promise<string>>();
function providerKey(secretsKey: string, provider: ProviderRow): Promise<string | null> {
  if (!provider.apiKeyEncrypted) return Promise.resolve(null);
  const cacheKey = `${provider.id}:${provider.apiKeyEncrypted}`;
  let key = secrets.get(cacheKey);
  if (!key) {
    if (secrets.size > 1000) secrets.clear();
    key = decryptSecret(secretsKey, provider.apiKeyEncrypted);
    secrets.set(cacheKey, key);
  }
  return key;
}

/** How to reach `upstreamModel` at `provider`: its URL and its decrypted key. */
export async function providerTarget(secretsKey: string, provider: ProviderRow, upstreamModel: string): Promise<Target> {
  return {
    providerName: provider.name,
    kind: provider.kind,
    baseUrl: baseUrlOf(provider.kind, provider.baseUrl),
    apiKey: await providerKey(secretsKey, provider),
    model: upstreamModel,
  };
}

async function planned(
  secretsKey: string,
  resolved: { name: string; provider: ProviderRow; upstreamModel: string; price: PriceRow | undefined },
): Promise<PlannedTarget> {
  return {
    name: resolved.name,
    provider: resolved.provider,
    price: resolved.price,
    target: await providerTarget(secretsKey, resolved.provider, resolved.upstreamModel),
  };
}

/** A weighted random order: each draw picks among the rest in proportion to weight. */
function weightedOrder<T>(items: T[], weight: (t: T) => number, random = Math.random): T[] {
  const rest = [...items];
  const out: T[] = [];
  while (rest.length) {
    const total = rest.reduce((s, t) => s + Math.max(0, weight(t)), 0);
    let pick = random() * total;
    let index = rest.findIndex((t) => (pick -= Math.max(0, weight(t))) < 0);
    if (index < 0) index = 0;
    out.push(...rest.splice(index, 1));
  }
  return out;
}

/** Healthy providers first, in the strategy's order; open circuits last (tried only if all fail). */
function healthyFirst(targets: PlannedTarget[]): PlannedTarget[] {
  const open = targets.filter((t) => breakers.state(t.provider.id) === "open");
  return [...targets.filter((t) => !open.includes(t)), ...open];
}

/**
 * The call's plan. `body` is the request as read: with prompt caching on, its stable prefix picks
 * the order of a weighted or lowest-latency route, the same for every turn of the conversation.
 */
export async function planCall(catalog: Catalog, key: AuthenticatedKey, model: string, secretsKey: string, body: object): Promise<CallPlan> {
  const route = catalog.routes?.get(model);
  if (!route) {
    const resolved = resolveModel(catalog, key, model);
    return {
      targets: [await planned(secretsKey, resolved)],
      retries: DEFAULT_RETRIES,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      cacheTtlSeconds: null,
      gateShards: catalog.gateShards,
      promptCache: key.promptCache === "auto",
      capture: key.capture,
    };
  }
  if (!isModelAllowed(key, model)) {
    throw new AppError("permission", `This API key may not call '${model}'.`, { code: "model_not_allowed", param: "model" });
  }
  // The alias grants its targets: a key allowed the alias may reach them.
  const open: AuthenticatedKey = { ...key, models: null };
  const resolved = await Promise.all(
    route.targets.map(async (t) => ({ ...(await planned(secretsKey, resolveModel(catalog, open, t.model))), weight: t.weight ?? 1 })),
  );
  const promptCache = key.promptCache === "auto" || route.promptCache === "auto";
  const byWeight = (random?: () => number) => weightedOrder(resolved, (t) => t.weight * Math.max(1, t.provider.weight), random);
  let ordered: (PlannedTarget & { weight: number })[] = resolved;
  // A cached prefix lives with one provider: the conversation keeps to the target its prefix drew.
  if (promptCache && route.strategy !== "fallback") ordered = byWeight(seededRandom(conversationSeed(body)));
  else if (route.strategy === "weighted") ordered = byWeight();
  else if (route.strategy === "lowest-latency") ordered = [...resolved].sort((a, b) => latencyOf(a.name) - latencyOf(b.name));
  return {
    targets: healthyFirst(ordered),
    retries: route.retries,
    timeoutMs: route.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cacheTtlSeconds: route.cacheTtlSeconds,
    gateShards: catalog.gateShards,
    promptCache,
    capture: widerCapture(key.capture, route.capture),
  };
}

export { weightedOrder as _weightedOrderForTests };
