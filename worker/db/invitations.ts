// Invitations into a tenant: single use, expiring, only the token's SHA-256 stored.
import { and, asc, count, eq, gt, gte, isNull, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { invitations } from "./schema.ts";

export type InvitationRow = typeof invitations.$inferSelect;

export async function findInvitationByHash(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).get();
}

export async function findTenantInvitation(db: Db, tenantId: string, id: string): Promise<InvitationRow | undefined> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, id)))
    .get();
}

/** Neither accepted, revoked nor expired; oldest first. */
export async function listPendingInvitations(db: Db, tenantId: string, now: number): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tenantId, tenantId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
    .orderBy(asc(invitations.createdAt), asc(invitations.id));
}

/** Marks a pending invitation accepted; false if it was used, revoked or expired meanwhile. */
export async function claimInvitation(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db
    .update(invitations)
    .set({ acceptedAt: now })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
    .returning({ id: invitations.id });
  return rows.length === 1;
}

/** Undoes `claimInvitation` when the membership could not be written after all. */
export async function releaseInvitation(db: Db, id: string, claimedAt: number): Promise<void> {
  await db
    .update(invitations)
    .set({ acceptedAt: null })
    .where(and(eq(invitations.id, id), eq(invitations.acceptedAt, claimedAt)));
}

/**
 * Reserves one e-mail for the invitation within the daily allowances (the tenant's and everyone's):
 * marks it e-mailed and counts in one batch; over either, unmarks it. Marking before counting means concurrent
 * invitations can only be refused one too many, never sent one too many.
 */
export async function reserveInvitationEmail(
  db: Db,
  invitation: Pick<InvitationRow, "id" | "tenantId">,
  now: number,
  allowance: { perTenant: number; platform: number; windowMs: number },
): Promise<boolean> {
  const since = gte(invitations.emailedAt, now - allowance.windowMs);
  const counted = (where: SQL | undefined) => db.select({ n: count() }).from(invitations).where(where);
  const [, [tenant], [platform]] = await db.batch([
    db.update(invitations).set({ emailedAt: now }).where(eq(invitations.id, invitation.id)),
    counted(and(eq(invitations.tenantId, invitation.tenantId), since)),
    counted(since),
  ]);
  if ((tenant?.n ?? 0) <= allowance.perTenant && (platform?.n ?? 0) <= allowance.platform) return true;
  await db.update(invitations).set({ emailedAt: null }).where(eq(invitations.id, invitation.id));
  return false;
}
