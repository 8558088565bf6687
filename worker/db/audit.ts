import { and, desc, eq, gte, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import type { Actor, Change } from "../core/audit.ts";
import type { Db } from "./client.ts";
import { ENTITIES, storableRow } from "./entities.ts";
import { auditLog } from "./schema.ts";

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditFilter {
  /** null: platform-wide entries (operator). */
  tenantId: string | null;
  entityType?: string | undefined;
  entityId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  /** Entries strictly older than this (createdAt, id) position. */
  after?: { createdAt: number; id: string } | undefined;
  limit: number;
}

export async function listAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const conditions: (SQL | undefined)[] = [
    f.tenantId === null ? isNull(auditLog.tenantId) : eq(auditLog.tenantId, f.tenantId),
    f.entityType ? eq(auditLog.entityType, f.entityType) : undefined,
    f.entityId ? eq(auditLog.entityId, f.entityId) : undefined,
    f.actorId ? eq(auditLog.actorId, f.actorId) : undefined,
    f.action ? eq(auditLog.action, f.action) : undefined,
    f.from !== undefined ? gte(auditLog.createdAt, f.from) : undefined,
    f.to !== undefined ? lte(auditLog.createdAt, f.to) : undefined,
    f.after ? or(lt(auditLog.createdAt, f.after.createdAt), and(eq(auditLog.createdAt, f.after.createdAt), lt(auditLog.id, f.after.id))) : undefined,
  ];
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(f.limit);
}

export async function findAudit(db: Db, id: string): Promise<AuditRow | undefined> {
  return db.select().from(auditLog).where(eq(auditLog.id, id)).get();
}

/** The entry for `change`, to go in the same batch as the change's writes. */
export function insertAudit(db: Db, id: string, actor: Actor, change: Change) {
  const def = ENTITIES[change.entityType];
  return db.insert(auditLog).values({
    id,
    tenantId: change.tenantId,
    actorId: actor.actorId,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    before: change.before && storableRow(def, change.before),
    after: change.after && storableRow(def, change.after),
    ip: actor.ip,
    userAgent: actor.userAgent,
    requestId: actor.requestId,
    rollbackOf: change.rollbackOf ?? null,
    createdAt: Date.now(),
  });
}
