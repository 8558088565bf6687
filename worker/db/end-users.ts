// End users' own limits, which an admin sets over the tenant's defaults (what each spent is in
// end_user_rollups: analytics.ts topEndUsers).
import { and, eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { endUsers } from "./schema.ts";

export type EndUserRow = typeof endUsers.$inferSelect;

export function findEndUser(db: Db, tenantId: string, endUser: string): Promise<EndUserRow | undefined> {
  return db
    .select()
    .from(endUsers)
    .where(and(eq(endUsers.tenantId, tenantId), eq(endUsers.endUser, endUser)))
    .get();
}

export function listEndUserOverrides(db: Db, tenantId: string): Promise<EndUserRow[]> {
  return db.select().from(endUsers).where(eq(endUsers.tenantId, tenantId)).orderBy(endUsers.endUser).limit(1000);
}
