import type { ApiKey } from "../../api/types";

export type ToolKey = Pick<ApiKey, "id" | "name" | "mcp_tools" | "revoked_at" | "expires_at">;

/** A key that may call some of a server's tools. */
export interface KeyAccess {
  id: string;
  name: string;
  /** null: all of them (`<server>__*`). */
  tools: string[] | null;
}

// Mirrors worker/gateway/mcp/tools.ts: a pattern's server is what precedes the first "__".
const SEPARATOR = "__";

const isLive = (key: ToolKey, now: number) => key.revoked_at === null && (key.expires_at === null || Date.parse(key.expires_at) > now);

/** The tools of `server` a key's patterns name (`"*"` for all); empty when none. */
function namedTools(server: string, patterns: readonly string[]): string[] {
  const tools: string[] = [];
  for (const pattern of patterns) {
    const at = pattern.indexOf(SEPARATOR);
    if (at > 0 && pattern.slice(0, at) === server) tools.push(pattern.slice(at + SEPARATOR.length));
  }
  return [...new Set(tools)];
}

/** The live (not revoked, not expired) keys whose MCP tools name the server, in the keys' order. */
export function keysFor(server: string, keys: readonly ToolKey[], now = Date.now()): KeyAccess[] {
  const access: KeyAccess[] = [];
  for (const key of keys) {
    if (!isLive(key, now)) continue;
    const tools = namedTools(server, key.mcp_tools);
    if (tools.length > 0) access.push({ id: key.id, name: key.name, tools: tools.includes("*") ? null : tools });
  }
  return access;
}
