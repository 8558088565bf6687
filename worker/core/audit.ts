// The audit log: every control-plane change is written in the same D1 batch as its audit
// entry (before/after rows), and any entry can be rolled back — itself an audited change.
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import { and, count, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import {
  deleteEntity,
  ENTITIES,
  type EntityType,
  findEntity,
  insertEntity,
  isEntityType,
  type Row,
  storableRow,
  updateEntity,
} from "../db/entities.ts";
import type { AuditRow } from "../db/audit.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { auditLog, memberships } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { afterChange } from "../gateway/invalidate.ts";
import { AppError } from "./errors.ts";
import { newId } from "./ids.ts";
import { stableJson } from "./json.ts";

export interface Actor {
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Runs after a change is committed: the gateway drops what it cached of the entity. */
  afterCommit?: (change: Change) => Promise<void>;
}

/** `before` and `after` are whole rows as drizzle selects them; generated columns are dropped. */
export interface Change {
  action: string;
  entityType: EntityType;
  entityId: string;
  /** The tenant the entity belongs to; null for platform-wide entities. */
  tenantId: string | null;
  before: Row | null;
  after: Row | null;
  rollbackOf?: string;
}

export function actorOf(c: Context<AppEnv>): Actor {
  return {
    actorId: c.var.user?.id ?? null,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
    requestId: c.var.requestId ?? null,
    afterCommit: (change) => afterChange(c.env, change),
  };
}

function auditInsert(db: Db, actor: Actor, change: Change, id: string) {
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

/** Applies the writes and records the change atomically (one D1 batch). Returns the audit id. */
export async function commitChange(db: Db, actor: Actor, change: Change, writes: BatchItem<"sqlite">[]): Promise<string> {
  const id = newId("aud");
  await db.batch([auditInsert(db, actor, change, id), ...writes]);
  await actor.afterCommit?.(change);
  return id;
}

export interface FieldDiff {
  field: string;
  before: unknown;
  after: unknown;
}

/** Field-level differences between two rows, hidden columns shown as a placeholder. */
export function diffRows(entityType: EntityType, before: Row | null, after: Row | null): FieldDiff[] {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const out: FieldDiff[] = [];
  for (const field of [...fields].sort()) {
    const a = before?.[field] ?? null;
    const b = after?.[field] ?? null;
    if (stableJson(a) !== stableJson(b)) {
      out.push({ field, before: redactValue(entityType, field, a), after: redactValue(entityType, field, b) });
    }
  }
  return out;
}

function redactValue(entityType: EntityType, field: string, value: unknown): unknown {
  return value !== null && (ENTITIES[entityType].hidden as readonly string[]).includes(field) ? "[redacted]" : value;
}

/** The row as callers may see it: hidden columns replaced by a placeholder. */
export function redactRow(entityType: EntityType, row: Row | null): Row | null {
  if (!row) return null;
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = redactValue(entityType, k, v);
  return out;
}

/** Restoring must not leave a tenant without an owner. */
async function assertOwnerRemains(db: Db, current: Row | null, target: Row | null): Promise<void> {
  if (current?.role !== "owner" || target?.role === "owner") return;
  const [row] = await db
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.tenantId, String(current.tenantId)), eq(memberships.role, "owner"), ne(memberships.userId, String(current.userId))));
  if (!row || row.n === 0) {
    throw new AppError("conflict", "This rollback would leave the tenant without an owner.", { code: "last_owner" });
  }
}

/**
 * Restores the entry's `before`: a create is undone, a delete restored, an update reverted.
 * If the entity changed since the entry (its current state is not the entry's `after`), the
 * answer is 409 with the current state and the diff, unless `force`.
 */
export async function rollbackEntry(db: Db, actor: Actor, entry: AuditRow, force: boolean): Promise<{ auditId: string; restored: Row | null }> {
  if (!isEntityType(entry.entityType)) {
    throw new AppError("invalid_request", `Entries of type '${entry.entityType}' cannot be rolled back.`, { code: "not_rollbackable" });
  }
  const entityType = entry.entityType;
  const def = ENTITIES[entityType];
  const current = (await findEntity(db, def, entry.entityId)) ?? null;
  const expected = entry.after ?? null;
  if (!force && stableJson(current) !== stableJson(expected)) {
    throw new AppError("conflict", "The entity changed after this entry; send force: true to roll back anyway.", {
      code: "rollback_conflict",
      details: { current: redactRow(entityType, current), diff: diffRows(entityType, expected, current) },
    });
  }
  const target = entry.before ?? null;
  if (entityType === "membership") await assertOwnerRemains(db, current, target);

  const writes: BatchItem<"sqlite">[] = [];
  if (target === null) {
    if (current) writes.push(deleteEntity(db, def, entry.entityId));
  } else if (current === null) {
    writes.push(insertEntity(db, def, target));
  } else {
    writes.push(updateEntity(db, def, entry.entityId, target));
  }
  const auditId = await conflictOnDuplicate(
    commitChange(db, actor, { action: "rollback", entityType, entityId: entry.entityId, tenantId: entry.tenantId, before: current, after: target, rollbackOf: entry.id }, writes),
    () => new AppError("conflict", "Restoring this would duplicate a name or key that is now taken by another entity.", { code: "rollback_duplicate" }),
  );
  return { auditId, restored: redactRow(entityType, target) };
}
