// Read-only analytics tokens. The JWT itself is never stored: a row per token id (its `jti`)
// says whose it is, when it expires, when it was last used and whether it was revoked.
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "./client.ts";
import { readTokens } from "./schema.ts";

export type ReadTokenRow = typeof readTokens.$inferSelect;

/** A list answers at most this many tokens, newest first. */
export const MAX_LISTED = 200;
/** `last_used_at` is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

export function insertReadToken(db: Db, row: ReadTokenRow) {
  return db.insert(readTokens).values(row);
}

export async function findReadToken(db: Db, id: string): Promise<ReadTokenRow | undefined> {
  return db.select().from(readTokens).where(eq(readTokens.id, id)).get();
}

/** The tenant's tokens, or only one user's. */
export async function listReadTokens(db: Db, tenantId: string, userId?: string): Promise<ReadTokenRow[]> {
  return db
    .select()
    .from(readTokens)
    .where(and(eq(readTokens.tenantId, tenantId), userId === undefined ? undefined : eq(readTokens.userId, userId)))
    .orderBy(desc(readTokens.createdAt), desc(readTokens.id))
    .limit(MAX_LISTED);
}

export function revokeReadToken(db: Db, id: string, now: number) {
  return db
    .update(readTokens)
    .set({ revokedAt: now })
    .where(and(eq(readTokens.id, id), isNull(readTokens.revokedAt)));
}

/** Records a use, at most once a minute per token. */
export async function touchReadToken(db: Db, id: string, now: number): Promise<void> {
  await db
    .update(readTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(readTokens.id, id), or(isNull(readTokens.lastUsedAt), lt(readTokens.lastUsedAt, now - TOUCH_EVERY_MS))));
}
