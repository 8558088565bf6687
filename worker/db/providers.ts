// Providers a tenant can see: the platform's (tenant_id null) and its own.
import { and, asc, eq, getTableColumns, isNull, ne, or, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { providers } from "./schema.ts";

/** A provider as stored, without the generated `scope` column (which cannot be written). */
export type ProviderRecord = Omit<typeof providers.$inferSelect, "scope">;

const visibleTo = (tenantId: string): SQL | undefined => or(isNull(providers.tenantId), eq(providers.tenantId, tenantId));

/** The columns without `scope`, so selected rows compare equal to the ones written. */
const { scope: _scope, ...columns } = getTableColumns(providers);

export async function listVisibleProviders(db: Db, tenantId: string): Promise<ProviderRecord[]> {
  return db.select(columns).from(providers).where(visibleTo(tenantId)).orderBy(asc(providers.name), asc(providers.id));
}

export async function findVisibleProvider(db: Db, tenantId: string, id: string): Promise<ProviderRecord | undefined> {
  return db
    .select(columns)
    .from(providers)
    .where(and(eq(providers.id, id), visibleTo(tenantId)))
    .get();
}

/** Whether another provider in the same scope (a tenant's, or the platform's) has this name. */
export async function providerNameTaken(db: Db, tenantId: string | null, name: string, exceptId = ""): Promise<boolean> {
  const owner = tenantId === null ? isNull(providers.tenantId) : eq(providers.tenantId, tenantId);
  const row = await db
    .select({ id: providers.id })
    .from(providers)
    .where(and(owner, eq(providers.name, name), ne(providers.id, exceptId)))
    .get();
  return row !== undefined;
}
