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
