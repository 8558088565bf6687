// MCP servers a tenant can see: the platform's (tenant_id null) and its own.
import { and, asc, eq, getTableColumns, isNull, ne, or, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { mcpServers } from "./schema.ts";

/** A server as stored, without the generated `scope` column (which cannot be written). */
export type McpServerRecord = Omit<typeof mcpServers.$inferSelect, "scope">;

const visibleTo = (tenantId: string): SQL | undefined => or(isNull(mcpServers.tenantId), eq(mcpServers.tenantId, tenantId));

/** The columns without `scope`, so selected rows compare equal to the ones written. */
const { scope: _scope, ...columns } = getTableColumns(mcpServers);

export async function listVisibleMcpServers(db: Db, tenantId: string): Promise<McpServerRecord[]> {
  return db.select(columns).from(mcpServers).where(visibleTo(tenantId)).orderBy(asc(mcpServers.name), asc(mcpServers.id));
}

export async function findVisibleMcpServer(db: Db, tenantId: string, id: string): Promise<McpServerRecord | undefined> {
  return db
    .select(columns)
    .from(mcpServers)
    .where(and(eq(mcpServers.id, id), visibleTo(tenantId)))
    .get();
}

/** Whether another server in the same scope (a tenant's, or the platform's) has this name. */
export async function mcpServerNameTaken(db: Db, tenantId: string | null, name: string, exceptId = ""): Promise<boolean> {
  const owner = tenantId === null ? isNull(mcpServers.tenantId) : eq(mcpServers.tenantId, tenantId);
  const row = await db
    .select({ id: mcpServers.id })
    .from(mcpServers)
    .where(and(owner, eq(mcpServers.name, name), ne(mcpServers.id, exceptId)))
    .get();
  return row !== undefined;
}
