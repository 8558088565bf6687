// Refresh-token sessions. A session row holds only the SHA-256 of its token; rotating marks
// the row and inserts its successor in the same family, so reuse of a rotated token is seen.
import { and, eq, gte, isNull, min } from "drizzle-orm";
import type { Db } from "./client.ts";
import { sessions } from "./schema.ts";

export type SessionRow = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;

export async function insertSession(db: Db, row: NewSession): Promise<void> {
  await db.insert(sessions).values(row);
}

export async function findSessionByHash(db: Db, tokenHash: string): Promise<SessionRow | undefined> {
  return db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).get();
}

/** Marks a live session rotated; false if another request rotated or revoked it first. */
export async function markRotated(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ rotatedAt: now })
    .where(and(eq(sessions.id, id), isNull(sessions.rotatedAt), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length === 1;
}

export async function revokeFamily(db: Db, family: string, now: number): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.family, family), isNull(sessions.revokedAt)));
}

/** Points a live session at another tenant, so the next refresh stays where the user switched to. */
export async function retargetSession(db: Db, tokenHash: string, userId: string, tenantId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ tenantId })
    .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.userId, userId), isNull(sessions.rotatedAt), isNull(sessions.revokedAt)));
}

/** When a family began: its recorded start, or (for sessions from before it was recorded) its oldest row. */
export async function familyStartOf(db: Db, session: SessionRow): Promise<number> {
  if (session.familyStartedAt !== null) return session.familyStartedAt;
  const row = await db
    .select({ first: min(sessions.createdAt) })
    .from(sessions)
    .where(eq(sessions.family, session.family))
    .get();
  return row?.first ?? session.createdAt;
}

/** Whether the user signed in from this client address since `since` (a known client). */
export async function hasSignedInFrom(db: Db, userId: string, ip: string, since: number): Promise<boolean> {
  const row = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.ip, ip), gte(sessions.createdAt, since)))
    .limit(1)
    .get();
  return row !== undefined;
}
