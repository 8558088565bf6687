// The data every Worker test starts from: migrations applied and the first-start seed run,
// through the same seed module `npm start` uses.
import { applyD1Migrations } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { signAccessToken } from "../../worker/core/security/jwt.ts";
import { DUMMY_PASSWORD_HASH } from "../../worker/core/security/passwords.ts";
import { getDb } from "../../worker/db/client.ts";
import type { Role } from "../../worker/core/rbac.ts";
import { memberships, tenants, users } from "../../worker/db/schema.ts";
import { SEED_TENANT_ID, seedQueries } from "../../worker/seed.ts";

export const ORIGIN = "http://gateway.test";
export const OWNER_EMAIL = "owner@example.com";
export const OWNER_PASSWORD = "correct horse battery staple";
export const API_KEY = "sk-agg-test0000000000000000000000000000000000";
export const TENANT_ID = SEED_TENANT_ID;

export async function seedDatabase(): Promise<void> {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const db = getDb(env.DB);
  const queries = await seedQueries(db, { adminEmail: OWNER_EMAIL, adminPassword: OWNER_PASSWORD, apiKey: API_KEY, resetPassword: false });
  for (const query of queries) await query.run();
}

/** A request to the Worker under test, as a client on the network would send it. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

export function jsonInit(body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Member {
  userId: string;
  tenantId: string;
  email: string;
  token: string;
  headers: Record<string, string>;
}

let counter = 0;

/** A new tenant with nothing in it. */
export async function createTenant(name = "Other"): Promise<string> {
  const id = `ten_test${++counter}${Date.now().toString(36)}`;
  await getDb(env.DB).insert(tenants).values({ id, name, createdAt: Date.now() });
  return id;
}

/**
 * A user with a membership of `role` in `tenantId` and an access token for it (minted
 * directly: sign-in itself is tested in auth tests, and PBKDF2 per fixture is slow).
 */
export async function createMember(role: Role, tenantId: string = TENANT_ID, options: { operator?: boolean } = {}): Promise<Member> {
  const n = ++counter;
  const userId = `usr_test${n}${Date.now().toString(36)}`;
  const email = `${role}${n}@example.com`;
  const db = getDb(env.DB);
  await db.batch([
    db
      .insert(users)
      .values({ id: userId, email, name: `${role} ${n}`, passwordHash: DUMMY_PASSWORD_HASH, isOperator: options.operator ?? false, createdAt: Date.now() }),
    db.insert(memberships).values({ tenantId, userId, role, createdAt: Date.now() }),
  ]);
  const token = await signAccessToken(env.JWT_SECRET, { sub: userId, tid: tenantId, role, op: options.operator ?? false });
  return { userId, tenantId, email, token, headers: { authorization: `Bearer ${token}` } };
}

/** JSON body of a response, typed loosely for assertions. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface AuditJson {
  id: string;
  action: string;
  entity_type: string;
  tenant_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

let nameCounter = 0;
/** A name no other test uses. */
export const uniqueName = (prefix: string) => `${prefix}-${++nameCounter}-${Date.now().toString(36)}`;

/** The newest audit entry for an entity, as `who` sees it. */
export async function latestAudit(who: Member, entityId: string, scope: "tenant" | "platform" = "tenant"): Promise<AuditJson> {
  const res = await call(`/api/audit?entity_id=${encodeURIComponent(entityId)}&limit=1&scope=${scope}`, { headers: who.headers });
  if (res.status !== 200) throw new Error(`audit list answered ${res.status}: ${await res.text()}`);
  return (await json<{ data: AuditJson[] }>(res)).data[0]!;
}

export const rollback = (who: Member, auditId: string, force = false) => call(`/api/audit/${auditId}/rollback`, jsonInit({ force }, who.headers));

/** Credit for a tenant, through its gate (the only place a balance changes), once per call. */
export async function grantCredit(tenantId: string, micros: number): Promise<void> {
  const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
  await gate.credit(tenantId, { idempotencyKey: `test-grant:${crypto.randomUUID()}`, kind: "promo", amountMicros: micros, reason: "test credit" });
}

/** Writes what the tenant's AnalyticsHub holds to D1 now (it otherwise does so on its alarm). */
export async function flushAnalytics(tenantId: string): Promise<void> {
  await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).flush();
}

/** A call's request_log row, once its after-response work reached D1 (polls briefly). */
export async function requestLogRow<T = Record<string, unknown>>(tenantId: string, requestId: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    await flushAnalytics(tenantId);
    const row = await env.DB.prepare("SELECT * FROM request_log WHERE id = ?").bind(requestId).first<T>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request_log row for ${requestId}`);
}
