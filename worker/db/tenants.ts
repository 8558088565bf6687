import { eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { tenants } from "./schema.ts";

export type TenantRow = typeof tenants.$inferSelect;

export async function findTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}
