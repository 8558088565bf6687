// Credentials other than the access token, each a JWT scoped by its audience so none can stand
// in for another: read tokens (api/read-tokens.ts) and live tickets (api/analytics/live.ts).
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { AppError } from "../core/errors.ts";
import { assertPermission } from "../core/rbac.ts";
import { ISSUER } from "../core/security/jwt.ts";
import { getDb } from "../db/client.ts";
import { findActiveUser } from "../db/users.ts";
import type { SessionUser } from "../env.ts";
import type { ApiContext } from "./router.ts";
import { roleIn, sessionUser } from "./session.ts";

function hmacKey(secret: string): Uint8Array {
  if (!secret || secret.length < 32) throw new AppError("unavailable", "The server's JWT_SECRET is not configured.", { code: "not_configured" });
  return new TextEncoder().encode(secret);
}

export interface ScopedClaims {
  sub: string;
  tid: string;
  jti: string;
  /** Epoch seconds. */
  exp: number;
}

export async function signScoped(
  secret: string,
  audience: string,
  user: SessionUser,
  ttlSeconds: number,
  jti: string = crypto.randomUUID(),
): Promise<{ token: string; exp: number }> {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await new SignJWT({ tid: user.tenantId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setJti(jti)
    .setExpirationTime(exp)
    .sign(hmacKey(secret));
  return { token, exp };
}

export const codeFor = (what: string) => what.replace(/\s+/g, "_");

export async function verifyScoped(secret: string, token: string, audience: string, what: string): Promise<ScopedClaims> {
  try {
    const { payload } = await jwtVerify(token, hmacKey(secret), { issuer: ISSUER, audience, algorithms: ["HS256"], requiredClaims: ["sub", "exp", "jti"] });
    const { sub, tid, jti, exp } = payload;
    if (typeof sub !== "string" || typeof tid !== "string" || typeof jti !== "string" || typeof exp !== "number") throw new Error("malformed");
    return { sub, tid, jti, exp };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const expired = error instanceof joseErrors.JWTExpired;
    throw new AppError("authentication", expired ? `The ${what} has expired: ask for a new one.` : `The ${what} is not valid.`, {
      code: expired ? `${codeFor(what)}_expired` : `invalid_${codeFor(what)}`,
    });
  }
}

/** The member a ticket or read token speaks for, as of now: removed users lose access at once. */
export async function memberFor(c: ApiContext, claims: ScopedClaims, what: string): Promise<SessionUser> {
  const db = getDb(c.env.DB);
  const user = await findActiveUser(db, claims.sub);
  const role = user && (await roleIn(db, user, claims.tid));
  if (!user || !role) throw new AppError("authentication", `The ${what} is no longer valid.`, { code: `invalid_${codeFor(what)}` });
  const member = sessionUser({ user, tenantId: claims.tid, role });
  assertPermission(member, "analytics:read");
  return member;
}
