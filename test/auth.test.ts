// /api/auth end to end: registration, sign-in with throttling and no user enumeration,
// rotating refresh cookies with reuse detection, access-token rejection, tenant switching.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, ISSUER } from "../worker/core/security/jwt.ts";
import { sha256Hex } from "../worker/core/security/hash.ts";
import worker from "../worker/index.ts";
import { ORIGIN, OWNER_EMAIL, OWNER_PASSWORD, TENANT_ID, bearer, call, createMember, createTenant, json, jsonInit } from "./kit/fixtures.ts";

interface TokenJson {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: { id: string; email: string; name: string; role: string; tenant_id: string; is_operator: boolean };
}

interface ErrorJson {
  error: { code: string; message: string; param?: string };
}

const PASSWORD = "a perfectly fine passphrase";

let ipCounter = 0;
/** Every test signs in from its own address, so the per-IP throttle never leaks between tests. */
const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

let emailCounter = 0;
const freshEmail = (prefix = "user") => `${prefix}${++emailCounter}.${Date.now().toString(36)}@example.com`;

const login = (email: string, password: string, ip = freshIp()) => call("/api/auth/login", jsonInit({ email, password }, { "cf-connecting-ip": ip }));

/** The refresh token a response set, or null when it cleared the cookie. */
function refreshCookie(res: Response): string | null | undefined {
  const header = res.headers.getSetCookie().find((h) => h.startsWith("agg_refresh="));
  if (header === undefined) return undefined;
  const value = header.slice("agg_refresh=".length).split(";")[0]!;
  return value === "" ? null : value;
}

const withCookie = (token: string, headers: Record<string, string> = {}) => ({ ...headers, cookie: `agg_refresh=${token}` });
const refresh = (token?: string) => call("/api/auth/refresh", { method: "POST", headers: token ? withCookie(token) : {} });

/** A new account, then signed in: registration answers 202 and signs nobody in (it must not tell whether the email was free). */
async function register(body: Record<string, unknown> = {}) {
  const email = (body.email as string | undefined) ?? freshEmail();
  const res = await call("/api/auth/register", jsonInit({ email, password: PASSWORD, ...body }));
  expect(res.status, await res.clone().text()).toBe(202);
  const signedIn = await login(email, PASSWORD);
  expect(signedIn.status, await signedIn.clone().text()).toBe(200);
  return { email, cookie: refreshCookie(signedIn)!, ...(await json<TokenJson>(signedIn)) };
}

const me = (token: string) => call("/api/auth/me", { headers: bearer(token) });

async function sessionRow(token: string) {
  return env.DB.prepare("SELECT * FROM sessions WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ family: string; rotated_at: number | null; revoked_at: number | null; tenant_id: string }>();
}

describe("POST /api/auth/register", () => {
  it("creates an account that owns a new tenant; it signs in with login", async () => {
    const res = await call("/api/auth/register", jsonInit({ email: "  New.Person@Example.com ", password: PASSWORD, name: "New Person", tenant_name: "Acme" }));
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ status: "accepted", email: "new.person@example.com", message: expect.any(String) });
    expect(refreshCookie(res)).toBeUndefined();

    const signedIn = await login("new.person@example.com", PASSWORD);
    expect(signedIn.status).toBe(200);
    const body = await json<TokenJson>(signedIn);
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      user: { email: "new.person@example.com", name: "New Person", role: "owner", is_operator: false },
    });
    expect(body.user.tenant_id).not.toBe(TENANT_ID);
    expect(refreshCookie(signedIn)).toMatch(/^[A-Za-z0-9]{43}$/);

    const who = await json<{ tenant: { id: string; name: string }; tenants: unknown[] }>(await me(body.access_token));
    expect(who.tenant).toEqual({ id: body.user.tenant_id, name: "Acme" });
    expect(who.tenants).toEqual([{ id: body.user.tenant_id, name: "Acme", role: "owner" }]);

    const audit = await json<{ data: { action: string; entity_type: string; actor_id: string }[] }>(
      await call("/api/audit", { headers: bearer(body.access_token) }),
    );
    expect(audit.data).toContainEqual(expect.objectContaining({ action: "create", entity_type: "membership", actor_id: body.user.id }));
  });

  it("answers an existing email, whatever its case, exactly like a new one, and creates nothing", async () => {
    const taken = await call("/api/auth/register", jsonInit({ email: OWNER_EMAIL.toUpperCase(), password: PASSWORD }));
    expect(taken.status).toBe(202);
    expect(await json(taken)).toEqual({ status: "accepted", email: OWNER_EMAIL, message: expect.any(String) });
    expect(refreshCookie(taken)).toBeUndefined();
    expect((await login(OWNER_EMAIL, PASSWORD)).status).toBe(401);
    expect((await login(OWNER_EMAIL, OWNER_PASSWORD)).status).toBe(200);
  });

  it("validates the body with a 400 naming the field", async () => {
    for (const [body, param] of [
      [{ email: "not-an-email", password: PASSWORD }, "email"],
      [{ email: freshEmail(), password: "short" }, "password"],
      [{ email: freshEmail(), password: PASSWORD, role: "owner" }, undefined],
      [{ password: PASSWORD }, "email"],
    ] as const) {
      const res = await call("/api/auth/register", jsonInit(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await json<ErrorJson>(res);
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param).toBe(param);
    }
  });

  it("is refused with 403 signup_disabled when ALLOW_SIGNUP is false", async () => {
    const res = await fetchWithEnv({ ALLOW_SIGNUP: "false" }, "/api/auth/register", jsonInit({ email: freshEmail(), password: PASSWORD }));
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: { code: "signup_disabled" } });
  });
});

/** The Worker with some vars overridden, as a deployment with other settings would run. */
function fetchWithEnv(vars: Partial<Cloudflare.Env>, path: string, init: RequestInit): Promise<Response> {
  return Promise.resolve(worker.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...vars }, createExecutionContext()));
}

describe("POST /api/auth/login", () => {
  it("answers with the token and user, and sets the refresh cookie (its hash stored, not the token)", async () => {
    const res = await login(OWNER_EMAIL, OWNER_PASSWORD);
    expect(res.status).toBe(200);
    const body = await json<TokenJson>(res);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, user: { email: OWNER_EMAIL, role: "owner", tenant_id: TENANT_ID, is_operator: true } });
    const header = res.headers.getSetCookie().find((h) => h.startsWith("agg_refresh="))!;
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; SameSite=Strict/);
    expect(header).toMatch(/; Path=\/api\/auth(;|$)/);
    expect(header).toMatch(/; Max-Age=2592000/);

    const token = refreshCookie(res)!;
    const row = await sessionRow(token);
    expect(row).toMatchObject({ tenant_id: TENANT_ID, rotated_at: null, revoked_at: null });
    const all = await env.DB.prepare("SELECT * FROM sessions").all();
    expect(JSON.stringify(all.results)).not.toContain(token);
  });

  it("gives the same status and body for an unknown email and a wrong password", async () => {
    const wrong = await login(OWNER_EMAIL, "wrong password");
    const unknown = await login("nobody@example.com", "wrong password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await json(wrong)).toEqual(await json(unknown));
    expect(refreshCookie(wrong)).toBeUndefined();
  });

  it("answers 401, not 500, for an account whose stored hash is corrupt", async () => {
    const { email } = await register();
    await env.DB.prepare("UPDATE users SET password_hash = 'pbkdf2-sha256$1000$not*base64$AA==' WHERE email = ?").bind(email).run();
    const res = await login(email, PASSWORD);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_credentials" } });
  });

  it("after 5 failures for an email from one address, answers 429 with Retry-After before checking the password; other addresses still sign in", async () => {
    const { email } = await register();
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong password", ip)).status, `attempt ${i + 1}`).toBe(401);
    await env.DB.prepare("UPDATE auth_throttle SET window_start = ? WHERE key = ?").bind(Date.now(), `pair:${ip} ${email}`).run();

    // Even the right password from that address waits: the password is not checked.
    const blocked = await login(email, PASSWORD, ip);
    expect(blocked.status).toBe(429);
    expect(await json(blocked)).toMatchObject({ error: { code: "too_many_attempts" } });
    expect(blocked.headers.get("retry-after")).toBe("1");

    // From another address the right password works: an email is slowed, not locked.
    expect((await login(email, PASSWORD)).status).toBe(200);
    const other = await register();
    expect((await login(other.email, PASSWORD, ip)).status).toBe(200);
  });

  it("after 10 failures from one address, blocks that address for any email", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) expect((await login(freshEmail("ghost"), "wrong password", ip)).status).toBe(401);
    const { email } = await register();
    const blocked = await login(email, PASSWORD, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(800);
    expect((await login(email, PASSWORD, freshIp())).status).toBe(200);
  });

  it("counts concurrent attempts without losing any, checking no more than the limit", async () => {
    const email = freshEmail("burst");
    const ip = freshIp();
    const results = await Promise.all(Array.from({ length: 8 }, () => login(email, "wrong password", ip)));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(5).fill(401), ...Array(3).fill(429)]);
    const rows = await env.DB.prepare("SELECT key, failures FROM auth_throttle WHERE key IN (?, ?) ORDER BY key").bind(`email:${email}`, `ip:${ip}`).all();
    expect(rows.results).toEqual([
      { key: `email:${email}`, failures: 5 },
      { key: `ip:${ip}`, failures: 5 },
    ]);
  });

  it("does not count a success against the email, and starts a new window once the old one ended", async () => {
    const { email } = await register();
    for (let i = 0; i < 9; i++) await login(email, "wrong password", freshIp());
    expect((await login(email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 9; i++) await login(email, "wrong password", freshIp());
    expect((await login(email, PASSWORD)).status).toBe(200);

    await env.DB.prepare("INSERT OR REPLACE INTO auth_throttle (key, window_start, failures) VALUES (?, ?, 50)")
      .bind(`email:${email}`, Date.now() - 16 * 60_000)
      .run();
    expect((await login(email, "wrong password")).status).toBe(401);
    const row = await env.DB.prepare("SELECT failures FROM auth_throttle WHERE key = ?").bind(`email:${email}`).first<{ failures: number }>();
    expect(row?.failures).toBe(1);
  });

  it("counts per email only when there is no client IP, so one local client cannot lock out all", async () => {
    const email = freshEmail("noip");
    await call("/api/auth/login", jsonInit({ email, password: "wrong password" }));
    const rows = await env.DB.prepare("SELECT key FROM auth_throttle WHERE key LIKE 'ip:%' AND key NOT LIKE 'ip:%.%' AND key NOT LIKE 'ip:%:%'").all<{
      key: string;
    }>();
    expect(rows.results.map((r) => r.key)).not.toContain("ip:unknown");
    const byEmail = await env.DB.prepare("SELECT failures FROM auth_throttle WHERE key = ?").bind(`email:${email}`).first<{ failures: number }>();
    expect(byEmail?.failures).toBe(1);
  });
});

describe("refresh tokens", () => {
  it("rotate: a new access token and a new cookie in the same family, the old one spent", async () => {
    const { cookie, user } = await register();
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    const body = await json<TokenJson>(res);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, user: { id: user.id, tenant_id: user.tenant_id, role: "owner" } });
    expect((await me(body.access_token)).status).toBe(200);

    const next = refreshCookie(res)!;
    expect(next).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(next).not.toBe(cookie);
    const [old, current] = [await sessionRow(cookie), await sessionRow(next)];
    expect(old?.rotated_at).not.toBeNull();
    expect(current).toMatchObject({ family: old!.family, rotated_at: null, revoked_at: null });
    expect((await refresh(next)).status).toBe(200);
  });

  it("revoke the whole family when a rotated token is reused", async () => {
    const { cookie } = await register();
    const second = refreshCookie(await refresh(cookie))!;
    const third = refreshCookie(await refresh(second))!;

    const reused = await refresh(cookie);
    expect(reused.status).toBe(401);
    expect(await json(reused)).toMatchObject({ error: { code: "refresh_reused" } });
    expect(refreshCookie(reused)).toBeNull();

    const family = (await sessionRow(cookie))!.family;
    const rows = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE family = ?").bind(family).all<{ revoked_at: number | null }>();
    expect(rows.results).toHaveLength(3);
    for (const row of rows.results) expect(row.revoked_at).not.toBeNull();

    const legit = await refresh(third);
    expect(legit.status).toBe(401);
    expect(refreshCookie(legit)).toBeNull();
  });

  it("leave other families alone when one is revoked", async () => {
    const { email, cookie } = await register();
    const other = refreshCookie(await login(email, PASSWORD))!;
    refreshCookie(await refresh(cookie));
    expect((await refresh(cookie)).status).toBe(401);
    expect((await refresh(other)).status).toBe(200);
  });

  it.each([
    ["no cookie", undefined],
    ["an unknown token", "A".repeat(43)],
    ["garbage", "%%%;;"],
  ])("answer 401 and clear the cookie for %s", async (_name, token) => {
    const res = await refresh(token);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_refresh_token" } });
    expect(refreshCookie(res)).toBeNull();
  });

  it("answer 401 refresh_expired once expired", async () => {
    const { cookie } = await register();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE token_hash = ?")
      .bind(Date.now() - 1, await sha256Hex(cookie))
      .run();
    const res = await refresh(cookie);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "refresh_expired" } });
    expect(refreshCookie(res)).toBeNull();
  });

  it("stop working for a user removed from every tenant", async () => {
    const { cookie, user } = await register();
    await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?").bind(user.id).run();
    const res = await refresh(cookie);
    expect(res.status).toBe(401);
    expect(refreshCookie(res)).toBeNull();
  });

  it("end with logout (the family revoked, the cookie cleared); logout without a cookie is 204 too", async () => {
    const { cookie } = await register();
    const rotated = refreshCookie(await refresh(cookie))!;
    const out = await call("/api/auth/logout", { method: "POST", headers: withCookie(rotated) });
    expect(out.status).toBe(204);
    expect(refreshCookie(out)).toBeNull();
    expect((await sessionRow(rotated))?.revoked_at).not.toBeNull();
    const after = await refresh(rotated);
    expect(after.status).toBe(401);
    expect(await json(after)).toMatchObject({ error: { code: "invalid_refresh_token" } });

    const bare = await call("/api/auth/logout", { method: "POST" });
    expect(bare.status).toBe(204);
    expect(refreshCookie(bare)).toBeNull();
  });
});

describe("access tokens", () => {
  const key = new TextEncoder().encode(env.JWT_SECRET);
  let userId: string;
  let tenantId: string;

  beforeAll(async () => {
    ({ userId, tenantId } = await createMember("developer"));
  });

  function token(options: { key?: Uint8Array; iss?: string; aud?: string; exp?: number; nbf?: number; sub?: string } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ tid: tenantId, role: "developer", op: false })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(options.sub ?? userId)
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt(now - 60)
      .setJti(crypto.randomUUID())
      .setExpirationTime(options.exp ?? now + 600);
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign(options.key ?? key);
  }

  const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

  it("accepts a well-formed token (the control for the cases below)", async () => {
    expect((await me(await token())).status).toBe(200);
  });

  it.each([
    ["signed with another key", () => token({ key: new TextEncoder().encode("another-secret-0123456789abcdefghijklmnopqrstuvwxyz") })],
    ["with a future nbf", () => token({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ["for another audience", () => token({ aud: "someone-else" })],
    ["from another issuer", () => token({ iss: "someone-else" })],
  ])("rejects a token %s with 401 invalid_token", async (_name, make) => {
    const res = await me(await make());
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_token" } });
  });

  it("rejects an expired token with 401 token_expired", async () => {
    const res = await me(await token({ exp: Math.floor(Date.now() / 1000) - 10 }));
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "token_expired" } });
  });

  it("rejects alg: none, even with valid claims", async () => {
    const valid = (await token()).split(".")[1]!;
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = `${b64url({ alg, typ: "JWT" })}.${valid}.`;
      const res = await me(unsigned);
      expect(res.status, alg).toBe(401);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_token" } });
    }
  });

  it("rejects the token of a deleted user", async () => {
    const member = await createMember("admin");
    expect((await me(member.token)).status).toBe(200);
    await env.DB.prepare("UPDATE users SET deleted_at = ? WHERE id = ?").bind(Date.now(), member.userId).run();
    const res = await me(member.token);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_token" } });
  });

  it("rejects a token whose membership was removed", async () => {
    const member = await createMember("admin");
    expect((await me(member.token)).status).toBe(200);
    await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?").bind(member.userId).run();
    expect((await me(member.token)).status).toBe(401);
  });

  it("lets the operator act in a tenant without membership, nobody else", async () => {
    const other = await createTenant("Elsewhere");
    const operator = await createMember("viewer", TENANT_ID, { operator: true });
    const asOperator = await new SignJWT({ tid: other, role: "owner", op: true })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(operator.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti("j1")
      .setExpirationTime("5m")
      .sign(key);
    expect(await json(await me(asOperator))).toMatchObject({ user: { tenant_id: other, role: "owner", is_operator: true } });

    const notOperator = await new SignJWT({ tid: other, role: "owner", op: true })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti("j2")
      .setExpirationTime("5m")
      .sign(key);
    expect((await me(notOperator)).status).toBe(401);
  });
});

describe("POST /api/auth/switch", () => {
  it("gives a token for another tenant of the user's, and the refresh session follows", async () => {
    const { cookie, access_token, user } = await register({ tenant_name: "Home" });
    const second = await createTenant("Second");
    await env.DB.prepare("INSERT INTO memberships (tenant_id, user_id, role) VALUES (?, ?, 'viewer')").bind(second, user.id).run();

    const res = await call("/api/auth/switch", jsonInit({ tenant_id: second }, { ...bearer(access_token), cookie: `agg_refresh=${cookie}` }));
    expect(res.status).toBe(200);
    const body = await json<TokenJson>(res);
    expect(body.user).toMatchObject({ tenant_id: second, role: "viewer" });
    expect(await json(await me(body.access_token))).toMatchObject({ tenant: { id: second, name: "Second" } });
    expect((await call("/api/keys", jsonInit({ name: "nope" }, bearer(body.access_token)))).status).toBe(403);

    const refreshed = await json<TokenJson>(await refresh(cookie));
    expect(refreshed.user).toMatchObject({ tenant_id: second, role: "viewer" });
  });

  it("answers 404 tenant_not_found for a tenant the user is not in, or that does not exist", async () => {
    const member = await createMember("owner");
    for (const tenantId of [await createTenant(), "ten_nope"]) {
      const res = await call("/api/auth/switch", jsonInit({ tenant_id: tenantId }, member.headers));
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ error: { code: "tenant_not_found" } });
    }
  });

  it("lets the operator into any existing tenant as owner", async () => {
    const operator = await createMember("viewer", TENANT_ID, { operator: true });
    const other = await createTenant("Customer");
    const res = await call("/api/auth/switch", jsonInit({ tenant_id: other }, operator.headers));
    expect(res.status).toBe(200);
    expect((await json<TokenJson>(res)).user).toMatchObject({ tenant_id: other, role: "owner", is_operator: true });
    expect((await call("/api/auth/switch", jsonInit({ tenant_id: "ten_nope" }, operator.headers))).status).toBe(404);
  });

  it("needs a signed-in caller and a tenant_id", async () => {
    expect((await call("/api/auth/switch", jsonInit({ tenant_id: TENANT_ID }))).status).toBe(401);
    const member = await createMember("viewer");
    expect((await call("/api/auth/switch", jsonInit({}, member.headers))).status).toBe(400);
  });
});
