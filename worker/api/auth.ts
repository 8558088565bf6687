// /api/auth: register, sign in (throttled), refresh (rotating cookie), sign out, who am I,
// switch tenant, and accept an invitation.
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import type { Actor } from "../core/audit.ts";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { sha256Hex } from "../core/security/hash.ts";
import type { Role } from "../core/rbac.ts";
import { DUMMY_PASSWORD_HASH, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from "../core/security/passwords.ts";
import { isUniqueViolation } from "../db/unique.ts";
import { getDb, type Db } from "../db/client.ts";
import { claimInvitation, findInvitationByHash, type InvitationRow, releaseInvitation } from "../db/invitations.ts";
import { memberships } from "../db/schema.ts";
import { hasSignedInFrom } from "../db/sessions.ts";
import { type Counted, countAttempt, refund, settleSuccess, throttleKeys, waitMs } from "../db/throttle.ts";
import {
  findActiveUser,
  findActiveUserByEmail,
  findMembership,
  findUserByEmail,
  insertUser,
  listMemberships,
  type MembershipRow,
  normalizeEmail,
  type UserRow,
} from "../db/users.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { displayName, emailTaken, newPassword } from "./account-fields.ts";
import { register, registerBody, registeredView } from "./registration.ts";
import { type ApiContext, ApiRouter } from "./router.ts";
import { endSession, type Grant, publicUser, retargetPresentedSession, roleIn, rotateSession, startSession, tokenBody } from "./session.ts";

const loginBody = z.object({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

const switchBody = z.strictObject({ tenant_id: z.string().min(1).max(64) });

const acceptBody = z.strictObject({
  token: z.string().min(1).max(200),
  password: z
    .string()
    .min(1)
    .max(MAX_PASSWORD_LENGTH)
    .describe(`A new account's password (at least ${MIN_PASSWORD_LENGTH} characters), or the existing account's`),
  name: displayName.optional(),
});

const userView = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string(), tenant_id: z.string(), is_operator: z.boolean() });
const tokenView = z.object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.int(), user: userView });
const meView = z.object({
  user: userView,
  tenant: z.object({ id: z.string(), name: z.string() }),
  tenants: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })),
});

const SIGNED_IN = "Answers with an access token and sets the refresh token as the httpOnly cookie `agg_refresh` (Path=/api/auth).";

const invalidCredentials = () => new AppError("authentication", "Incorrect email or password.", { code: "invalid_credentials" });

/** How long an address the account signed in from stays exempt from the email's ceiling. */
const KNOWN_CLIENT_MS = 30 * 24 * 60 * 60 * 1000;

const clientIp = (c: ApiContext): string | undefined => c.req.header("cf-connecting-ip");

function tooManyAttempts(waitForMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitForMs / 1000));
  return new AppError("rate_limit", `Too many sign-in attempts. Try again in ${seconds} seconds.`, {
    code: "too_many_attempts",
    headers: { "retry-after": String(seconds) },
  });
}

/**
 * Only the email's ceiling holds the attempt back, and the account signed in from this address
 * before: a flood from elsewhere does not lock its owner out. Unknown emails cost the same query.
 */
async function isKnownClient(c: ApiContext, db: Db, waiting: readonly Counted[], user: UserRow | undefined): Promise<boolean> {
  const ip = clientIp(c);
  if (!ip || waiting.some((k) => k.kind !== "email")) return false;
  return hasSignedInFrom(db, user?.id ?? "", ip, Date.now() - KNOWN_CLIENT_MS);
}

/** Counts the attempt first (atomically per key); refuses it with 429, given back, when a limit holds it. */
async function admitAttempt(c: ApiContext, db: Db, keys: readonly string[], user: UserRow | undefined): Promise<void> {
  const now = Date.now();
  const waiting = (await countAttempt(db, keys, now)).filter((k) => waitMs(k, now) > 0);
  if (waiting.length === 0 || (await isKnownClient(c, db, waiting, user))) return;
  await refund(db, keys);
  throw tooManyAttempts(Math.max(...waiting.map((k) => waitMs(k, now))));
}

/** Verifies a password under the throttle: a failure stays counted, a success is given back. */
async function checkPassword(c: ApiContext, db: Db, email: string, password: string, user: UserRow | undefined): Promise<UserRow> {
  const keys = throttleKeys(normalizeEmail(email), clientIp(c));
  await admitAttempt(c, db, keys, user);
  // An unknown email costs the same PBKDF2 work and gets the same answer as a wrong password.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok) throw invalidCredentials();
  await settleSuccess(db, keys);
  return user;
}

/** The new user is the actor of their own sign-up or joining. */
const actorAs = (c: ApiContext, userId: string): Actor => ({ ...actorOf(c), actorId: userId });

async function signedIn(c: ApiContext, grant: Grant): Promise<Response> {
  await startSession(c, grant);
  return c.json(await tokenBody(c, grant));
}

async function pendingInvitation(db: Db, token: string): Promise<InvitationRow> {
  const invitation = await findInvitationByHash(db, await sha256Hex(token));
  if (!invitation) throw new AppError("not_found", "No such invitation.", { code: "invitation_not_found" });
  assertPending(invitation, Date.now());
  return invitation;
}

function assertPending(invitation: InvitationRow, now: number): void {
  if (invitation.acceptedAt !== null) throw new AppError("gone", "This invitation was already used.", { code: "invitation_used" });
  if (invitation.revokedAt !== null) throw new AppError("gone", "This invitation was revoked.", { code: "invitation_revoked" });
  if (invitation.expiresAt <= now) throw new AppError("gone", "This invitation has expired; ask for a new one.", { code: "invitation_expired" });
}

/** The invited account: the existing one (password verified, throttled) or a new one to create. */
async function invitee(c: ApiContext, db: Db, invitation: InvitationRow, body: z.output<typeof acceptBody>): Promise<{ user: UserRow; isNew: boolean }> {
  const existing = await findUserByEmail(db, invitation.email);
  if (existing && existing.deletedAt !== null) throw emailTaken();
  if (existing) {
    const user = await checkPassword(c, db, existing.email, body.password, existing);
    if (await findMembership(db, invitation.tenantId, user.id)) {
      throw new AppError("conflict", "You are already a member of this tenant.", { code: "already_member" });
    }
    return { user, isNew: false };
  }
  const password = newPassword.safeParse(body.password);
  if (!password.success) {
    throw new AppError("invalid_request", `A new account's password needs at least ${MIN_PASSWORD_LENGTH} characters.`, {
      code: "invalid_request",
      param: "password",
    });
  }
  const now = Date.now();
  const name = body.name ?? invitation.email.split("@")[0]!;
  const user: UserRow = {
    id: newId("usr"),
    email: invitation.email,
    name,
    passwordHash: await hashPassword(password.data),
    isOperator: false,
    deletedAt: null,
    createdAt: now,
  };
  return { user, isNew: true };
}

async function acceptInvitation(c: ApiContext, body: z.output<typeof acceptBody>): Promise<Response> {
  const db = getDb(c.env.DB);
  const invitation = await pendingInvitation(db, body.token);
  const { user, isNew } = await invitee(c, db, invitation, body);
  const now = Date.now();
  // The claim is the single-use guarantee: of two concurrent acceptances exactly one wins.
  if (!(await claimInvitation(db, invitation.id, now))) {
    assertPending((await findInvitationByHash(db, invitation.tokenHash)) ?? invitation, now);
    throw new AppError("gone", "This invitation was already used.", { code: "invitation_used" });
  }
  const membership: MembershipRow = { tenantId: invitation.tenantId, userId: user.id, role: invitation.role, createdAt: now };
  const writes: BatchItem<"sqlite">[] = [...(isNew ? [insertUser(db, user, false)] : []), db.insert(memberships).values(membership)];
  const change = {
    action: "create",
    entityType: "membership" as const,
    entityId: `${membership.tenantId}:${user.id}`,
    tenantId: membership.tenantId,
    before: null,
    after: membership,
  };
  try {
    await commitChange(db, actorAs(c, user.id), change, writes);
  } catch (error) {
    await releaseInvitation(db, invitation.id, now);
    if (isUniqueViolation(error))
      throw new AppError("conflict", "This account or membership already exists.", { code: isNew ? "email_taken" : "already_member" });
    throw error;
  }
  return signedIn(c, { user, tenantId: membership.tenantId, role: membership.role });
}

async function switchTenant(c: ApiContext, tenantId: string): Promise<Response> {
  const db = getDb(c.env.DB);
  const user = await findActiveUser(db, c.var.user.id);
  const role: Role | undefined = user && (await roleIn(db, user, tenantId));
  if (!user || !role) throw new AppError("not_found", "No such tenant, or you are not a member of it.", { code: "tenant_not_found" });
  const grant = { user, tenantId, role };
  await retargetPresentedSession(c, grant);
  return c.json(await tokenBody(c, grant));
}

export const auth = new ApiRouter("auth")
  .endpoint(
    "post",
    "/register",
    {
      summary: "Create an account and its own tenant (owner); then sign in with POST /api/auth/login.",
      description:
        "Answers 202 with the same body whether or not the email already has an account (then nothing is created, and only that " +
        "account's password signs in): the answer never tells which emails exist. 403 signup_disabled unless ALLOW_SIGNUP allows it. " +
        "With bootstrap_token equal to the OPERATOR_BOOTSTRAP_TOKEN secret the account is the platform operator, sign-up closed or not: " +
        "403 invalid_bootstrap_token, 409 operator_exists once there is one, 409 email_taken.",
      access: "public",
      body: registerBody,
      status: 202,
      response: registeredView,
    },
    (c, { body }) => register(c, body),
  )
  .endpoint(
    "post",
    "/login",
    {
      summary: "Sign in with email and password.",
      description:
        `${SIGNED_IN} Each attempt is counted before its password is checked. 429 too_many_attempts with Retry-After: after 5 attempts ` +
        "for one email from one address the n-th waits 2^(n-6) s (within the hour; a success resets it); 10 attempts from one address " +
        "in 15 minutes lock that address; 50 for one email in 15 minutes, except from an address that account signed in from in the last 30 days. " +
        "Refused attempts and successful sign-ins are not counted.",
      access: "public",
      body: loginBody,
      response: tokenView,
    },
    async (c, { body }) => {
      const db = getDb(c.env.DB);
      const user = await checkPassword(c, db, body.email, body.password, await findActiveUserByEmail(db, body.email));
      const [membership] = await listMemberships(db, user.id);
      if (!membership) throw invalidCredentials();
      return signedIn(c, { user, tenantId: membership.tenantId, role: membership.role });
    },
  )
  .endpoint(
    "post",
    "/refresh",
    {
      summary: "Trade the refresh cookie for a new access token; the cookie is rotated.",
      description:
        "Reusing an already rotated refresh token signs out every session of its family: 401 refresh_reused. A session family lasts at most " +
        "30 days from its first sign-in, however often it is rotated: then 401 session_lifetime_exceeded. A user no longer in the session's " +
        "tenant gets a token for their oldest remaining one.",
      access: "public",
      response: tokenView,
    },
    async (c) => c.json(await tokenBody(c, await rotateSession(c))),
  )
  .endpoint("post", "/logout", { summary: "Sign out: revoke the refresh session and clear its cookie.", access: "public", status: 204 }, async (c) => {
    await endSession(c);
    return c.body(null, 204);
  })
  .endpoint(
    "get",
    "/me",
    { summary: "The signed-in user, the current tenant and all of the user's tenants.", access: "signed-in", response: meView },
    async (c) => {
      const user = c.var.user;
      const all = await listMemberships(getDb(c.env.DB), user.id);
      const current = all.find((m) => m.tenantId === user.tenantId);
      return c.json({
        user: publicUser(user),
        tenant: { id: user.tenantId, name: current?.tenantName ?? "" },
        tenants: all.map((m) => ({ id: m.tenantId, name: m.tenantName, role: m.role })),
      });
    },
  )
  .endpoint(
    "post",
    "/switch",
    {
      summary: "A new access token for another tenant of the user's (any tenant for the operator).",
      access: "signed-in",
      body: switchBody,
      response: tokenView,
    },
    (c, { body }) => switchTenant(c, body.tenant_id),
  )
  .endpoint(
    "post",
    "/accept-invitation",
    {
      summary: "Join a tenant with an invitation token: creates the account, or signs in to the existing one.",
      description: `${SIGNED_IN} 404 for an unknown token; 410 invitation_used, invitation_expired or invitation_revoked.`,
      access: "public",
      body: acceptBody,
      response: tokenView,
    },
    (c, { body }) => acceptInvitation(c, body),
  );
