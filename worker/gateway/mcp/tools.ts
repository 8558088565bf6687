// The tools a key reaches at /mcp: those of the tenant's MCP servers (its own, and the
// platform's of the same name when it has none) that the server offers through the gateway and
// the key's `mcp_tools` names; each called `<server>__<tool>`.
import { decryptSecret } from "../../core/security/secrets.ts";
import { getDb } from "../../db/client.ts";
import { listVisibleMcpServers, type McpServerRecord } from "../../db/mcp-servers.ts";
import type { AuthenticatedKey, Env } from "../../env.ts";
import { TtlCache } from "../../core/ttl-cache.ts";
import type { McpTarget } from "./wire.ts";

export const SEPARATOR = "__";

export interface McpServer {
  record: McpServerRecord;
  target: McpTarget;
}

/** Whether the key's patterns name the tool (`<server>__<tool>` or `<server>__*`). */
export const keyMayUse = (key: Pick<AuthenticatedKey, "mcpTools">, server: string, tool: string): boolean =>
  key.mcpTools.includes(`${server}${SEPARATOR}${tool}`) || key.mcpTools.includes(`${server}${SEPARATOR}*`);

/** Whether the server offers the tool through the gateway. */
export const serverOffers = (server: McpServerRecord, tool: string): boolean => server.tools === null || server.tools.includes(tool);

/** `<server>__<tool>` split at the first separator; null when it is not one. */
export function splitToolName(name: string): { server: string; tool: string } | null {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, at), tool: name.slice(at + SEPARATOR.length) };
}

/** Where and how to reach the server, its headers opened. */
export async function targetOf(env: Env, server: McpServerRecord): Promise<McpTarget> {
  const headers = server.headersEncrypted ? (JSON.parse(await decryptSecret(env.SECRETS_KEY, server.headersEncrypted)) as Record<string, string>) : {};
  return { id: server.id, name: server.name, url: server.url, transport: server.transport, headers };
}

/** The tenant's enabled servers (its own shadowing the platform's of the same name), headers opened; cached a while per isolate. */
const tenantServers = new TtlCache<Promise<McpServer[]>>(30_000, 1000);

/** A server changed: the next call reads them again (a platform server: every tenant's). */
export function invalidateMcpServers(tenantId: string | null): void {
  if (tenantId === null) tenantServers.clear();
  else tenantServers.delete(tenantId);
}

async function loadServers(env: Env, tenantId: string): Promise<McpServer[]> {
  const rows = await listVisibleMcpServers(getDb(env.DB), tenantId);
  const seen = new Set<string>();
  const out: McpServer[] = [];
  for (const row of rows.sort((a, b) => Number(a.tenantId === null) - Number(b.tenantId === null))) {
    if (seen.has(row.name)) continue;
    seen.add(row.name);
    if (row.enabled) out.push({ record: row, target: await targetOf(env, row) });
  }
  return out;
}

/** The enabled servers the key may use something of, by name. */
export async function serversFor(env: Env, key: AuthenticatedKey): Promise<Map<string, McpServer>> {
  const out = new Map<string, McpServer>();
  if (key.mcpTools.length === 0) return out;
  let servers = tenantServers.get(key.tenantId);
  if (!servers) {
    servers = loadServers(env, key.tenantId);
    tenantServers.set(key.tenantId, servers);
    servers.catch(() => tenantServers.delete(key.tenantId));
  }
  const named = new Set(key.mcpTools.map((p) => p.slice(0, p.indexOf(SEPARATOR))));
  for (const server of await servers) if (named.has(server.record.name)) out.set(server.record.name, server);
  return out;
}

/** What a call of the tool costs (µ$): its own price, else the server's `*`, else free. */
export const toolPrice = (server: McpServerRecord, tool: string): number => server.toolPrices?.[tool] ?? server.toolPrices?.["*"] ?? 0;
