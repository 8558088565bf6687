// prompt_cache "auto" for Anthropic targets: cache breakpoints after the tools and after the
// system prompt, the prefix that stays the same turn after turn (Anthropic caches up to each
// breakpoint, in the order tools, system, messages). A body that marks anything itself (at any depth) is the
// caller's own plan and is sent as it is; this adds two of Anthropic's four breakpoints.

const BREAKPOINT = { type: "ephemeral" } as const;

type Block = Record<string, unknown>;

/** `list` with its last block carrying a breakpoint. */
function markLast(list: Block[]): Block[] {
  return [...list.slice(0, -1), { ...list.at(-1), cache_control: BREAKPOINT }];
}

export function withCacheBreakpoints<T extends Record<string, unknown>>(body: T): T {
  if (cacheWritesIn(body, false) !== "none") return body;
  const out: Record<string, unknown> = { ...body };
  if (Array.isArray(body.tools) && body.tools.length > 0) out.tools = markLast(body.tools as Block[]);
  if (typeof body.system === "string" && body.system !== "") out.system = [{ type: "text", text: body.system, cache_control: BREAKPOINT }];
  else if (Array.isArray(body.system) && body.system.length > 0) out.system = markLast(body.system as Block[]);
  return out as T;
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
