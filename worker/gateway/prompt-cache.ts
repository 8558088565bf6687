// Prompt caching on the caller's behalf, for keys and routes with `prompt_cache: "auto"`: a
// conversation keeps to one target of a route (chosen by a hash of its stable prefix, so the
// provider's cache is read, not written again elsewhere), and Anthropic targets get cache
// breakpoints after the tools and the system prompt (providers/anthropic/prompt-cache.ts).

/** What does not change from one turn of a conversation to the next: instructions, tools and the first message. */
function stablePrefix(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : [];
  const first = messages.findIndex((m: { role?: unknown }) => m?.role === "user");
  return JSON.stringify([body.system ?? null, body.instructions ?? null, body.tools ?? null, messages.slice(0, first + 1)]);
}

/** FNV-1a (32 bits) of the conversation's stable prefix. */
export function conversationSeed(body: object): number {
  const text = stablePrefix(body as Record<string, unknown>);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** mulberry32: the same draws for the same seed, so a weighted order is the same for the whole conversation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The longest-lived cache write a call may cause: what its reservation must cover on Anthropic targets. */
export type CacheWrites = "none" | "5m" | "1h";

/**
 * Finds the cache_control marks of a body (at any depth: tools, system, content parts, tool
 * results), and the breakpoints prompt_cache "auto" adds (5 minutes).
 */
export function cacheWritesIn(body: unknown, promptCache: boolean): CacheWrites {
  let found: CacheWrites = promptCache ? "5m" : "none";
  const stack: unknown[] = [body];
  while (stack.length && found !== "1h") {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === "object") {
      const mark = (value as { cache_control?: { ttl?: unknown } | null }).cache_control;
      if (mark && typeof mark === "object") found = mark.ttl === "1h" ? "1h" : "5m";
      for (const child of Object.values(value)) if (child && typeof child === "object") stack.push(child);
    }
  }
  return found;
}
