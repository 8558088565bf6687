// Rollback under the field-level rules of the direct endpoints (worker/core/field-access.ts):
// every entity kind the audit log can roll back × every role (owner, admin, developer, viewer)
// and the platform operator. A rollback that would change something the caller could not
// change directly — an operator-only tenant field, a price the operator set, a platform
// entity, the owner role, a URL today's guard refuses, another tenant's row — is refused whole
// (403 naming the fields, or 400 for a refused URL) and changes nothing; the roles that may
// change the fields still roll them back; system columns (the Stripe customer, a key's last
// use) keep their current values.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import type { EntityType, Row } from "../worker/core/audit.ts";
import { ENTITIES, findEntity } from "../worker/db/entities.ts";
import type { Role } from "../worker/core/rbac.ts";
import { apiKeys, auditLog, tenants } from "../worker/db/schema.ts";
import { call, createMember, createTenant, json, jsonInit, latestAudit, type Member, rollback, uniqueName } from "./kit/fixtures.ts";

type Who = Role | "operator";
const WHO: readonly Who[] = ["owner", "admin", "developer", "viewer", "operator"];

interface Team {
  tenantId: string;
  as: Record<Who, Member>;
}

/** A fresh tenant with one member of each role and the operator acting in it. */
async function team(): Promise<Team> {
  const tenantId = await createTenant("Rollback");
  const as = {} as Record<Who, Member>;
  for (const role of ["owner", "admin", "developer", "viewer"] as const) as[role] = await createMember(role, tenantId);
  as.operator = await createMember("owner", tenantId, { operator: true });
  return { tenantId, as };
}

async function send(who: Member, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await call(path, body === undefined ? { method, headers: who.headers } : jsonInit(body, who.headers, method));
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return json(res);
}

const db = () => getDb(env.DB);
const read = (type: EntityType, id: string) => findEntity(db(), ENTITIES[type], id).then((row) => row ?? null);

let crafted = 0;
/** An entry as if logged earlier (rows from before a rule existed, or that no endpoint writes today). */
async function craftEntry(tenantId: string | null, type: EntityType, entityId: string, before: Row | null, after: Row | null): Promise<string> {
  const id = `aud_crafted${++crafted}${Date.now().toString(36)}`;
  await db().insert(auditLog).values({ id, tenantId, actorId: null, action: "update", entityType: type, entityId, before, after, createdAt: Date.now() });
  return id;
}

async function tenantProvider(t: Team, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return send(t.as.admin, "POST", "/api/providers", {
    name: uniqueName("byok"),
    kind: "openai",
    api_key: "sk-tenant-own-key-0123456789",
    models: ["m1"],
    ...extra,
  });
}

interface Arranged {
  type: EntityType;
  entityId: string;
  auditId: string;
  force?: boolean;
  /** The entity as a successful rollback leaves it (matched; null: gone). */
  restored: Record<string, unknown> | null;
  /** For a 403 to an owner or admin: the fields the answer names. */
  fields?: string[];
  /** For a 400: the error code and field. */
  invalid?: { code: string; param: string };
}

interface Case {
  name: string;
  arrange(t: Team): Promise<Arranged>;
  /** The answer for each caller; developer and viewer lack audit:rollback (403) throughout. */
  expect: Record<Who, number>;
}

const managers = (status: number, operator = 200): Record<Who, number> => ({ owner: status, admin: status, developer: 403, viewer: 403, operator });

const CASES: Case[] = [
  // ── tenant ─────────────────────────────────────────────────────────────────────────────
  {
    name: "tenant: the operator's change of billing_enabled, gate_shards and markup_bps",
    expect: managers(403),
    async arrange(t) {
      await send(t.as.operator, "PATCH", "/api/tenant", { billing_enabled: false, gate_shards: 4, markup_bps: 250 });
      const entry = await latestAudit(t.as.operator, t.tenantId);
      return {
        type: "tenant",
        entityId: t.tenantId,
        auditId: entry.id,
        restored: { billingEnabled: true, gateShards: 1, markupBps: null },
        fields: ["billingEnabled", "gateShards", "markupBps"],
      };
    },
  },
  {
    name: "tenant: a manager's change forced back over the operator's later markup",
    expect: managers(403),
    async arrange(t) {
      await send(t.as.admin, "PATCH", "/api/tenant", { name: "Renamed", rpm_limit: 10 });
      const entry = await latestAudit(t.as.operator, t.tenantId);
      await send(t.as.operator, "PATCH", "/api/tenant", { markup_bps: 300 });
      return {
        type: "tenant",
        entityId: t.tenantId,
        auditId: entry.id,
        force: true,
        restored: { name: "Rollback", rpmLimit: null, markupBps: null },
        fields: ["markupBps"],
      };
    },
  },
  {
    name: "tenant: a manager's own change; the Stripe customer set since stays",
    expect: managers(200),
    async arrange(t) {
      await send(t.as.admin, "PATCH", "/api/tenant", { name: "Renamed", monthly_budget_micros: 5_000_000, alert_thresholds: [50] });
      const entry = await latestAudit(t.as.operator, t.tenantId);
      await db()
        .update(tenants)
        .set({ stripeCustomerId: `cus_${t.tenantId}` })
        .where(eq(tenants.id, t.tenantId));
      return {
        type: "tenant",
        entityId: t.tenantId,
        auditId: entry.id,
        restored: { name: "Rollback", monthlyBudgetMicros: null, alertThresholds: null, stripeCustomerId: `cus_${t.tenantId}` },
      };
    },
  },
  {
    name: "tenant: a low-balance threshold and a webhook secret rotation; the rotated secret stays rotated",
    expect: managers(200),
    async arrange(t) {
      await send(t.as.admin, "PUT", "/api/notifications/settings", { low_balance_micros: 7_000_000, rotate_secret: true });
      const entry = await latestAudit(t.as.operator, t.tenantId);
      expect(await read("tenant", t.tenantId)).toMatchObject({ lowBalanceMicros: 7_000_000, alertWebhookSecretVersion: 2 });
      return { type: "tenant", entityId: t.tenantId, auditId: entry.id, restored: { lowBalanceMicros: null, alertWebhookSecretVersion: 2 } };
    },
  },
  {
    name: "tenant: an alert webhook URL today's guard refuses (logged before the guard)",
    expect: managers(400),
    async arrange(t) {
      const row = (await read("tenant", t.tenantId))!;
      const auditId = await craftEntry(t.tenantId, "tenant", t.tenantId, { ...row, alertWebhookUrl: "http://169.254.169.254/latest/meta-data" }, row);
      return {
        type: "tenant",
        entityId: t.tenantId,
        auditId,
        restored: { alertWebhookUrl: "http://169.254.169.254/latest/meta-data" },
        invalid: { code: "url_not_allowed", param: "alertWebhookUrl" },
      };
    },
  },
  // ── price ──────────────────────────────────────────────────────────────────────────────
  {
    name: "price: a tenant price the operator set (operator_set), changed by the operator",
    expect: managers(403),
    async arrange(t) {
      const price = await send(t.as.operator, "POST", "/api/prices", { model: "demo/echo", input_per_mtok_micros: 100, output_per_mtok_micros: 200 });
      expect(await read("price", String(price.id))).toMatchObject({ tenantId: t.tenantId, operatorSet: true });
      await send(t.as.operator, "PATCH", `/api/prices/${String(price.id)}`, { input_per_mtok_micros: 1 });
      const entry = await latestAudit(t.as.operator, String(price.id));
      return { type: "price", entityId: String(price.id), auditId: entry.id, restored: { inputPerMTokMicros: 100, operatorSet: true }, fields: [] };
    },
  },
  {
    name: "price: restoring a deleted price the operator set",
    expect: managers(403),
    async arrange(t) {
      const price = await send(t.as.operator, "POST", "/api/prices", { model: "demo/lorem", input_per_mtok_micros: 100, output_per_mtok_micros: 200 });
      await send(t.as.operator, "DELETE", `/api/prices/${String(price.id)}`);
      const entry = await latestAudit(t.as.operator, String(price.id));
      return {
        type: "price",
        entityId: String(price.id),
        auditId: entry.id,
        restored: { inputPerMTokMicros: 100, operatorSet: true },
        fields: ["operatorSet"],
      };
    },
  },
  {
    name: "price: undoing the creation of a price the operator set (it would be deleted)",
    expect: managers(403),
    async arrange(t) {
      const price = await send(t.as.operator, "POST", "/api/prices", { model: "demo/embed", input_per_mtok_micros: 100, output_per_mtok_micros: 0 });
      const entry = await latestAudit(t.as.operator, String(price.id));
      return { type: "price", entityId: String(price.id), auditId: entry.id, restored: null, fields: ["operatorSet"] };
    },
  },
  {
    name: "price: the tenant's own price for its own provider",
    expect: managers(200),
    async arrange(t) {
      const provider = await tenantProvider(t);
      const price = await send(t.as.admin, "POST", "/api/prices", {
        model: `${String(provider.name)}/m1`,
        input_per_mtok_micros: 100,
        output_per_mtok_micros: 200,
      });
      await send(t.as.admin, "PATCH", `/api/prices/${String(price.id)}`, { input_per_mtok_micros: 5 });
      const entry = await latestAudit(t.as.admin, String(price.id));
      return { type: "price", entityId: String(price.id), auditId: entry.id, restored: { inputPerMTokMicros: 100, operatorSet: false } };
    },
  },
  {
    name: "price: a rollback that would turn the tenant's own price into an operator-set one",
    expect: managers(403),
    async arrange(t) {
      const provider = await tenantProvider(t);
      const price = await send(t.as.admin, "POST", "/api/prices", {
        model: `${String(provider.name)}/m1`,
        input_per_mtok_micros: 100,
        output_per_mtok_micros: 200,
      });
      const row = (await read("price", String(price.id)))!;
      const auditId = await craftEntry(t.tenantId, "price", String(price.id), { ...row, operatorSet: true, inputPerMTokMicros: 1 }, row);
      return { type: "price", entityId: String(price.id), auditId, restored: { operatorSet: true, inputPerMTokMicros: 1 }, fields: ["operatorSet"] };
    },
  },
  {
    name: "price: a rollback that would turn an operator-set price into the tenant's own",
    expect: managers(403),
    async arrange(t) {
      const price = await send(t.as.operator, "POST", "/api/prices", { model: "demo/rerank", input_per_mtok_micros: 100, output_per_mtok_micros: 0 });
      const row = (await read("price", String(price.id)))!;
      const auditId = await craftEntry(t.tenantId, "price", String(price.id), { ...row, operatorSet: false, inputPerMTokMicros: 0 }, row);
      return { type: "price", entityId: String(price.id), auditId, restored: { operatorSet: false, inputPerMTokMicros: 0 }, fields: ["operatorSet"] };
    },
  },
  {
    name: "price: a platform price (a platform entry, the operator's only)",
    expect: managers(404),
    async arrange(t) {
      const price = await send(t.as.operator, "POST", "/api/prices", {
        model: `${uniqueName("plat")}/m`,
        input_per_mtok_micros: 100,
        output_per_mtok_micros: 200,
        scope: "platform",
      });
      await send(t.as.operator, "PATCH", `/api/prices/${String(price.id)}`, { input_per_mtok_micros: 3 });
      const entry = await latestAudit(t.as.operator, String(price.id), "platform");
      return { type: "price", entityId: String(price.id), auditId: entry.id, restored: { inputPerMTokMicros: 100, tenantId: null } };
    },
  },
  // ── mcp_server ─────────────────────────────────────────────────────────────────────────
  {
    name: "mcp_server: the tenant's own",
    expect: managers(200),
    async arrange(t) {
      const server = await send(t.as.admin, "POST", "/api/mcp/servers", {
        name: uniqueName("tools"),
        url: "https://mcp.example.com/mcp",
        headers: { Authorization: "Bearer tenant-token" },
        tools: ["a"],
      });
      await send(t.as.admin, "PATCH", `/api/mcp/servers/${String(server.id)}`, { tools: ["b"], enabled: false });
      const entry = await latestAudit(t.as.admin, String(server.id));
      return { type: "mcp_server", entityId: String(server.id), auditId: entry.id, restored: { tools: ["a"], enabled: true } };
    },
  },
  {
    name: "mcp_server: a platform server (a platform entry, the operator's only)",
    expect: managers(404),
    async arrange(t) {
      const server = await send(t.as.operator, "POST", "/api/mcp/servers", { name: uniqueName("ptools"), url: "https://mcp.example.com/p", scope: "platform" });
      await send(t.as.operator, "PATCH", `/api/mcp/servers/${String(server.id)}`, { enabled: false });
      const entry = await latestAudit(t.as.operator, String(server.id), "platform");
      return { type: "mcp_server", entityId: String(server.id), auditId: entry.id, restored: { enabled: true, tenantId: null } };
    },
  },
  // ── provider ───────────────────────────────────────────────────────────────────────────
  {
    name: "provider: the tenant's own",
    expect: managers(200),
    async arrange(t) {
      const provider = await tenantProvider(t, { weight: 2 });
      await send(t.as.admin, "PATCH", `/api/providers/${String(provider.id)}`, { weight: 9, enabled: false });
      const entry = await latestAudit(t.as.admin, String(provider.id));
      return { type: "provider", entityId: String(provider.id), auditId: entry.id, restored: { weight: 2, enabled: true } };
    },
  },
  {
    name: "provider: a platform provider (a platform entry, the operator's only)",
    expect: managers(404),
    async arrange(t) {
      const provider = await send(t.as.operator, "POST", "/api/providers", {
        name: uniqueName("plat"),
        kind: "demo",
        models: ["echo"],
        weight: 2,
        scope: "platform",
      });
      await send(t.as.operator, "PATCH", `/api/providers/${String(provider.id)}`, { weight: 5 });
      const entry = await latestAudit(t.as.operator, String(provider.id), "platform");
      return { type: "provider", entityId: String(provider.id), auditId: entry.id, restored: { weight: 2, tenantId: null } };
    },
  },
  {
    name: "provider: a tenant entry whose row would become a platform provider",
    expect: managers(403, 403),
    async arrange(t) {
      const provider = await tenantProvider(t);
      const row = (await read("provider", String(provider.id)))!;
      const auditId = await craftEntry(t.tenantId, "provider", String(provider.id), { ...row, tenantId: null, weight: 7 }, row);
      return { type: "provider", entityId: String(provider.id), auditId, restored: null, fields: ["tenantId"] };
    },
  },
  {
    name: "provider: a tenant entry whose row would move to another tenant",
    expect: managers(403, 403),
    async arrange(t) {
      const other = await createTenant("Elsewhere");
      const provider = await tenantProvider(t);
      const row = (await read("provider", String(provider.id)))!;
      const auditId = await craftEntry(t.tenantId, "provider", String(provider.id), { ...row, tenantId: other }, row);
      return { type: "provider", entityId: String(provider.id), auditId, restored: null, fields: ["tenantId"] };
    },
  },
  {
    name: "provider: a base URL (and the key sent to it) today's guard refuses, logged before the guard",
    expect: managers(400),
    async arrange(t) {
      const provider = await tenantProvider(t, { kind: "openai-compatible", base_url: "https://llm.example.com/v1" });
      const row = (await read("provider", String(provider.id)))!;
      const auditId = await craftEntry(t.tenantId, "provider", String(provider.id), { ...row, baseUrl: "http://127.0.0.1:11434/v1" }, row);
      return {
        type: "provider",
        entityId: String(provider.id),
        auditId,
        restored: { baseUrl: "http://127.0.0.1:11434/v1" },
        invalid: { code: "url_not_allowed", param: "baseUrl" },
      };
    },
  },
  // ── api_key ────────────────────────────────────────────────────────────────────────────
  {
    name: "api_key: a change of name and limits; its last use since stays",
    expect: managers(200),
    async arrange(t) {
      const key = await send(t.as.developer, "POST", "/api/keys", { name: "v1", rpm_limit: 5 });
      await send(t.as.developer, "PATCH", `/api/keys/${String(key.id)}`, { name: "v2", rpm_limit: 50 });
      const entry = await latestAudit(t.as.admin, String(key.id));
      await db()
        .update(apiKeys)
        .set({ lastUsedAt: 1_700_000_000_000 })
        .where(eq(apiKeys.id, String(key.id)));
      return { type: "api_key", entityId: String(key.id), auditId: entry.id, restored: { name: "v1", rpmLimit: 5, lastUsedAt: 1_700_000_000_000 } };
    },
  },
  {
    name: "api_key: a revocation",
    expect: managers(200),
    async arrange(t) {
      const key = await send(t.as.developer, "POST", "/api/keys", { name: "revoked" });
      await send(t.as.developer, "DELETE", `/api/keys/${String(key.id)}`);
      const entry = await latestAudit(t.as.admin, String(key.id));
      return { type: "api_key", entityId: String(key.id), auditId: entry.id, restored: { revokedAt: null } };
    },
  },
  // ── route ──────────────────────────────────────────────────────────────────────────────
  {
    name: "route: a change of strategy and retries",
    expect: managers(200),
    async arrange(t) {
      const route = await send(t.as.developer, "POST", "/api/routes", { alias: uniqueName("alias"), targets: [{ model: "demo/echo" }] });
      await send(t.as.developer, "PATCH", `/api/routes/${String(route.id)}`, { retries: 3, strategy: "weighted" });
      const entry = await latestAudit(t.as.admin, String(route.id));
      return { type: "route", entityId: String(route.id), auditId: entry.id, restored: { retries: 0, strategy: "fallback" } };
    },
  },
  // ── membership ─────────────────────────────────────────────────────────────────────────
  {
    name: "membership: a role change between developer and viewer",
    expect: managers(200),
    async arrange(t) {
      const member = await createMember("developer", t.tenantId);
      await send(t.as.admin, "PATCH", `/api/users/${member.userId}`, { role: "viewer" });
      const id = `${t.tenantId}:${member.userId}`;
      const entry = await latestAudit(t.as.admin, id);
      return { type: "membership", entityId: id, auditId: entry.id, restored: { role: "developer" } };
    },
  },
  {
    name: "membership: a promotion to owner (the owner role is for owners)",
    expect: { owner: 200, admin: 403, developer: 403, viewer: 403, operator: 200 },
    async arrange(t) {
      const member = await createMember("developer", t.tenantId);
      await send(t.as.owner, "PATCH", `/api/users/${member.userId}`, { role: "owner" });
      const id = `${t.tenantId}:${member.userId}`;
      const entry = await latestAudit(t.as.owner, id);
      return { type: "membership", entityId: id, auditId: entry.id, restored: { role: "developer" }, fields: ["role"] };
    },
  },
  // ── end user ───────────────────────────────────────────────────────────────────────────
  {
    name: "end_user: a change of one end user's limits",
    expect: managers(200),
    async arrange(t) {
      const user = uniqueName("enduser");
      await send(t.as.admin, "PUT", `/api/end-users/${user}`, { rpm_limit: 10 });
      await send(t.as.admin, "PUT", `/api/end-users/${user}`, { rpm_limit: 1000, budget_micros: 5 });
      const id = `${t.tenantId}:${user}`;
      const entry = await latestAudit(t.as.admin, id);
      return { type: "end_user", entityId: id, auditId: entry.id, restored: { rpmLimit: 10, budgetMicros: null } };
    },
  },
  // ── invitation ─────────────────────────────────────────────────────────────────────────
  {
    name: "invitation: a revocation",
    expect: managers(200),
    async arrange(t) {
      const invitation = await send(t.as.admin, "POST", "/api/users/invitations", { email: `${uniqueName("inv")}@example.com`, role: "viewer" });
      await send(t.as.admin, "DELETE", `/api/users/invitations/${String(invitation.id)}`);
      const entry = await latestAudit(t.as.admin, String(invitation.id));
      return { type: "invitation", entityId: String(invitation.id), auditId: entry.id, restored: { revokedAt: null, role: "viewer" } };
    },
  },
  {
    name: "invitation: undoing an invitation as owner (the owner role is for owners)",
    expect: { owner: 200, admin: 403, developer: 403, viewer: 403, operator: 200 },
    async arrange(t) {
      const invitation = await send(t.as.owner, "POST", "/api/users/invitations", { email: `${uniqueName("inv")}@example.com`, role: "owner" });
      const entry = await latestAudit(t.as.owner, String(invitation.id));
      return { type: "invitation", entityId: String(invitation.id), auditId: entry.id, restored: null, fields: ["role"] };
    },
  },
];

describe("rollback under the field-level rules, every entity kind × every role", () => {
  it("lists every entity kind the audit log can roll back", () => {
    expect(new Set(CASES.map((c) => c.name.split(":")[0]))).toEqual(new Set(Object.keys(ENTITIES)));
  });

  for (const kase of CASES) {
    describe(kase.name, () => {
      for (const who of WHO) {
        const status = kase.expect[who];
        it(`${who}: ${status}`, async () => {
          const t = await team();
          const arranged = await kase.arrange(t);
          const before = await read(arranged.type, arranged.entityId);
          const res = await rollback(t.as[who], arranged.auditId, arranged.force ?? false);
          const body = await json<{ error?: { code: string; param?: string; fields?: string[] } }>(res);
          expect(res.status, JSON.stringify(body)).toBe(status);
          const after = await read(arranged.type, arranged.entityId);
          if (status === 200) {
            if (arranged.restored === null) expect(after).toBeNull();
            else expect(after).toMatchObject(arranged.restored);
            return;
          }
          // Refused: nothing changed, and nothing was logged as a rollback.
          expect(after).toEqual(before);
          expect(await db().select().from(auditLog).where(eq(auditLog.rollbackOf, arranged.auditId)).all()).toHaveLength(0);
          if (status === 403 && (who === "owner" || who === "admin" || who === "operator") && arranged.fields) {
            expect(body.error).toMatchObject({ code: "forbidden", fields: arranged.fields });
            if (arranged.fields.length) expect(body.error?.param).toBe(arranged.fields[0]);
          }
          if (status === 400 && arranged.invalid) expect(body.error).toMatchObject(arranged.invalid);
        });
      }
    });
  }
});
