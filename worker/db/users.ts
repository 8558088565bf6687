import { and, asc, count, eq, isNull, ne, sql } from "drizzle-orm";
import type { Role } from "../core/rbac.ts";
import type { Db } from "./client.ts";
import { memberships, tenants, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export async function findActiveUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.email, normalizeEmail(email)), isNull(users.deletedAt)))
    .get();
}

/** Deleted accounts included: their email stays taken. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .get();
}

export async function findActiveUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .get();
}

export async function operatorExists(db: Db): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).where(eq(users.isOperator, true)).limit(1).get()) !== undefined;
}

/**
 * Inserts a user. With `asOperator` (the bootstrap), the account becomes platform operator only
 * while there is none, decided inside the INSERT: when one exists, is_operator would be NULL,
 * which its NOT NULL constraint refuses, so the whole batch fails and two racing bootstraps
 * cannot both win.
 */
export function insertUser(db: Db, row: Omit<typeof users.$inferInsert, "isOperator">, asOperator = false) {
  const isOperator = asOperator ? sql<boolean>`CASE WHEN EXISTS (SELECT 1 FROM ${users} WHERE ${users.isOperator} = 1) THEN NULL ELSE 1 END` : false;
  return db.insert(users).values({ ...row, isOperator });
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

export async function findMembership(db: Db, tenantId: string, userId: string): Promise<MembershipRow | undefined> {
  return db
    .select()
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
    .get();
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: number;
}

const memberColumns = { userId: users.id, email: users.email, name: users.name, role: memberships.role, joinedAt: memberships.createdAt };

export async function listTenantMembers(db: Db, tenantId: string): Promise<Member[]> {
  return db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), isNull(users.deletedAt)))
    .orderBy(asc(memberships.createdAt), asc(users.id));
}

export async function findTenantMember(db: Db, tenantId: string, userId: string): Promise<Member | undefined> {
  return db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId), isNull(users.deletedAt)))
    .get();
}

/** The tenant's owners other than `userId`; deleted users' memberships count only with `withDeletedUsers`. */
export async function countOtherOwners(db: Db, tenantId: string, userId: string, { withDeletedUsers = false } = {}): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.tenantId, tenantId),
        eq(memberships.role, "owner"),
        ne(memberships.userId, userId),
        withDeletedUsers ? undefined : isNull(users.deletedAt),
      ),
    );
  return row?.n ?? 0;
}
