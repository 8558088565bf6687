// Control-plane sessions. Access tokens: short-lived Bearer JWTs, checked on every request
// against the live user and membership. Refresh tokens: random, stored as SHA-256 in
// `sessions`, sent as an httpOnly cookie, rotated on every use; reusing a rotated one revokes
// its whole family (it was stolen, or the client is confused — either way, sign in again).
// A family lives at most SESSION_LIFETIME_MS from its first sign-in, however often it rotates.
import type { Context } from "hono";
import { deleteCookie, generateCookie, getCookie, setCookie } from "hono/cookie";
import { AppError } from "../core/errors.ts";
import { newId, randomSecret } from "../core/ids.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken, verifyAccessToken } from "../core/security/jwt.ts";
import { getDb, type Db } from "../db/client.ts";
import type { Role } from "../core/rbac.ts";
import { familyStartOf, findSessionByHash, insertSession, markRotated, retargetSession, revokeFamily, type SessionRow } from "../db/sessions.ts";
import { tenantExists } from "../db/tenants.ts";
import { findActiveUser, findMembership, listMemberships, type UserRow } from "../db/users.ts";
import type { AppEnv, SessionUser } from "../env.ts";

export const REFRESH_COOKIE = "agg_refresh";
export const REFRESH_TTL_SECONDS = 30 * 24 * 60 * 60;
/** The absolute lifetime of a session family, from its first sign-in. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: "Strict", path: "/api/auth" } as const;

/** A user acting in one tenant with one role: what an access token is minted for. */
export interface Grant {
  user: UserRow;
  tenantId: string;
  role: Role;
}

/** The user's role in the tenant; the platform operator may act in any existing tenant as owner. */
export async function roleIn(db: Db, user: UserRow, tenantId: string): Promise<Role | undefined> {
  const membership = await findMembership(db, tenantId, user.id);
  if (membership) return membership.role;
  return user.isOperator && (await tenantExists(db, tenantId)) ? "owner" : undefined;
}

export async function authenticateUser(c: Context<AppEnv>): Promise<SessionUser> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) throw new AppError("authentication", "Sign in first: send 'Authorization: Bearer <access token>'.", { code: "unauthenticated" });
  const claims = await verifyAccessToken(c.env.JWT_SECRET, match[1]);
  const db = getDb(c.env.DB);
  const user = await findActiveUser(db, claims.sub);
  const role = user && (await roleIn(db, user, claims.tid));
  if (!user || !role) throw new AppError("authentication", "This session is no longer valid.", { code: "invalid_token" });
  return sessionUser({ user, tenantId: claims.tid, role });
}

export function sessionUser({ user, tenantId, role }: Grant): SessionUser {
  return { id: user.id, email: user.email, name: user.name, tenantId, role, isOperator: user.isOperator };
}

export function publicUser(u: SessionUser) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, tenant_id: u.tenantId, is_operator: u.isOperator };
}

/** The body every sign-in answers with (login, register, refresh, switch, invitation). */
export async function tokenBody(c: Context<AppEnv>, grant: Grant) {
  const accessToken = await signAccessToken(c.env.JWT_SECRET, { sub: grant.user.id, tid: grant.tenantId, role: grant.role, op: grant.user.isOperator });
  return { access_token: accessToken, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_SECONDS, user: publicUser(sessionUser(grant)) };
}

/** A family being continued by rotation: its id and when its first sign-in happened. */
export interface Family {
  id: string;
  startedAt: number;
}

/** Stores a new refresh session (a new family unless rotating) and sets its cookie. */
export async function startSession(c: Context<AppEnv>, grant: Grant, family?: Family): Promise<void> {
  const token = randomSecret();
  const now = Date.now();
  const startedAt = family?.startedAt ?? now;
  const expiresAt = Math.min(now + REFRESH_TTL_SECONDS * 1000, startedAt + SESSION_LIFETIME_MS);
  await insertSession(getDb(c.env.DB), {
    id: newId("ses"),
    userId: grant.user.id,
    tenantId: grant.tenantId,
    family: family?.id ?? newId("fam"),
    familyStartedAt: startedAt,
    tokenHash: await sha256Hex(token),
    expiresAt,
    userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
    ip: c.req.header("cf-connecting-ip") ?? null,
    createdAt: now,
  });
  setCookie(c, REFRESH_COOKIE, token, { ...COOKIE_OPTIONS, maxAge: Math.floor((expiresAt - now) / 1000) });
}

export function clearRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, REFRESH_COOKIE, COOKIE_OPTIONS);
}

/** A 401 that also clears the cookie: errors are rendered apart from the context's headers. */
function refreshError(code: string, message: string): AppError {
  const cleared = generateCookie(REFRESH_COOKIE, "", { ...COOKIE_OPTIONS, maxAge: 0, expires: new Date(0) });
  return new AppError("authentication", message, { code, headers: { "set-cookie": cleared } });
}

async function presentedSession(c: Context<AppEnv>): Promise<SessionRow | undefined> {
  const token = getCookie(c, REFRESH_COOKIE);
  return token ? findSessionByHash(getDb(c.env.DB), await sha256Hex(token)) : undefined;
}

/** The session's tenant if the user may still act there, else the user's oldest membership. */
async function grantForSession(db: Db, session: SessionRow): Promise<Grant | undefined> {
  const user = await findActiveUser(db, session.userId);
  if (!user) return undefined;
  const role = await roleIn(db, user, session.tenantId);
  if (role) return { user, tenantId: session.tenantId, role };
  const [first] = await listMemberships(db, user.id);
  return first && { user, tenantId: first.tenantId, role: first.role };
}

const reused = () => refreshError("refresh_reused", "This refresh token was already used; every session it belongs to is now signed out.");

/** The presented session if it may be rotated, with its family's start; otherwise a 401 (and the family revoked where it must be). */
async function refreshableSession(c: Context<AppEnv>, db: Db, now: number): Promise<{ session: SessionRow; family: Family }> {
  const session = await presentedSession(c);
  if (!session || session.revokedAt !== null) throw refreshError("invalid_refresh_token", "The session has ended: sign in again.");
  if (session.rotatedAt !== null) {
    await revokeFamily(db, session.family, now);
    throw reused();
  }
  const startedAt = await familyStartOf(db, session);
  if (startedAt + SESSION_LIFETIME_MS <= now) {
    await revokeFamily(db, session.family, now);
    throw refreshError("session_lifetime_exceeded", "This session is 30 days old, the longest a session lasts: sign in again.");
  }
  if (session.expiresAt <= now) throw refreshError("refresh_expired", "The session has expired: sign in again.");
  return { session, family: { id: session.family, startedAt } };
}

/** Rotates the presented refresh token: the old one is spent, a new one in the same family is set. */
export async function rotateSession(c: Context<AppEnv>): Promise<Grant> {
  const db = getDb(c.env.DB);
  const now = Date.now();
  const { session, family } = await refreshableSession(c, db, now);
  const grant = await grantForSession(db, session);
  if (!grant) {
    await revokeFamily(db, session.family, now);
    throw refreshError("invalid_refresh_token", "The session is no longer valid: sign in again.");
  }
  // Two requests presenting the same token: only one may rotate it; the other is a reuse.
  if (!(await markRotated(db, session.id, now))) {
    await revokeFamily(db, session.family, now);
    throw reused();
  }
  await startSession(c, grant, family);
  return grant;
}

/** Revokes the presented session's family, if any, and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const session = await presentedSession(c);
  if (session) await revokeFamily(getDb(c.env.DB), session.family, Date.now());
  clearRefreshCookie(c);
}

/** After a tenant switch, the presented refresh session follows the user into the new tenant. */
export async function retargetPresentedSession(c: Context<AppEnv>, grant: Grant): Promise<void> {
  const token = getCookie(c, REFRESH_COOKIE);
  if (token) await retargetSession(getDb(c.env.DB), await sha256Hex(token), grant.user.id, grant.tenantId);
}
