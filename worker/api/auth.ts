// /api/auth: sign in with email and password, who am I, sign out.
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../core/security/jwt.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../core/security/passwords.ts";
import { getDb } from "../db/client.ts";
import { findActiveUserByEmail, listMemberships } from "../db/users.ts";
import type { SessionUser } from "../env.ts";
import { ApiRouter } from "./router.ts";

export const auth = new ApiRouter("auth");

const loginBody = z.object({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
});

function publicUser(u: SessionUser) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, tenant_id: u.tenantId, is_operator: u.isOperator };
}

auth.endpoint("post", "/login", { summary: "Sign in with email and password.", access: "public", body: loginBody }, async (c, { body }) => {
  const { email, password } = body;
  const db = getDb(c.env.DB);
  const user = await findActiveUserByEmail(db, email);
  // An unknown email costs the same PBKDF2 work and gets the same answer as a wrong password.
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  const membership = user && passwordOk ? (await listMemberships(db, user.id))[0] : undefined;
  if (!user || !passwordOk || !membership) {
    throw new AppError("authentication", "Incorrect email or password.", { code: "invalid_credentials" });
  }
  const session: SessionUser = {
    id: user.id,
    email: user.email,
    name: user.name,
    tenantId: membership.tenantId,
    role: membership.role,
    isOperator: user.isOperator,
  };
  const accessToken = await signAccessToken(c.env.JWT_SECRET, {
    sub: user.id,
    tid: membership.tenantId,
    role: membership.role,
    op: user.isOperator,
  });
  return c.json({ access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECONDS, user: publicUser(session) });
});

auth.endpoint("get", "/me", { summary: "The signed-in user, the current tenant and all of the user's tenants.", access: "signed-in" }, async (c) => {
  const user = c.var.user;
  const memberships = await listMemberships(getDb(c.env.DB), user.id);
  const current = memberships.find((m) => m.tenantId === user.tenantId);
  return c.json({
    user: publicUser(user),
    tenant: { id: user.tenantId, name: current?.tenantName ?? "" },
    tenants: memberships.map((m) => ({ id: m.tenantId, name: m.tenantName, role: m.role })),
  });
});

// Access tokens are short-lived and stateless; refresh-token sessions (revoked here) come
// with the control-plane issue.
auth.endpoint("post", "/logout", { summary: "Sign out.", access: "public", status: 204 }, (c) => c.body(null, 204));
