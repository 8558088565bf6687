// /api/audit: the log with filters and cursor pagination, one entry with its field-level
// diff, and rollback (409 with the current state when the entity changed since, unless force;
// 403 naming the fields when it would change what the caller may not — core/field-access.ts).
import * as z from "zod";
import { isEntityType } from "../core/audit.ts";
import { AppError } from "../core/errors.ts";
import { getDb } from "../db/client.ts";
import { type AuditRow, findAudit, listAudit } from "../db/audit.ts";
import { diffRows, redactRow, rollbackEntry } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const listQuery = z.object({
  entity_type: z.string().max(64).optional(),
  entity_id: z.string().max(256).optional(),
  actor_id: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  scope: z.enum(["tenant", "platform"]).default("tenant").describe("platform: platform-wide entries (operator only)"),
});

const rollbackBody = z.strictObject({ force: z.boolean().default(false) });

const loggedRow = z.record(z.string(), z.unknown()).nullable().describe('The row as stored (camelCase columns), hidden columns as "[redacted]"; null: none');

const fieldDiffView = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });

const auditEntryView = z.object({
  id: z.string(),
  tenant_id: z.string().nullable().describe("null: a platform-wide entry"),
  actor_id: z.string().nullable(),
  action: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  before: loggedRow,
  after: loggedRow,
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  rollback_of: z.string().nullable().describe("The entry this one rolled back"),
  created_at: z.string(),
});

export const auditDetailView = auditEntryView.extend({
  diff: z.array(fieldDiffView).optional().describe("Field-level changes; absent for an entity type that cannot be rolled back"),
});

export const auditPageView = z.object({ data: z.array(auditEntryView), next_cursor: z.string().nullable().describe("null: the last page") });

export const rollbackView = z.object({ audit_id: z.string(), entity_type: z.string(), entity_id: z.string(), restored: loggedRow });

function encodeCursor(row: AuditRow): string {
  return btoa(`${row.createdAt}:${row.id}`).replace(/=+$/, "");
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [at, id] = atob(cursor).split(":");
    const createdAt = Number(at);
    if (Number.isSafeInteger(createdAt) && id) return { createdAt, id };
  } catch {
    // fall through
  }
  throw new AppError("invalid_request", "The cursor is not one this API returned.", { code: "invalid_cursor", param: "cursor" });
}

function entryJson(row: AuditRow, withDiff: boolean): z.output<typeof auditDetailView> {
  const typed = isEntityType(row.entityType) ? row.entityType : undefined;
  return {
    id: row.id,
    tenant_id: row.tenantId,
    actor_id: row.actorId,
    action: row.action,
    entity_type: row.entityType,
    entity_id: row.entityId,
    before: typed ? redactRow(typed, row.before ?? null) : row.before,
    after: typed ? redactRow(typed, row.after ?? null) : row.after,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    rollback_of: row.rollbackOf,
    created_at: new Date(row.createdAt).toISOString(),
    ...(withDiff && typed ? { diff: diffRows(typed, row.before ?? null, row.after ?? null) } : {}),
  };
}

/** The entry, if the caller may see it: its own tenant's, or platform-wide for the operator. */
async function visibleEntry(c: ApiContext, id: string): Promise<AuditRow> {
  const entry = await findAudit(getDb(c.env.DB), id);
  const user = c.var.user;
  const visible = entry && (entry.tenantId === user.tenantId || (entry.tenantId === null && user.isOperator));
  if (!entry || !visible) throw new AppError("not_found", "No such audit entry.", { code: "audit_not_found" });
  return entry;
}

export const audit = new ApiRouter("audit")
  .endpoint(
    "get",
    "/",
    { summary: "Audit entries, newest first; filter and page with cursor.", access: "audit:read", query: listQuery, response: auditPageView },
    async (c, { query }) => {
      if (query.scope === "platform" && !c.var.user.isOperator) {
        throw new AppError("permission", "Only the platform operator sees platform-wide entries.", { code: "forbidden" });
      }
      const rows = await listAudit(getDb(c.env.DB), {
        tenantId: query.scope === "platform" ? null : c.var.user.tenantId,
        entityType: query.entity_type,
        entityId: query.entity_id,
        actorId: query.actor_id,
        action: query.action,
        from: query.from ? Date.parse(query.from) : undefined,
        to: query.to ? Date.parse(query.to) : undefined,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return c.json({ data: page.map((r) => entryJson(r, false)), next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null });
    },
  )
  .endpoint("get", "/:id", { summary: "One entry with its field-level diff.", access: "audit:read", response: auditDetailView }, async (c) =>
    c.json(entryJson(await visibleEntry(c, c.req.param("id")!), true)),
  )
  .endpoint(
    "post",
    "/:id/rollback",
    {
      summary: "Restore the entry's before state; 409 with the current state if the entity changed since, unless force.",
      access: "audit:rollback",
      body: rollbackBody,
      response: rollbackView,
    },
    async (c, { body }) => {
      const entry = await visibleEntry(c, c.req.param("id")!);
      const result = await rollbackEntry(getDb(c.env.DB), actorOf(c), { user: c.var.user, requestUrl: c.req.url }, entry, body.force);
      const answer: z.output<typeof rollbackView> = {
        audit_id: result.auditId,
        entity_type: entry.entityType,
        entity_id: entry.entityId,
        restored: result.restored,
      };
      return c.json(answer);
    },
  );
