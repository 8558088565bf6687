// Who receives a tenant's alerts, and where: members, their devices (Web Push subscriptions) and
// their alert preferences. The gate reads this when an alert fires; the API changes it.
import { and, eq, inArray, sql } from "drizzle-orm";
import { type AlertPreferences, DEFAULT_PREFERENCES } from "../core/alert-types.ts";
import type { Role } from "../core/rbac.ts";
import type { Db } from "./client.ts";
import { alertPreferences, memberships, pushSubscriptions, tenants, users } from "./schema.ts";

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

export const MAX_DEVICES_PER_USER = 20;

export function listSubscriptions(db: Db, userId: string): Promise<PushSubscriptionRow[]> {
  return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)).orderBy(pushSubscriptions.createdAt);
}

/** Saves a device for the user; the same endpoint (a browser subscribing again, or for another user) replaces the old row. */
export async function saveSubscription(db: Db, row: PushSubscriptionRow): Promise<void> {
  await db
    .insert(pushSubscriptions)
    .values(row)
    .onConflictDoUpdate({
      target: pushSubscriptions.endpoint,
      set: { id: row.id, userId: row.userId, p256dh: row.p256dh, auth: row.auth, label: row.label, createdAt: row.createdAt, lastUsedAt: null },
    });
}

/** Deletes the user's device; false when it is not theirs or does not exist. */
export async function deleteSubscription(db: Db, userId: string, id: string): Promise<boolean> {
  const gone = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
    .returning({ id: pushSubscriptions.id });
  return gone.length > 0;
}

/** A push service said the subscription is gone (404/410): it is forgotten. */
export async function forgetSubscription(db: Db, id: string): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
}

export async function touchSubscription(db: Db, id: string, at: number): Promise<void> {
  await db.update(pushSubscriptions).set({ lastUsedAt: at }).where(eq(pushSubscriptions.id, id));
}

export async function findPreferences(db: Db, tenantId: string, userId: string): Promise<AlertPreferences> {
  const row = await db
    .select({ preferences: alertPreferences.preferences })
    .from(alertPreferences)
    .where(and(eq(alertPreferences.tenantId, tenantId), eq(alertPreferences.userId, userId)))
    .get();
  return row?.preferences ?? DEFAULT_PREFERENCES;
}

export async function savePreferences(db: Db, tenantId: string, userId: string, preferences: AlertPreferences): Promise<void> {
  const updatedAt = Date.now();
  await db
    .insert(alertPreferences)
    .values({ tenantId, userId, preferences, updatedAt })
    .onConflictDoUpdate({ target: [alertPreferences.tenantId, alertPreferences.userId], set: { preferences, updatedAt } });
}

export interface AlertRecipient {
  userId: string;
  email: string;
  name: string;
  role: Role;
  /** The tenant's name when the person belongs to other tenants too (their alerts then say which); else null. */
  tenantName: string | null;
  preferences: AlertPreferences;
  devices: Pick<PushSubscriptionRow, "id" | "endpoint" | "p256dh" | "auth" | "label">[];
}

/** Every member of the tenant with their preferences (defaults when none) and devices. */
export async function alertRecipients(db: Db, tenantId: string): Promise<AlertRecipient[]> {
  const members = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      preferences: alertPreferences.preferences,
      tenantName: tenants.name,
      tenantCount: sql<number>`(SELECT count(*) FROM ${memberships} AS m WHERE m.user_id = ${users.id})`,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .leftJoin(alertPreferences, and(eq(alertPreferences.tenantId, memberships.tenantId), eq(alertPreferences.userId, memberships.userId)))
    .where(eq(memberships.tenantId, tenantId));
  if (members.length === 0) return [];
  const devices = await db
    .select()
    .from(pushSubscriptions)
    .where(
      inArray(
        pushSubscriptions.userId,
        members.map((m) => m.userId),
      ),
    );
  return members.map(({ tenantCount, tenantName, ...m }) => ({
    ...m,
    tenantName: tenantCount > 1 ? tenantName : null,
    preferences: m.preferences ?? DEFAULT_PREFERENCES,
    devices: devices.filter((d) => d.userId === m.userId),
  }));
}
