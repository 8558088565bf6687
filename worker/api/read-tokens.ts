// Read tokens (audience ai-aggregator:analytics): long-lived, read-only credentials for BI tools
// on GET /api/analytics, /api/analytics/export and /api/metrics, as `Authorization: Bearer` or
// `?token=`. Each has a row (id = the JWT's jti): it is listed, revoked one by one (audited, not
// rolled back: a revocation is final) and refused at once when revoked. A token without a row
// (issued before rows existed) is refused.
import type { Context, Next } from "hono";
import { decodeJwt } from "jose";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { log } from "../core/logger.ts";
import { hasPermission } from "../core/rbac.ts";
import { validate } from "../core/validation.ts";
import { getDb, type Db } from "../db/client.ts";
import { findReadToken, insertReadToken, listReadTokens, MAX_LISTED, type ReadTokenRow, revokeReadToken, touchReadToken } from "../db/read-tokens.ts";
import { auditLog } from "../db/schema.ts";
import type { AppEnv, SessionUser } from "../env.ts";
import { actorOf } from "./actor.ts";
import type { ApiContext, ApiRouter } from "./router.ts";
import { memberFor, signScoped, verifyScoped } from "./scoped-jwt.ts";

export const READ_TOKEN_AUDIENCE = "ai-aggregator:analytics";
/** The audit log's entity type for read tokens (not one that can be rolled back). */
export const READ_TOKEN_ENTITY = "read_token";

// ── presenting one ────────────────────────────────────────────────────────────────────────

const bearerOf = (c: Context<AppEnv>) => /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];

function audienceOf(token: string): unknown {
  try {
    return decodeJwt(token).aud;
  } catch {
    return undefined;
  }
}

/** A read token from `?token=` or a Bearer header carrying one (an access token is not one). */
function presentedReadToken(c: Context<AppEnv>): string | undefined {
  const query = c.req.query("token");
  if (query) return query;
  const bearer = bearerOf(c);
  return bearer && audienceOf(bearer) === READ_TOKEN_AUDIENCE ? bearer : undefined;
}

/** Signature and expiry, then the row (unknown or revoked: refused), then the member as of now. */
async function authenticateReadToken(c: ApiContext, token: string): Promise<SessionUser> {
  const claims = await verifyScoped(c.env.JWT_SECRET, token, READ_TOKEN_AUDIENCE, "read token");
  const db = getDb(c.env.DB);
  const row = await findReadToken(db, claims.jti);
  if (!row || row.tenantId !== claims.tid || row.userId !== claims.sub) {
    throw new AppError("authentication", "This read token is not known (or was issued before tokens could be revoked): mint a new one.", {
      code: "invalid_read_token",
    });
  }
  if (row.revokedAt !== null) throw new AppError("authentication", "This read token was revoked.", { code: "read_token_revoked" });
  const user = await memberFor(c, claims, "read token");
  await touchReadToken(db, row.id, Date.now());
  return user;
}

/**
 * Runs before the router's own authentication of an endpoint: if the request carries a read
 * token, it is authenticated here and `handle` answers; otherwise the router's access-token
 * path does. Either way the same handler and the same permission apply.
 */
export function withReadToken<Q extends z.ZodType>(query: Q, handle: (c: ApiContext, user: SessionUser, query: z.output<Q>) => Response | Promise<Response>) {
  return async (c: Context<AppEnv>, next: Next): Promise<Response | void> => {
    const token = presentedReadToken(c);
    if (!token) return next();
    const user = await authenticateReadToken(c, token);
    c.set("user", user);
    return handle(c, user, validate(c.req.query(), query));
  };
}

// ── managing them ─────────────────────────────────────────────────────────────────────────

const issueBody = z.strictObject({
  expires_in_days: z.int().min(1).max(90).default(30),
  name: z.string().trim().min(1).max(100).optional().describe("What it is for, e.g. 'grafana'"),
});

const issuedView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  token: z.string(),
  token_type: z.literal("Bearer"),
  scope: z.literal("analytics:read"),
  expires_at: z.string(),
});

const readTokenView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  user_id: z.string().describe("Whose token it is: it acts as this member"),
  created_at: z.string(),
  expires_at: z.string(),
  last_used_at: z.string().nullable().describe("To the minute; null: never used"),
  revoked_at: z.string().nullable(),
});

const listView = z.object({ data: z.array(readTokenView) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function tokenJson(row: ReadTokenRow): z.output<typeof readTokenView> {
  return {
    id: row.id,
    name: row.name,
    user_id: row.userId,
    created_at: new Date(row.createdAt).toISOString(),
    expires_at: new Date(row.expiresAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    revoked_at: iso(row.revokedAt),
  };
}

/** Owners and admins (members:write) manage every token of the tenant; anyone else only their own. */
const managesAll = (user: SessionUser) => hasPermission(user, "members:write");

function auditEntry(db: Db, c: ApiContext, action: "create" | "revoke", before: ReadTokenRow | null, after: ReadTokenRow) {
  const actor = actorOf(c);
  return db.insert(auditLog).values({
    id: newId("aud"),
    tenantId: after.tenantId,
    actorId: actor.actorId,
    action,
    entityType: READ_TOKEN_ENTITY,
    entityId: after.id,
    before,
    after,
    ip: actor.ip,
    userAgent: actor.userAgent,
    requestId: actor.requestId,
    createdAt: Date.now(),
  });
}

async function issue(c: ApiContext, body: z.output<typeof issueBody>): Promise<Response> {
  const user = c.var.user;
  const id = newId("rdt");
  const { token, exp } = await signScoped(c.env.JWT_SECRET, READ_TOKEN_AUDIENCE, user, body.expires_in_days * 86_400, id);
  const row: ReadTokenRow = {
    id,
    tenantId: user.tenantId,
    userId: user.id,
    name: body.name ?? null,
    expiresAt: exp * 1000,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: Date.now(),
  };
  const db = getDb(c.env.DB);
  await db.batch([insertReadToken(db, row), auditEntry(db, c, "create", null, row)]);
  log("info", "analytics read token issued", { requestId: c.var.requestId, userId: user.id, tenantId: user.tenantId, tokenId: id, expiresAt: exp });
  const answer: z.output<typeof issuedView> = {
    id,
    name: row.name,
    token,
    token_type: "Bearer",
    scope: "analytics:read",
    expires_at: new Date(row.expiresAt).toISOString(),
  };
  return c.json(answer, 201);
}

/** The caller's tenant's token, if the caller may manage it; else 404, as for an id that does not exist. */
async function manageableToken(c: ApiContext, id: string): Promise<ReadTokenRow> {
  const user = c.var.user;
  const row = await findReadToken(getDb(c.env.DB), id);
  if (!row || row.tenantId !== user.tenantId || (row.userId !== user.id && !managesAll(user))) {
    throw new AppError("not_found", "No such read token.", { code: "read_token_not_found" });
  }
  return row;
}

async function revoke(c: ApiContext, id: string): Promise<Response> {
  const before = await manageableToken(c, id);
  if (before.revokedAt !== null) return c.json(tokenJson(before));
  const after: ReadTokenRow = { ...before, revokedAt: Date.now() };
  const db = getDb(c.env.DB);
  await db.batch([revokeReadToken(db, id, after.revokedAt!), auditEntry(db, c, "revoke", before, after)]);
  return c.json(tokenJson(after));
}

/** POST, GET and DELETE /tokens on the analytics router. */
export function readTokenEndpoints(router: ApiRouter): ApiRouter {
  return router
    .endpoint(
      "post",
      "/tokens",
      {
        summary: "A long-lived, read-only analytics token for BI tools (Grafana, Prometheus, spreadsheets).",
        description:
          "Valid for /api/analytics, /api/analytics/export and /api/metrics only, as 'Authorization: Bearer' or '?token='. It acts as you, " +
          "in this tenant, while you remain a member, until it expires or is revoked (DELETE /api/analytics/tokens/{id}). Audited.",
        access: "analytics:read",
        body: issueBody,
        status: 201,
        response: issuedView,
      },
      (c, { body }) => issue(c, body),
    )
    .endpoint(
      "get",
      "/tokens",
      {
        summary: "Read tokens, newest first: your own, or every one of the tenant's for owners and admins.",
        description: `Never the token itself. At most ${MAX_LISTED}.`,
        access: "analytics:read",
        response: listView,
      },
      async (c) => {
        const user = c.var.user;
        const rows = await listReadTokens(getDb(c.env.DB), user.tenantId, managesAll(user) ? undefined : user.id);
        return c.json({ data: rows.map(tokenJson) });
      },
    )
    .endpoint(
      "delete",
      "/tokens/:id",
      {
        summary: "Revoke a read token: refused from the next request on. Your own, or any of the tenant's for owners and admins.",
        description: "Audited; a revocation cannot be rolled back. Revoking a revoked token changes nothing.",
        access: "analytics:read",
        response: readTokenView,
      },
      (c) => revoke(c, c.req.param("id")!),
    );
}
