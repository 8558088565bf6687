// Control-plane authentication: a Bearer access token whose user and membership still exist.
import type { Context } from "hono";
import { AppError } from "../core/errors.ts";
import { verifyAccessToken } from "../core/security/jwt.ts";
import { getDb } from "../db/client.ts";
import { findActiveUser, listMemberships } from "../db/users.ts";
import type { AppEnv, SessionUser } from "../env.ts";

export async function authenticateUser(c: Context<AppEnv>): Promise<SessionUser> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) throw new AppError("authentication", "Sign in first: send 'Authorization: Bearer <access token>'.", { code: "unauthenticated" });
  const claims = await verifyAccessToken(c.env.JWT_SECRET, match[1]);
  const db = getDb(c.env.DB);
  const user = await findActiveUser(db, claims.sub);
  const membership = user && (await listMemberships(db, user.id)).find((m) => m.tenantId === claims.tid);
  // The platform operator may act in any tenant it switched to, member or not.
  const role = membership?.role ?? (user?.isOperator ? "owner" : undefined);
  if (!user || !role) throw new AppError("authentication", "This session is no longer valid.", { code: "invalid_token" });
  return { id: user.id, email: user.email, name: user.name, tenantId: claims.tid, role, isOperator: user.isOperator };
}
