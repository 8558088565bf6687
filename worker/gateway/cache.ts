// Opt-in exact-match cache for non-stream calls, on the Workers Cache API: per tenant, keyed by
// the SHA-256 of the request as the client sent it. Asked for per call with
// `x-aggregator-cache: max-age=N`, or per route (cache_ttl_seconds). A hit costs nothing.
import { stableJson } from "../core/json.ts";
import { sha256Hex } from "../core/security/hash.ts";

const MAX_TTL_SECONDS = 86_400;

/** The TTL asked for: the header wins (`no-store` turns a route's cache off), else the route's. */
export function cacheTtl(header: string | undefined, routeTtl: number | null): number | null {
  if (header) {
    if (/^\s*no-store\s*$/i.test(header)) return null;
    const match = /max-age\s*=\s*(\d+)/i.exec(header);
    if (match) return Math.min(MAX_TTL_SECONDS, Number(match[1])) || null;
  }
  return routeTtl && routeTtl > 0 ? Math.min(MAX_TTL_SECONDS, routeTtl) : null;
}

export async function cacheKey(tenantId: string, path: string, body: unknown): Promise<string> {
  return `https://cache.aggregator.internal/${encodeURIComponent(tenantId)}${path}/${await sha256Hex(stableJson(body))}`;
}

function cache(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : caches.default;
}

export async function cacheGet(key: string): Promise<string | null> {
  const hit = await cache()?.match(key);
  return hit ? hit.text() : null;
}

export async function cachePut(key: string, body: string, ttlSeconds: number): Promise<void> {
  await cache()?.put(key, new Response(body, { headers: { "content-type": "application/json", "cache-control": `max-age=${ttlSeconds}` } }));
}
