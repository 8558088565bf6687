import { and, desc, eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { apiKeys } from "./schema.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get();
}

export async function findTenantKey(db: Db, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)))
    .get();
}

export async function listTenantKeys(db: Db, tenantId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export function touchKey(db: Db, id: string, at: number) {
  return db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}
