import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "./client.ts";
import { memberships, tenants, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;

export async function findActiveUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(and(eq(users.email, email.trim().toLowerCase()), isNull(users.deletedAt))).get();
}

export async function findActiveUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(and(eq(users.id, id), isNull(users.deletedAt))).get();
}

/** The user's memberships with their tenants, oldest first (the default tenant at login). */
export async function listMemberships(db: Db, userId: string) {
  return db
    .select({ tenantId: memberships.tenantId, role: memberships.role, tenantName: tenants.name })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(memberships.tenantId));
}
