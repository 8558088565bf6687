// /api/users: the tenant's members and their roles, and invitations into the tenant. Every
// change is audited (memberships as `<tenant>:<user>`), so each can be rolled back. Only an
// owner may grant, change or remove the owner role, and a tenant always keeps one owner.
import { eq } from "drizzle-orm";
import * as z from "zod";
import { ALERT_LANGUAGES } from "../core/alert-types.ts";
import { intVar } from "../core/env-vars.ts";
import { AppError } from "../core/errors.ts";
import { newId, randomSecret } from "../core/ids.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { ROLES, type Role } from "../core/rbac.ts";
import { iso } from "../core/time.ts";
import { getDb, type Db } from "../db/client.ts";
import { deleteEntity, ENTITIES, updateEntity } from "../db/entities.ts";
import { findTenantInvitation, type InvitationRow, listPendingInvitations, reserveInvitationEmail } from "../db/invitations.ts";
import { invitations } from "../db/schema.ts";
import { countOtherOwners, findTenantMember, listTenantMembers, type Member, type MembershipRow } from "../db/users.ts";
import { findTenant } from "../db/tenants.ts";
import { commitChange } from "../services/audit.ts";
import { emailTransport, invitationEmail, mailFrom, sendEmail } from "../services/email.ts";
import { actorOf } from "./actor.ts";
import { emailField } from "./account-fields.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const role = z.enum(ROLES);
const roleBody = z.strictObject({ role });
const inviteBody = z.strictObject({
  email: emailField,
  role,
  send_email: z.boolean().default(true).describe("Also e-mail the link to them, when the server has e-mail configured"),
  language: z.enum(ALERT_LANGUAGES).default("en").describe("The language of that e-mail"),
});

/**
 * E-mailed invitations a day, per tenant and (MAIL_INVITATIONS_PER_DAY) across all: anyone may
 * register a tenant, and the operator's mail sender must not become a bulk mailer.
 */
export const INVITATION_EMAILS_PER_DAY = 20;
const PLATFORM_INVITATION_EMAILS_PER_DAY = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

const emailOutcome = z
  .enum(["sent", "failed", "not_configured", "not_requested", "limited"])
  .describe("Whether the link was e-mailed; the link is in this answer either way");

const memberView = z.object({ user_id: z.string(), email: z.string(), name: z.string(), role, joined_at: z.string() });
const invitationView = z.object({
  id: z.string(),
  email: z.string(),
  role,
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.string(),
});

function memberJson(m: Member): z.output<typeof memberView> {
  return { user_id: m.userId, email: m.email, name: m.name, role: m.role, joined_at: iso(m.joinedAt)! };
}

function invitationJson(row: InvitationRow): z.output<typeof invitationView> {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    expires_at: iso(row.expiresAt)!,
    accepted_at: iso(row.acceptedAt),
    revoked_at: iso(row.revokedAt),
    created_by: row.createdBy,
    created_at: iso(row.createdAt)!,
  };
}

const membershipId = (m: Pick<MembershipRow, "tenantId" | "userId">) => `${m.tenantId}:${m.userId}`;

/** The member in the caller's tenant, and the membership row as the audit log stores it. */
async function memberOr404(c: ApiContext, userId: string): Promise<{ member: Member; row: MembershipRow }> {
  const member = await findTenantMember(getDb(c.env.DB), c.var.user.tenantId, userId);
  if (!member) throw new AppError("not_found", "No such member in this tenant.", { code: "member_not_found" });
  return { member, row: { tenantId: c.var.user.tenantId, userId: member.userId, role: member.role, createdAt: member.joinedAt } };
}

/** Granting, changing or removing the owner role is for owners (and the operator) only. */
function assertMayTouchOwner(c: ApiContext, ...roles: (Role | undefined)[]): void {
  const user = c.var.user;
  if (roles.includes("owner") && user.role !== "owner" && !user.isOperator) {
    throw new AppError("permission", "Only an owner may grant, change or remove the owner role.", { code: "forbidden" });
  }
}

async function assertNotLastOwner(db: Db, row: MembershipRow): Promise<void> {
  if (row.role === "owner" && (await countOtherOwners(db, row.tenantId, row.userId)) === 0) {
    throw new AppError("conflict", "A tenant needs an owner: make someone else owner first.", { code: "last_owner" });
  }
}

async function changeRole(c: ApiContext, userId: string, newRole: Role): Promise<Response> {
  const db = getDb(c.env.DB);
  const { member, row } = await memberOr404(c, userId);
  assertMayTouchOwner(c, row.role, newRole);
  if (row.role === newRole) return c.json(memberJson(member));
  if (newRole !== "owner") await assertNotLastOwner(db, row);
  const after: MembershipRow = { ...row, role: newRole };
  const id = membershipId(row);
  await commitChange(db, actorOf(c), { action: "update", entityType: "membership", entityId: id, tenantId: row.tenantId, before: row, after }, [
    updateEntity(db, ENTITIES.membership, id, { role: newRole }),
  ]);
  return c.json(memberJson({ ...member, role: newRole }));
}

async function removeMember(c: ApiContext, userId: string): Promise<Response> {
  const db = getDb(c.env.DB);
  const { row } = await memberOr404(c, userId);
  assertMayTouchOwner(c, row.role);
  await assertNotLastOwner(db, row);
  const id = membershipId(row);
  await commitChange(db, actorOf(c), { action: "delete", entityType: "membership", entityId: id, tenantId: row.tenantId, before: row, after: null }, [
    deleteEntity(db, ENTITIES.membership, id),
  ]);
  return c.body(null, 204);
}

async function invite(c: ApiContext, body: z.output<typeof inviteBody>): Promise<Response> {
  assertMayTouchOwner(c, body.role);
  const db = getDb(c.env.DB);
  const tenantId = c.var.user.tenantId;
  const members = await listTenantMembers(db, tenantId);
  if (members.some((m) => m.email === body.email)) {
    throw new AppError("conflict", "This person is already a member of the tenant.", { code: "already_member", param: "email" });
  }
  const token = randomSecret();
  const now = Date.now();
  const row: InvitationRow = {
    id: newId("inv"),
    tenantId,
    email: body.email,
    role: body.role,
    tokenHash: await sha256Hex(token),
    expiresAt: now + INVITATION_TTL_MS,
    acceptedAt: null,
    revokedAt: null,
    createdBy: c.var.user.id,
    createdAt: now,
    emailedAt: null,
  };
  await commitChange(db, actorOf(c), { action: "create", entityType: "invitation", entityId: row.id, tenantId, before: null, after: row }, [
    db.insert(invitations).values(row),
  ]);
  const link = `${new URL(c.req.url).origin}/invite/${token}`;
  return c.json({ ...invitationJson(row), link, email_delivery: await emailInvitation(c, body, row, link) }, 201);
}

/** Sends the invitation's link by e-mail if asked and configured, within the daily allowance; never fails the invitation. */
async function emailInvitation(
  c: ApiContext,
  body: z.output<typeof inviteBody>,
  invitation: InvitationRow,
  link: string,
): Promise<z.output<typeof emailOutcome>> {
  if (!body.send_email) return "not_requested";
  const transport = emailTransport(c.env);
  if (!transport) return "not_configured";
  const db = getDb(c.env.DB);
  const allowance = {
    perTenant: INVITATION_EMAILS_PER_DAY,
    platform: intVar(c.env.MAIL_INVITATIONS_PER_DAY, PLATFORM_INVITATION_EMAILS_PER_DAY, 0),
    windowMs: DAY_MS,
  };
  if (!(await reserveInvitationEmail(db, invitation, invitation.createdAt, allowance))) return "limited";
  const tenantName = (await findTenant(db, invitation.tenantId))?.name ?? invitation.tenantId;
  const content = invitationEmail({ tenantName, inviterName: c.var.user.name || c.var.user.email, role: body.role, link, locale: body.language });
  const result = await sendEmail(transport, { from: mailFrom(c.env), to: body.email, ...content }, { timeoutMs: 5_000 });
  return result.outcome === "sent" ? "sent" : "failed";
}

async function revokeInvitation(c: ApiContext, id: string): Promise<Response> {
  const db = getDb(c.env.DB);
  const before = await findTenantInvitation(db, c.var.user.tenantId, id);
  if (!before) throw new AppError("not_found", "No such invitation.", { code: "invitation_not_found" });
  if (before.acceptedAt !== null) throw new AppError("conflict", "This invitation was already accepted.", { code: "invitation_used" });
  if (before.revokedAt !== null) return c.json(invitationJson(before));
  const after: InvitationRow = { ...before, revokedAt: Date.now() };
  await commitChange(db, actorOf(c), { action: "revoke", entityType: "invitation", entityId: id, tenantId: before.tenantId, before, after }, [
    db.update(invitations).set({ revokedAt: after.revokedAt }).where(eq(invitations.id, id)),
  ]);
  return c.json(invitationJson(after));
}

export const users = new ApiRouter("users")
  .endpoint(
    "get",
    "/",
    { summary: "The tenant's members and their roles.", access: "members:read", response: z.object({ data: z.array(memberView) }) },
    async (c) => {
      const members = await listTenantMembers(getDb(c.env.DB), c.var.user.tenantId);
      return c.json({ data: members.map(memberJson) });
    },
  )
  .endpoint(
    "get",
    "/invitations",
    { summary: "Pending invitations (not accepted, revoked or expired).", access: "members:read", response: z.object({ data: z.array(invitationView) }) },
    async (c) => {
      const rows = await listPendingInvitations(getDb(c.env.DB), c.var.user.tenantId, Date.now());
      return c.json({ data: rows.map(invitationJson) });
    },
  )
  .endpoint(
    "post",
    "/invitations",
    {
      summary: "Invite someone by email; the link (single use, 7 days) is in this answer only.",
      description: `Only an owner may invite as owner. Accept with POST /api/auth/accept-invitation. With e-mail configured the link is also e-mailed (at most ${INVITATION_EMAILS_PER_DAY} a day per tenant).`,
      access: "members:write",
      body: inviteBody,
      status: 201,
      response: invitationView.extend({ link: z.string(), email_delivery: emailOutcome }),
    },
    (c, { body }) => invite(c, body),
  )
  .endpoint("delete", "/invitations/:id", { summary: "Revoke a pending invitation.", access: "members:write", response: invitationView }, (c) =>
    revokeInvitation(c, c.req.param("id")!),
  )
  .endpoint(
    "patch",
    "/:userId",
    {
      summary: "Change a member's role; 409 last_owner if it would leave the tenant without an owner.",
      access: "members:write",
      body: roleBody,
      response: memberView,
    },
    (c, { body }) => changeRole(c, c.req.param("userId")!, body.role),
  )
  .endpoint(
    "delete",
    "/:userId",
    { summary: "Remove a member from the tenant; 409 last_owner for the last owner.", access: "members:write", status: 204 },
    (c) => removeMember(c, c.req.param("userId")!),
  );
