// /api/users and invitations end to end: members and roles under the permission matrix, the
// owner rules (only owners touch the owner role; the last owner stays), single-use expiring
// invitations, and every membership change audited and reversible.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../worker/core/security/hash.ts";
import { ORIGIN, type Member, bearer, call, createMember, createTenant, json, jsonInit } from "./kit/fixtures.ts";

interface MemberJson {
  user_id: string;
  email: string;
  name: string;
  role: string;
  joined_at: string;
}

interface InvitationJson {
  id: string;
  email: string;
  role: string;
  expires_at: string;
  revoked_at: string | null;
  link?: string;
}

interface TokenJson {
  access_token: string;
  user: { id: string; email: string; role: string; tenant_id: string; is_operator: boolean };
}

const PASSWORD = "a perfectly fine passphrase";

let counter = 0;
const freshEmail = (prefix = "invitee") => `${prefix}${++counter}.${Date.now().toString(36)}@example.com`;
const freshIp = () => `10.9.${Math.floor(++counter / 250)}.${counter % 250}`;

/** A tenant with an owner and an admin. */
async function team() {
  const tenantId = await createTenant("Team");
  const owner = await createMember("owner", tenantId);
  const admin = await createMember("admin", tenantId);
  return { tenantId, owner, admin };
}

const members = async (who: Member) => (await json<{ data: MemberJson[] }>(await call("/api/users", { headers: who.headers }))).data;
const patchRole = (who: Member, userId: string, role: string) => call(`/api/users/${userId}`, jsonInit({ role }, who.headers, "PATCH"));
const removeMember = (who: Member, userId: string) => call(`/api/users/${userId}`, { method: "DELETE", headers: who.headers });
const rollback = (who: Member, auditId: string, force = false) => call(`/api/audit/${auditId}/rollback`, jsonInit({ force }, who.headers));
const me = (token: string) => call("/api/auth/me", { headers: bearer(token) });

async function invite(who: Member, email = freshEmail(), role = "developer"): Promise<InvitationJson & { token: string }> {
  const res = await call("/api/users/invitations", jsonInit({ email, role }, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  const body = await json<InvitationJson>(res);
  return { ...body, token: body.link!.split("/invite/")[1]! };
}

const accept = (token: string, password = PASSWORD, ip = freshIp()) =>
  call("/api/auth/accept-invitation", jsonInit({ token, password }, { "cf-connecting-ip": ip }));

async function latestAudit(who: Member, entityId: string) {
  const res = await call(`/api/audit?entity_id=${encodeURIComponent(entityId)}&limit=1`, { headers: who.headers });
  expect(res.status).toBe(200);
  return (await json<{ data: { id: string; action: string; actor_id: string | null; before: unknown; after: unknown }[] }>(res)).data[0]!;
}

/** A self-registered account, signed in (registration answers 202 and signs nobody in). */
async function registered() {
  const email = freshEmail("existing");
  expect((await call("/api/auth/register", jsonInit({ email, password: PASSWORD }))).status).toBe(202);
  const res = await call("/api/auth/login", jsonInit({ email, password: PASSWORD }, { "cf-connecting-ip": freshIp() }));
  expect(res.status).toBe(200);
  return { email, ...(await json<TokenJson>(res)) };
}

describe("GET /api/users", () => {
  it("lists the caller's tenant only, for any role", async () => {
    const { tenantId, owner, admin } = await team();
    const viewer = await createMember("viewer", tenantId);
    const outsider = await createMember("owner", await createTenant());

    const list = await members(viewer);
    expect(list.map((m) => m.user_id).sort()).toEqual([owner.userId, admin.userId, viewer.userId].sort());
    expect(list.find((m) => m.user_id === admin.userId)).toEqual({
      user_id: admin.userId,
      email: admin.email,
      name: expect.any(String),
      role: "admin",
      joined_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(list.some((m) => m.user_id === outsider.userId)).toBe(false);
    expect((await call("/api/users")).status).toBe(401);
  });
});

describe("changing roles", () => {
  let t: Awaited<ReturnType<typeof team>>;
  beforeAll(async () => {
    t = await team();
  });

  it("lets an admin change a non-owner's role, audited", async () => {
    const dev = await createMember("developer", t.tenantId);
    const res = await patchRole(t.admin, dev.userId, "viewer");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ user_id: dev.userId, role: "viewer" });
    expect((await members(t.admin)).find((m) => m.user_id === dev.userId)?.role).toBe("viewer");
    const entry = await latestAudit(t.admin, `${t.tenantId}:${dev.userId}`);
    expect(entry).toMatchObject({ action: "update", actor_id: t.admin.userId, before: { role: "developer" }, after: { role: "viewer" } });
    // The new role applies to the member's existing token at once.
    expect((await call("/api/keys", jsonInit({ name: "x" }, dev.headers))).status).toBe(403);
  });

  it("keeps the owner role to owners: an admin may not grant, change or remove it", async () => {
    const dev = await createMember("developer", t.tenantId);
    for (const res of [
      await patchRole(t.admin, dev.userId, "owner"),
      await patchRole(t.admin, t.owner.userId, "admin"),
      await removeMember(t.admin, t.owner.userId),
    ]) {
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: "forbidden" } });
    }
    expect((await patchRole(t.admin, t.admin.userId, "owner")).status).toBe(403);
    expect((await members(t.owner)).filter((m) => m.role === "owner").map((m) => m.user_id)).toEqual([t.owner.userId]);
  });

  it("lets an owner grant and take back the owner role", async () => {
    const dev = await createMember("developer", t.tenantId);
    expect(await json(await patchRole(t.owner, dev.userId, "owner"))).toMatchObject({ role: "owner" });
    expect(await json(await patchRole(t.owner, dev.userId, "developer"))).toMatchObject({ role: "developer" });
  });

  it("never demotes or removes the last owner (409 last_owner), not even for the operator", async () => {
    const { tenantId, owner } = await team();
    const operator = await createMember("viewer", await createTenant(), { operator: true });
    const switched = await json<TokenJson>(await call("/api/auth/switch", jsonInit({ tenant_id: tenantId }, operator.headers)));
    const asOperator = { ...operator, headers: bearer(switched.access_token) };
    for (const res of [
      await patchRole(owner, owner.userId, "admin"),
      await removeMember(owner, owner.userId),
      await patchRole(asOperator, owner.userId, "viewer"),
      await removeMember(asOperator, owner.userId),
    ]) {
      expect(res.status).toBe(409);
      expect(await json(res)).toMatchObject({ error: { code: "last_owner" } });
    }
    const second = await createMember("admin", tenantId);
    expect((await patchRole(owner, second.userId, "owner")).status).toBe(200);
    expect((await patchRole(owner, owner.userId, "admin")).status).toBe(200);
  });

  it("is refused to developers and viewers, and validated", async () => {
    const dev = await createMember("developer", t.tenantId);
    const viewer = await createMember("viewer", t.tenantId);
    expect((await patchRole(dev, viewer.userId, "developer")).status).toBe(403);
    expect((await removeMember(viewer, dev.userId)).status).toBe(403);
    for (const body of [{ role: "god" }, {}, { role: "viewer", extra: 1 }]) {
      const res = await call(`/api/users/${dev.userId}`, jsonInit(body, t.admin.headers, "PATCH"));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("answers 404 for members of another tenant and unknown users", async () => {
    const { owner: otherOwner } = await team();
    const otherDev = await createMember("developer", otherOwner.tenantId);
    for (const res of [
      await patchRole(t.owner, otherDev.userId, "viewer"),
      await removeMember(t.owner, otherDev.userId),
      await patchRole(t.owner, "usr_nobody", "viewer"),
      await removeMember(t.owner, "usr_nobody"),
    ]) {
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ error: { code: "member_not_found" } });
    }
    expect((await members(otherOwner)).find((m) => m.user_id === otherDev.userId)?.role).toBe("developer");
  });
});

describe("removing members", () => {
  it("removes the membership: the member's token stops working in that tenant", async () => {
    const { tenantId, admin } = await team();
    const dev = await createMember("developer", tenantId);
    expect((await me(dev.token)).status).toBe(200);
    const res = await removeMember(admin, dev.userId);
    expect(res.status).toBe(204);
    expect((await members(admin)).some((m) => m.user_id === dev.userId)).toBe(false);
    expect((await me(dev.token)).status).toBe(401);
    expect(await latestAudit(admin, `${tenantId}:${dev.userId}`)).toMatchObject({ action: "delete", before: { role: "developer" }, after: null });
  });
});

describe("rollback of membership changes", () => {
  it("rolls back a role change, then rolls back the rollback", async () => {
    const { tenantId, admin } = await team();
    const dev = await createMember("developer", tenantId);
    const id = `${tenantId}:${dev.userId}`;
    await patchRole(admin, dev.userId, "viewer");
    const change = await latestAudit(admin, id);

    expect((await rollback(admin, change.id)).status).toBe(200);
    expect((await members(admin)).find((m) => m.user_id === dev.userId)?.role).toBe("developer");

    const undo = await latestAudit(admin, id);
    expect(undo.action).toBe("rollback");
    expect((await rollback(admin, undo.id)).status).toBe(200);
    expect((await members(admin)).find((m) => m.user_id === dev.userId)?.role).toBe("viewer");
  });

  it("restores a removed member, whose token works again", async () => {
    const { tenantId, admin } = await team();
    const dev = await createMember("developer", tenantId);
    await removeMember(admin, dev.userId);
    expect((await me(dev.token)).status).toBe(401);
    const removal = await latestAudit(admin, `${tenantId}:${dev.userId}`);
    expect((await rollback(admin, removal.id)).status).toBe(200);
    expect((await members(admin)).find((m) => m.user_id === dev.userId)).toMatchObject({ role: "developer" });
    expect((await me(dev.token)).status).toBe(200);
  });

  it("refuses a rollback that would leave the tenant without an owner", async () => {
    const { tenantId, owner } = await team();
    const dev = await createMember("developer", tenantId);
    await patchRole(owner, dev.userId, "owner");
    const promotion = await latestAudit(owner, `${tenantId}:${dev.userId}`);
    expect((await removeMember(dev, owner.userId)).status).toBe(204);

    const res = await rollback(dev, promotion.id);
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { code: "last_owner" } });
    expect((await members(dev)).find((m) => m.user_id === dev.userId)?.role).toBe("owner");
  });
});

describe("invitations", () => {
  let t: Awaited<ReturnType<typeof team>>;
  beforeAll(async () => {
    t = await team();
  });

  it("answer with a single-use link once; only the token's hash is stored; pending ones are listed", async () => {
    const email = freshEmail();
    const res = await call("/api/users/invitations", jsonInit({ email: ` ${email.toUpperCase()} `, role: "developer" }, t.admin.headers));
    expect(res.status).toBe(201);
    const body = await json<InvitationJson>(res);
    expect(body).toMatchObject({ id: expect.stringMatching(/^inv_/), email, role: "developer", revoked_at: null });
    expect(body.link).toMatch(new RegExp(`^${ORIGIN}/invite/[A-Za-z0-9]{43}$`));
    const days = (Date.parse(body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const token = body.link!.split("/invite/")[1]!;
    const row = await env.DB.prepare("SELECT * FROM invitations WHERE id = ?").bind(body.id).first();
    expect(row?.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const list = await json<{ data: InvitationJson[] }>(await call("/api/users/invitations", { headers: t.admin.headers }));
    const listed = list.data.find((i) => i.id === body.id)!;
    expect(listed).toMatchObject({ email, role: "developer" });
    expect(listed.link).toBeUndefined();
    expect(JSON.stringify(list)).not.toContain(token);

    expect(await latestAudit(t.admin, body.id)).toMatchObject({ action: "create", after: { email, tokenHash: "[redacted]" } });
  });

  it("as owner are for owners only; developers and viewers may not invite", async () => {
    const res = await call("/api/users/invitations", jsonInit({ email: freshEmail(), role: "owner" }, t.admin.headers));
    expect(res.status).toBe(403);
    expect((await invite(t.owner, freshEmail(), "owner")).role).toBe("owner");
    const dev = await createMember("developer", t.tenantId);
    expect((await call("/api/users/invitations", jsonInit({ email: freshEmail(), role: "viewer" }, dev.headers))).status).toBe(403);
  });

  it("are refused for existing members and invalid bodies", async () => {
    const existing = await call("/api/users/invitations", jsonInit({ email: t.admin.email, role: "viewer" }, t.owner.headers));
    expect(existing.status).toBe(409);
    expect(await json(existing)).toMatchObject({ error: { code: "already_member" } });
    for (const [body, param] of [
      [{ email: "nope", role: "viewer" }, "email"],
      [{ email: freshEmail(), role: "operator" }, "role"],
      [{ email: freshEmail() }, "role"],
    ] as const) {
      const res = await call("/api/users/invitations", jsonInit(body, t.owner.headers));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json<{ error: { param: string } }>(res)).error.param).toBe(param);
    }
  });

  it("can be revoked: no longer listed, no longer accepted; other tenants cannot touch them", async () => {
    const inv = await invite(t.admin);
    const outsider = await createMember("owner", await createTenant());
    expect((await call(`/api/users/invitations/${inv.id}`, { method: "DELETE", headers: outsider.headers })).status).toBe(404);
    expect((await json<{ data: unknown[] }>(await call("/api/users/invitations", { headers: outsider.headers }))).data).toEqual([]);

    const res = await call(`/api/users/invitations/${inv.id}`, { method: "DELETE", headers: t.admin.headers });
    expect(res.status).toBe(200);
    expect((await json<InvitationJson>(res)).revoked_at).not.toBeNull();
    const list = await json<{ data: InvitationJson[] }>(await call("/api/users/invitations", { headers: t.admin.headers }));
    expect(list.data.some((i) => i.id === inv.id)).toBe(false);

    const accepted = await accept(inv.token);
    expect(accepted.status).toBe(410);
    expect(await json(accepted)).toMatchObject({ error: { code: "invitation_revoked" } });
    expect(await latestAudit(t.admin, inv.id)).toMatchObject({ action: "revoke" });
  });
});

describe("POST /api/auth/accept-invitation", () => {
  let t: Awaited<ReturnType<typeof team>>;
  beforeAll(async () => {
    t = await team();
  });

  it("creates the account, joins the tenant with the invited role, and signs in; the link works once", async () => {
    const inv = await invite(t.admin, freshEmail(), "viewer");
    const res = await accept(inv.token);
    expect(res.status).toBe(200);
    const body = await json<TokenJson>(res);
    expect(body.user).toMatchObject({ email: inv.email, role: "viewer", tenant_id: t.tenantId, is_operator: false });
    expect(res.headers.getSetCookie().some((h) => /^agg_refresh=[A-Za-z0-9]{43};/.test(h))).toBe(true);
    expect(await json(await me(body.access_token))).toMatchObject({ tenant: { id: t.tenantId } });
    expect((await members(t.admin)).find((m) => m.user_id === body.user.id)).toMatchObject({ email: inv.email, role: "viewer" });
    expect(await latestAudit(t.admin, `${t.tenantId}:${body.user.id}`)).toMatchObject({ action: "create", actor_id: body.user.id, after: { role: "viewer" } });

    const again = await accept(inv.token);
    expect(again.status).toBe(410);
    expect(await json(again)).toMatchObject({ error: { code: "invitation_used" } });
    const login = await call("/api/auth/login", jsonInit({ email: inv.email, password: PASSWORD }, { "cf-connecting-ip": freshIp() }));
    expect(login.status).toBe(200);
  });

  it("needs a proper password for a new account, leaving the invitation usable", async () => {
    const inv = await invite(t.admin);
    const res = await accept(inv.token, "short");
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_request", param: "password" } });
    expect((await accept(inv.token)).status).toBe(200);
  });

  it("joins an existing account only with its password, throttled like sign-in", async () => {
    const existing = await registered();
    const inv = await invite(t.admin, existing.email, "developer");
    const wrong = await accept(inv.token, "wrong password");
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toMatchObject({ error: { code: "invalid_credentials" } });

    const res = await accept(inv.token, PASSWORD);
    expect(res.status).toBe(200);
    const body = await json<TokenJson>(res);
    expect(body.user).toMatchObject({ id: existing.user.id, tenant_id: t.tenantId, role: "developer" });
    const who = await json<{ tenants: { id: string }[] }>(await me(body.access_token));
    expect(who.tenants.map((x) => x.id).sort()).toEqual([existing.user.tenant_id, t.tenantId].sort());

    const target = await registered();
    const locked = await invite(t.admin, target.email);
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await accept(locked.token, "wrong password", ip)).status).toBe(401);
    // The 6th attempt for this email from this address waits 1 s from the first: make "now" the first.
    await env.DB.prepare("UPDATE auth_throttle SET window_start = ? WHERE key = ?").bind(Date.now(), `pair:${ip} ${target.email}`).run();
    const blocked = await accept(locked.token, PASSWORD, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
    const pending = await json<{ data: InvitationJson[] }>(await call("/api/users/invitations", { headers: t.admin.headers }));
    expect(pending.data.some((i) => i.id === locked.id)).toBe(true);
  });

  it("answers 410 invitation_expired after 7 days and 404 for an unknown token", async () => {
    const inv = await invite(t.admin);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, inv.id)
      .run();
    const expired = await accept(inv.token);
    expect(expired.status).toBe(410);
    expect(await json(expired)).toMatchObject({ error: { code: "invitation_expired" } });

    const unknown = await accept("x".repeat(43));
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ error: { code: "invitation_not_found" } });
    expect((await call("/api/auth/accept-invitation", jsonInit({ password: PASSWORD }))).status).toBe(400);
  });

  it("is single use under concurrency: one acceptance wins", async () => {
    const inv = await invite(t.admin);
    const results = await Promise.all([accept(inv.token), accept(inv.token), accept(inv.token)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((s) => s === 409 || s === 410)).toBe(true);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
      .bind(inv.email)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});
