// Committing a control-plane change with its audit entry, reading entries back as callers may
// see them, and rolling an entry back (the vocabulary is worker/core/audit.ts).
import type { BatchItem } from "drizzle-orm/batch";
import { type Actor, type Change, type EntityType, isEntityType, type Row } from "../core/audit.ts";
import { AppError } from "../core/errors.ts";
import { assertMayChange, holds, restorable, withoutSystem } from "../core/field-access.ts";
import { newId } from "../core/ids.ts";
import { stableJson } from "../core/json.ts";
import type { Caller } from "../core/rbac.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { type AuditRow, insertAudit } from "../db/audit.ts";
import type { Db } from "../db/client.ts";
import { deleteEntity, ENTITIES, findEntity, insertEntity, updateEntity } from "../db/entities.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { countOtherOwners } from "../db/users.ts";

/** Applies the writes and records the change atomically (one D1 batch). Returns the audit id. */
export async function commitChange(db: Db, actor: Actor, change: Change, writes: BatchItem<"sqlite">[]): Promise<string> {
  const id = newId("aud");
  await db.batch([insertAudit(db, id, actor, change), ...writes]);
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
  if ((await countOtherOwners(db, String(current.tenantId), String(current.userId), { withDeletedUsers: true })) === 0) {
    throw new AppError("conflict", "This rollback would leave the tenant without an owner.", { code: "last_owner" });
  }
}

/** Whose the row is: the tenant's id for a tenant, else its tenantId (null: platform-wide). */
function ownerOf(entityType: EntityType, row: Row): string | null {
  const owner = entityType === "tenant" ? row.id : row.tenantId;
  return typeof owner === "string" ? owner : null;
}

/**
 * A rollback stays where its entry is: it never moves an entity to another tenant, never
 * touches a platform-wide one without platform:write, and restores the entity the entry is about.
 */
function assertSamePlace(caller: Caller, entityType: EntityType, entry: AuditRow, rows: (Row | null)[]): void {
  const def = ENTITIES[entityType];
  for (const row of rows) {
    if (!row) continue;
    const owner = ownerOf(entityType, row);
    if (owner !== entry.tenantId || def.idOf(row) !== entry.entityId) {
      throw new AppError("permission", "This rollback would move the entity to another tenant or entity; it is refused.", {
        code: "forbidden",
        param: "tenantId",
        details: { fields: ["tenantId"] },
      });
    }
    if (owner === null && !holds(caller, "platform:write")) {
      throw new AppError("permission", "Only the platform operator may roll back a platform-wide entity.", { code: "forbidden" });
    }
  }
}

/** The entity is as the entry left it: every column the entry recorded, system columns aside, is the same. */
function unchangedSince(entityType: EntityType, expected: Row | null, current: Row | null): boolean {
  if (expected === null || current === null) return expected === current;
  return Object.entries(withoutSystem(entityType, expected)).every(([k, v]) => k in current && stableJson(v) === stableJson(current[k]));
}

/** Who asks for a rollback: their role, and the URL the request came to (the gateway's own host, which a tenant's URLs may not name). */
export interface RollbackCaller {
  user: Caller;
  requestUrl: string;
}

const changed = (current: Row | null, target: Row, field: string) =>
  current === null || stableJson(current[field] ?? null) !== stableJson(target[field] ?? null);

/**
 * What a rollback writes meets today's rules, not only those of the day it was logged: a
 * tenant's URLs pass the URL guard (a provider's base URL or an MCP server's URL whenever the
 * rollback changes it or the secret sent to it; the alert webhook whenever it changes), and an openai-compatible
 * provider has a base URL. The operator's URLs are not checked, as on the direct endpoints.
 */
function assertValidNow(caller: RollbackCaller, entityType: EntityType, current: Row | null, target: Row | null): void {
  if (target === null) return;
  const configurer = { var: { user: caller.user }, req: { url: caller.requestUrl } };
  if (entityType === "provider") {
    if (target.kind === "openai-compatible" && target.baseUrl == null) {
      throw new AppError("invalid_request", "An openai-compatible provider needs a base_url; this rollback would leave it without one.", {
        code: "invalid_request",
        param: "baseUrl",
      });
    }
    if (typeof target.baseUrl === "string" && (changed(current, target, "baseUrl") || changed(current, target, "apiKeyEncrypted"))) {
      assertConfigurableUrl(configurer, target.baseUrl, "baseUrl");
    }
  }
  if (entityType === "mcp_server" && typeof target.url === "string" && (changed(current, target, "url") || changed(current, target, "headersEncrypted"))) {
    assertConfigurableUrl(configurer, target.url, "url");
  }
  if (entityType === "tenant" && typeof target.alertWebhookUrl === "string" && changed(current, target, "alertWebhookUrl")) {
    assertConfigurableUrl(configurer, target.alertWebhookUrl, "alertWebhookUrl");
  }
  if (entityType === "tenant" && typeof target.slackWebhookUrl === "string" && changed(current, target, "slackWebhookUrl")) {
    assertConfigurableUrl(configurer, target.slackWebhookUrl, "slackWebhookUrl");
  }
  if (
    entityType === "tenant" &&
    typeof target.otlpEndpoint === "string" &&
    (changed(current, target, "otlpEndpoint") || changed(current, target, "otlpHeadersEncrypted"))
  ) {
    assertConfigurableUrl(configurer, target.otlpEndpoint, "otlpEndpoint");
  }
}

/**
 * Restores the entry's `before`: a create is undone, a delete restored, an update reverted.
 * If the entity changed since the entry (its current state is not the entry's `after`), the
 * answer is 409 with the current state and the diff, unless `force`.
 *
 * A rollback is held to the same field-level rules as the direct endpoints (core/field-access.ts):
 * if it would change anything `caller` could not change directly — an operator-only field, a
 * platform or operator-set row, the owner role — it is refused whole, 403 naming the fields.
 * System columns (ids, hashes, timestamps, the Stripe customer) keep their current values, and
 * what it writes must pass today's value rules (assertValidNow).
 */
export async function rollbackEntry(
  db: Db,
  actor: Actor,
  caller: RollbackCaller,
  entry: AuditRow,
  force: boolean,
): Promise<{ auditId: string; restored: Row | null }> {
  if (!isEntityType(entry.entityType)) {
    throw new AppError("invalid_request", `Entries of type '${entry.entityType}' cannot be rolled back.`, { code: "not_rollbackable" });
  }
  const entityType = entry.entityType;
  const def = ENTITIES[entityType];
  const current = (await findEntity(db, def, entry.entityId)) ?? null;
  const expected = entry.after ?? null;
  if (!force && !unchangedSince(entityType, expected, current)) {
    throw new AppError("conflict", "The entity changed after this entry; send force: true to roll back anyway.", {
      code: "rollback_conflict",
      details: { current: redactRow(entityType, current), diff: diffRows(entityType, expected, current) },
    });
  }
  const stored = entry.before ?? null;
  assertSamePlace(caller.user, entityType, entry, [current, stored]);
  const target = stored && current ? restorable(entityType, current, stored) : stored;
  assertMayChange(caller.user, entityType, current, target, { doing: "roll back a change to" });
  assertValidNow(caller, entityType, current, target);
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
    commitChange(
      db,
      actor,
      { action: "rollback", entityType, entityId: entry.entityId, tenantId: entry.tenantId, before: current, after: target, rollbackOf: entry.id },
      writes,
    ),
    () => new AppError("conflict", "Restoring this would duplicate a name or key that is now taken by another entity.", { code: "rollback_duplicate" }),
  );
  return { auditId, restored: redactRow(entityType, target) };
}
