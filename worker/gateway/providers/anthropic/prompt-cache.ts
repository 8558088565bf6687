// prompt_cache "auto" for Anthropic targets: cache breakpoints after the tools and after the
// system prompt, the prefix that stays the same turn after turn (Anthropic caches up to each
// breakpoint, in the order tools, system, messages). A body that marks anything itself is the
// caller's own plan and is sent as it is; this adds two of Anthropic's four breakpoints.

const BREAKPOINT = { type: "ephemeral" } as const;

type Block = Record<string, unknown>;

const marked = (block: unknown) => typeof block === "object" && block !== null && "cache_control" in block;

function callerMarked(body: Record<string, unknown>): boolean {
  const lists = [body.tools, body.system, ...(Array.isArray(body.messages) ? body.messages.map((m: { content?: unknown }) => m?.content) : [])];
  return lists.some((list) => Array.isArray(list) && list.some(marked));
}

/** `list` with its last block carrying a breakpoint. */
function markLast(list: Block[]): Block[] {
  return [...list.slice(0, -1), { ...list.at(-1), cache_control: BREAKPOINT }];
}

export function withCacheBreakpoints<T extends Record<string, unknown>>(body: T): T {
  if (callerMarked(body)) return body;
  const out: Record<string, unknown> = { ...body };
  if (Array.isArray(body.tools) && body.tools.length > 0) out.tools = markLast(body.tools as Block[]);
  if (typeof body.system === "string" && body.system !== "") out.system = [{ type: "text", text: body.system, cache_control: BREAKPOINT }];
  else if (Array.isArray(body.system) && body.system.length > 0) out.system = markLast(body.system as Block[]);
  return out as T;
}
