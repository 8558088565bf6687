// Sign-up: the answer never tells whether an email has an account; ALLOW_SIGNUP=false closes
// it on every installation; the platform operator comes from the seed or from a registration
// carrying OPERATOR_BOOTSTRAP_TOKEN, never from being first.
import { applyD1Migrations, createExecutionContext, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../worker/index.ts";
import { ORIGIN, OWNER_EMAIL, OWNER_PASSWORD, call, json, jsonInit, seedDatabase } from "./kit/fixtures.ts";

const PASSWORD = "a perfectly fine passphrase";
const BOOTSTRAP = "bootstrap-0123456789abcdefghijklmnopqrstuvwxyz";
let counter = 0;
const freshEmail = (prefix = "signup") => `${prefix}${++counter}.${Date.now().toString(36)}@example.com`;
const freshIp = () => `10.88.${Math.floor(++counter / 250)}.${counter % 250}`;

function fetchWithEnv(vars: Partial<Cloudflare.Env>, path: string, init: RequestInit): Promise<Response> {
  return Promise.resolve(worker.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...vars }, createExecutionContext()));
}

const register = (body: Record<string, unknown>, vars: Partial<Cloudflare.Env> = {}) => fetchWithEnv(vars, "/api/auth/register", jsonInit(body));
const login = (email: string, password: string) => call("/api/auth/login", jsonInit({ email, password }, { "cf-connecting-ip": freshIp() }));

async function countRows(table: "users" | "tenants" | "memberships"): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
}

interface Answer {
  status: number;
  body: string;
  cookie: boolean;
}

/** The answer with the email it names replaced, so two answers can be compared whole. */
async function answerOf(res: Response, email: string): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text.replaceAll(email, "<email>"), cookie: res.headers.getSetCookie().length > 0 };
}

describe("POST /api/auth/register", () => {
  it("answers a taken email exactly like a free one, and creates nothing for it", async () => {
    const before = { users: await countRows("users"), tenants: await countRows("tenants") };
    const taken = await answerOf(await register({ email: OWNER_EMAIL.toUpperCase(), password: PASSWORD }), OWNER_EMAIL.toUpperCase().toLowerCase());
    const fresh = freshEmail();
    const free = await answerOf(await register({ email: fresh, password: PASSWORD }), fresh);

    expect(taken).toEqual(free);
    expect(free.status).toBe(202);
    expect(free.cookie).toBe(false);
    expect(free.body).not.toContain("access_token");
    expect({ users: await countRows("users"), tenants: await countRows("tenants") }).toEqual({ users: before.users + 1, tenants: before.tenants + 1 });

    // The taken account is untouched: its own password still signs in, the one sent does not.
    expect((await login(OWNER_EMAIL, OWNER_PASSWORD)).status).toBe(200);
    expect((await login(OWNER_EMAIL, PASSWORD)).status).toBe(401);
  });

  it("creates an account that signs in with its email and password, owning a new tenant, not an operator", async () => {
    const email = freshEmail();
    expect((await register({ email, password: PASSWORD, tenant_name: "Fresh Co" })).status).toBe(202);
    const res = await login(email, PASSWORD);
    expect(res.status).toBe(200);
    const body = await json<{ user: { role: string; is_operator: boolean; tenant_id: string } }>(res);
    expect(body.user).toMatchObject({ role: "owner", is_operator: false });
  });

  it.each(["false", "FALSE", " false ", "0", "no", "off"])("is closed by ALLOW_SIGNUP=%j, for free and taken emails alike", async (value) => {
    for (const email of [freshEmail(), OWNER_EMAIL]) {
      const res = await register({ email, password: PASSWORD }, { ALLOW_SIGNUP: value });
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: "signup_disabled" } });
    }
  });

  it("refuses a bootstrap token while an operator exists (the seeded one)", async () => {
    const res = await register({ email: freshEmail(), password: PASSWORD, bootstrap_token: BOOTSTRAP }, { OPERATOR_BOOTSTRAP_TOKEN: BOOTSTRAP });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { code: "operator_exists" } });
  });
});

// Last: it empties the database, then seeds it again.
describe("an installation without an operator", () => {
  beforeAll(async () => {
    await reset();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });
  afterAll(async () => {
    await reset();
    await seedDatabase();
  });

  const operators = async () => (await env.DB.prepare("SELECT email FROM users WHERE is_operator = 1").all<{ email: string }>()).results.map((r) => r.email);

  it("does not make the first registrant the operator", async () => {
    const email = freshEmail("first");
    expect((await register({ email, password: PASSWORD })).status).toBe(202);
    expect(await operators()).toEqual([]);
  });

  it("stays closed with ALLOW_SIGNUP=false, whoever comes first", async () => {
    const res = await register({ email: freshEmail("early"), password: PASSWORD }, { ALLOW_SIGNUP: "false" });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: { code: "signup_disabled" } });
  });

  it("refuses a wrong bootstrap token, or any when none is configured, with 403", async () => {
    for (const [vars, token] of [
      [{ OPERATOR_BOOTSTRAP_TOKEN: BOOTSTRAP }, `${BOOTSTRAP}x`],
      [{ OPERATOR_BOOTSTRAP_TOKEN: BOOTSTRAP }, BOOTSTRAP.slice(0, -1)],
      [{}, BOOTSTRAP],
      [{ OPERATOR_BOOTSTRAP_TOKEN: "short" }, "short"],
    ] as const) {
      const res = await register({ email: freshEmail("guess"), password: PASSWORD, bootstrap_token: token }, vars);
      expect(res.status, token).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_bootstrap_token" } });
    }
    expect(await operators()).toEqual([]);
  });

  it("makes exactly one operator from concurrent registrations with the bootstrap token, even with sign-up closed", async () => {
    const vars = { OPERATOR_BOOTSTRAP_TOKEN: BOOTSTRAP, ALLOW_SIGNUP: "false" };
    const emails = [freshEmail("root"), freshEmail("root")];
    const answers = await Promise.all(emails.map((email) => register({ email, password: PASSWORD, bootstrap_token: BOOTSTRAP }, vars)));
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
    const [winner] = await operators();
    expect(emails).toContain(winner);

    const res = await login(winner!, PASSWORD);
    expect(res.status).toBe(200);
    expect((await json<{ user: { is_operator: boolean } }>(res)).user.is_operator).toBe(true);

    const late = await register({ email: freshEmail("late"), password: PASSWORD, bootstrap_token: BOOTSTRAP }, vars);
    expect(late.status).toBe(409);
    expect(await json(late)).toMatchObject({ error: { code: "operator_exists" } });
    expect(await operators()).toEqual([winner]);
  });
});
