// POST /api/auth/register: self-service sign-up (answered the same for a taken email) and the
// platform operator's bootstrap with OPERATOR_BOOTSTRAP_TOKEN.
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { constantTimeEqual, sha256Hex } from "../core/security/hash.ts";
import { hashPassword } from "../core/security/passwords.ts";
import { type Db, getDb } from "../db/client.ts";
import { memberships, tenants } from "../db/schema.ts";
import { isUniqueViolation } from "../db/unique.ts";
import { findUserByEmail, insertUser, type MembershipRow, operatorExists } from "../db/users.ts";
import type { Env } from "../env.ts";
import { commitChange } from "../services/audit.ts";
import { displayName, emailField, emailTaken, newPassword } from "./account-fields.ts";
import { actorOf } from "./actor.ts";
import type { ApiContext } from "./router.ts";

export const registerBody = z.strictObject({
  email: emailField,
  password: newPassword,
  name: displayName.optional(),
  tenant_name: displayName.optional().describe("The new tenant's name; default: '<name>'s workspace'"),
  bootstrap_token: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe("The installation's OPERATOR_BOOTSTRAP_TOKEN: the account becomes the platform operator (only while there is none)"),
});

export const registeredView = z.object({
  status: z.literal("accepted"),
  email: z.string(),
  message: z.string(),
});

const operatorTaken = () => new AppError("conflict", "This installation already has a platform operator.", { code: "operator_exists" });

const REGISTERED =
  "Sign in with this email and password to continue. If the email already had an account, nothing was created: sign in with that account's password.";

/** Open unless ALLOW_SIGNUP says otherwise: unset, "true", "1", "yes" or "on" keep it open, any other value closes it. */
function signupOpen(env: Env): boolean {
  const value = env.ALLOW_SIGNUP?.trim().toLowerCase();
  return !value || ["true", "1", "yes", "on"].includes(value);
}

/** The user, the tenant it owns and the membership, in one audited batch. */
async function createAccount(c: ApiContext, db: Db, body: z.output<typeof registerBody>, passwordHash: string, asOperator: boolean): Promise<void> {
  const now = Date.now();
  const userId = newId("usr");
  const tenantId = newId("ten");
  const name = body.name ?? body.email.split("@")[0]!;
  const membership: MembershipRow = { tenantId, userId, role: "owner", createdAt: now };
  const writes: BatchItem<"sqlite">[] = [
    insertUser(db, { id: userId, email: body.email, name, passwordHash, createdAt: now }, asOperator),
    db.insert(tenants).values({ id: tenantId, name: body.tenant_name ?? `${name}'s workspace`, createdAt: now }),
    db.insert(memberships).values(membership),
  ];
  const change = { action: "create", entityType: "membership" as const, entityId: `${tenantId}:${userId}`, tenantId, before: null, after: membership };
  await commitChange(db, { ...actorOf(c), actorId: userId }, change, writes);
}

/** Self-service sign-up. A taken email creates nothing and is answered like a free one. */
async function signUp(c: ApiContext, db: Db, body: z.output<typeof registerBody>): Promise<void> {
  if (!signupOpen(c.env)) throw new AppError("permission", "Sign-up is disabled on this installation; ask for an invitation.", { code: "signup_disabled" });
  // Hashed whether or not the email is taken: the answer costs the same PBKDF2 work either way.
  const passwordHash = await hashPassword(body.password);
  if (await findUserByEmail(db, body.email)) return;
  try {
    await createAccount(c, db, body, passwordHash, false);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error; // taken meanwhile: the same answer
  }
}

const MIN_BOOTSTRAP_TOKEN_LENGTH = 32;

/** Constant-time: both sides are hashed to the same length before comparing. */
async function bootstrapTokenMatches(configured: string | undefined, presented: string): Promise<boolean> {
  const expected = configured?.trim() ?? "";
  if (expected.length < MIN_BOOTSTRAP_TOKEN_LENGTH) return false;
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([sha256Hex(expected), sha256Hex(presented.trim())]);
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}

/** The platform operator, by whoever holds OPERATOR_BOOTSTRAP_TOKEN, while there is none (sign-up closed or not). */
async function bootstrapOperator(c: ApiContext, db: Db, body: z.output<typeof registerBody>, token: string): Promise<void> {
  if (!(await bootstrapTokenMatches(c.env.OPERATOR_BOOTSTRAP_TOKEN, token))) {
    throw new AppError("permission", "This bootstrap token is not the installation's OPERATOR_BOOTSTRAP_TOKEN.", { code: "invalid_bootstrap_token" });
  }
  if (await operatorExists(db)) throw operatorTaken();
  if (await findUserByEmail(db, body.email)) throw emailTaken();
  try {
    await createAccount(c, db, body, await hashPassword(body.password), true);
  } catch (error) {
    if (await operatorExists(db)) throw operatorTaken(); // a concurrent bootstrap won
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

export async function register(c: ApiContext, body: z.output<typeof registerBody>): Promise<Response> {
  const db = getDb(c.env.DB);
  if (body.bootstrap_token !== undefined) await bootstrapOperator(c, db, body, body.bootstrap_token);
  else await signUp(c, db, body);
  return c.json({ status: "accepted" as const, email: body.email, message: REGISTERED }, 202);
}
