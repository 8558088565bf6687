// The entity types the audit log records and can roll back: how to find, insert, update and
// delete each by its audit id, and which columns are never shown. Rows are stored in the
// audit log as drizzle selects them (camelCase keys), generated columns left out.
import { and, eq, getTableColumns, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { EntityType, Row } from "../core/audit.ts";
import type { Db } from "./client.ts";
import { apiKeys, endUsers, invitations, mcpServers, memberships, prices, providers, routes, tenants } from "./schema.ts";

export const endUserEntityId = (tenantId: string, endUser: string) => `${tenantId}:${endUser}`;

export interface EntityDef {
  table: SQLiteTable;
  where(id: string): SQL | undefined;
  idOf(row: Row): string;
  /** Columns shown as a placeholder: encrypted blobs and hashes are kept to restore, not to show. */
  hidden: readonly string[];
}

function byId(table: SQLiteTable & { id: SQLiteColumn }, hidden: readonly string[] = []): EntityDef {
  return { table, where: (id) => eq(table.id, id), idOf: (row) => String(row.id), hidden };
}

export const ENTITIES = {
  api_key: byId(apiKeys, ["keyHash"]),
  provider: byId(providers, ["apiKeyEncrypted"]),
  mcp_server: byId(mcpServers, ["headersEncrypted"]),
  price: byId(prices),
  route: byId(routes),
  tenant: byId(tenants, ["otlpHeadersEncrypted"]),
  invitation: byId(invitations, ["tokenHash"]),
  membership: {
    table: memberships,
    where: (id: string) => {
      const [tenantId = "", userId = ""] = id.split(":");
      return and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId));
    },
    idOf: (row: Row) => `${String(row.tenantId)}:${String(row.userId)}`,
    hidden: [],
  },
  end_user: {
    table: endUsers,
    // The tenant id has no ':'; the end user's name may.
    where: (id: string) => {
      const at = id.indexOf(":");
      return and(eq(endUsers.tenantId, id.slice(0, at)), eq(endUsers.endUser, id.slice(at + 1)));
    },
    idOf: (row: Row) => endUserEntityId(String(row.tenantId), String(row.endUser)),
    hidden: [],
  },
} satisfies Record<EntityType, EntityDef>;

/** The row as stored in the audit log: generated columns dropped (they cannot be written back). */
export function storableRow(def: EntityDef, row: Row): Row {
  const out: Row = {};
  for (const [key, column] of Object.entries(getTableColumns(def.table))) {
    if (column.generated) continue;
    if (key in row) out[key] = row[key];
  }
  return out;
}

export async function findEntity(db: Db, def: EntityDef, id: string): Promise<Row | undefined> {
  const row = await db.select().from(def.table).where(def.where(id)).get();
  return row ? storableRow(def, row as Row) : undefined;
}

// The audit log stores rows as JSON; these turn them back into writes. The row shapes were
// produced by `storableRow` from the same table, so the casts below hold.
export function insertEntity(db: Db, def: EntityDef, row: Row) {
  return db.insert(def.table).values(row as never);
}

export function updateEntity(db: Db, def: EntityDef, id: string, row: Row) {
  return db
    .update(def.table)
    .set(row as never)
    .where(def.where(id));
}

export function deleteEntity(db: Db, def: EntityDef, id: string) {
  return db.delete(def.table).where(def.where(id));
}
