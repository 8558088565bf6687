// A tenant's route aliases.
import { and, asc, eq, ne } from "drizzle-orm";
import type { Db } from "./client.ts";
import type { RouteRow } from "./catalog.ts";
import { routes } from "./schema.ts";

export type { RouteRow };

export async function listTenantRoutes(db: Db, tenantId: string): Promise<RouteRow[]> {
  return db.select().from(routes).where(eq(routes.tenantId, tenantId)).orderBy(asc(routes.alias));
}

export async function findTenantRoute(db: Db, tenantId: string, id: string): Promise<RouteRow | undefined> {
  return db
    .select()
    .from(routes)
    .where(and(eq(routes.id, id), eq(routes.tenantId, tenantId)))
    .get();
}

export async function aliasTaken(db: Db, tenantId: string, alias: string, exceptId = ""): Promise<boolean> {
  const row = await db
    .select({ id: routes.id })
    .from(routes)
    .where(and(eq(routes.tenantId, tenantId), eq(routes.alias, alias), ne(routes.id, exceptId)))
    .get();
  return row !== undefined;
}
