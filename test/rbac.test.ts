// The permission matrix, route by route: every /api endpoint × every role, the operator, no
// token, and a member of another tenant. The expected table is written here by hand, not derived
// from worker/core/rbac.ts, and must list every endpoint the API registers.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { apiDocs } from "../worker/api/index.ts";
import type { Role } from "../worker/core/rbac.ts";
import { getDb } from "../worker/db/client.ts";
import { insertRequestLog } from "../worker/db/request-log.ts";
import { type Member, TENANT_ID, call, createMember, createTenant, json, jsonInit } from "./kit/fixtures.ts";

const ALL: Role[] = ["owner", "admin", "developer", "viewer"];
const MANAGERS: Role[] = ["owner", "admin"];
const BUILDERS: Role[] = ["owner", "admin", "developer"];

type Expected = "public" | "signed-in" | Role[];

const EXPECTED: Record<string, Expected> = {
  "GET /api/health": "public",
  "POST /api/auth/register": "public",
  "POST /api/auth/login": "public",
  "POST /api/auth/refresh": "public",
  "POST /api/auth/logout": "public",
  "GET /api/auth/me": "signed-in",
  "POST /api/auth/switch": "signed-in",
  "POST /api/auth/accept-invitation": "public",
  "GET /api/users": ALL,
  "GET /api/users/invitations": ALL,
  "POST /api/users/invitations": MANAGERS,
  "DELETE /api/users/invitations/:id": MANAGERS,
  "PATCH /api/users/:userId": MANAGERS,
  "DELETE /api/users/:userId": MANAGERS,
  "GET /api/keys": ALL,
  "GET /api/keys/:id": ALL,
  "POST /api/keys": BUILDERS,
  "PATCH /api/keys/:id": BUILDERS,
  "DELETE /api/keys/:id": BUILDERS,
  "GET /api/audit": MANAGERS,
  "GET /api/audit/:id": MANAGERS,
  "POST /api/audit/:id/rollback": MANAGERS,
  "GET /api/providers": ALL,
  "GET /api/providers/:id": ALL,
  "POST /api/providers": MANAGERS,
  "PATCH /api/providers/:id": MANAGERS,
  "DELETE /api/providers/:id": MANAGERS,
  "POST /api/providers/:id/test": MANAGERS,
  "GET /api/mcp/servers": ALL,
  "GET /api/mcp/servers/:id": ALL,
  "POST /api/mcp/servers": MANAGERS,
  "PATCH /api/mcp/servers/:id": MANAGERS,
  "DELETE /api/mcp/servers/:id": MANAGERS,
  "POST /api/mcp/servers/:id/test": MANAGERS,
  "GET /api/prices": ALL,
  "GET /api/prices/:id": ALL,
  "GET /api/prices/models": ALL,
  "POST /api/prices": MANAGERS,
  "PATCH /api/prices/:id": MANAGERS,
  "DELETE /api/prices/:id": MANAGERS,
  "GET /api/routes": ALL,
  "GET /api/routes/:id": ALL,
  "POST /api/routes": BUILDERS,
  "PATCH /api/routes/:id": BUILDERS,
  "DELETE /api/routes/:id": BUILDERS,
  "GET /api/end-users": ALL,
  "PUT /api/end-users/:user": MANAGERS,
  "DELETE /api/end-users/:user": MANAGERS,
  "GET /api/tenant": ALL,
  "PATCH /api/tenant": MANAGERS,
  "GET /api/diagnostics": ALL,
  "GET /api/analytics": ALL,
  "GET /api/analytics/export": ALL,
  "GET /api/requests": ALL,
  "GET /api/requests/:id": ALL,
  "POST /api/analytics/tokens": ALL,
  "GET /api/analytics/tokens": ALL,
  "DELETE /api/analytics/tokens/:id": ALL,
  "POST /api/analytics/live/ticket": ALL,
  "GET /api/analytics/live": ALL,
  "GET /api/metrics": ALL,
  "GET /api/billing": MANAGERS,
  "GET /api/billing/ledger": MANAGERS,
  "POST /api/billing/adjustments": [],
  "GET /api/billing/reconcile": MANAGERS,
  "GET /api/notifications": MANAGERS,
  "GET /api/notifications/stream": MANAGERS,
  "GET /api/notifications/settings": MANAGERS,
  "PUT /api/notifications/settings": MANAGERS,
  "GET /api/notifications/preferences": "signed-in",
  "PUT /api/notifications/preferences": "signed-in",
  "GET /api/push/vapid-public-key": "signed-in",
  "GET /api/push/subscriptions": "signed-in",
  "POST /api/push/subscriptions": "signed-in",
  "DELETE /api/push/subscriptions/:id": "signed-in",
  "POST /api/push/test": "signed-in",
  "POST /api/payments/stripe/checkout": ["owner"],
  "POST /api/payments/stripe/webhook": "public",
  "POST /api/payments/paypal/orders": ["owner"],
  "POST /api/payments/paypal/orders/:id/capture": ["owner"],
  "POST /api/payments/paypal/webhook": "public",
};

const endpoints = apiDocs.map((d) => ({ method: d.method.toUpperCase(), path: d.path, key: `${d.method.toUpperCase()} ${d.path}` }));
const guarded = endpoints.filter((e) => Array.isArray(EXPECTED[e.key]));

function request(method: string, path: string, headers: Record<string, string>, ids: Record<string, string> = {}, body: unknown = {}) {
  const url = path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? "does-not-exist");
  return method === "GET" || method === "DELETE" ? call(url, { method, headers }) : call(url, jsonInit(body, headers, method));
}

/** Valid bodies, so a refusal cannot hide behind a validation error. */
const VALID_PATCH: Record<string, unknown> = {
  "/api/users/:userId": { role: "viewer" },
  "/api/keys/:id": { name: "renamed" },
  "/api/providers/:id": { enabled: false },
  "/api/mcp/servers/:id": { enabled: false },
  "/api/prices/:id": { input_per_mtok_micros: 5 },
  "/api/routes/:id": { retries: 1 },
};

const members = {} as Record<Role | "operator", Member>;
beforeAll(async () => {
  for (const role of ALL) members[role] = await createMember(role);
  members.operator = await createMember("viewer", undefined, { operator: true });
});

describe("RBAC matrix", () => {
  it("has an expected answer for every registered endpoint, and no stale ones", () => {
    expect(endpoints.map((e) => e.key).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(guarded.map((e) => [e.key, e] as const))("%s", async (_key, endpoint) => {
    const allowed = EXPECTED[endpoint.key] as Role[];
    for (const role of ALL) {
      const res = await request(endpoint.method, endpoint.path, members[role].headers);
      if (allowed.includes(role)) {
        expect([401, 403], `${role} should be let through`).not.toContain(res.status);
      } else {
        expect(res.status, `${role} should be refused`).toBe(403);
        expect(await json(res)).toMatchObject({ error: { code: "forbidden" } });
      }
      expect(res.status, `${role}: no input may make a 5xx`).toBeLessThan(500);
    }
    const operator = await request(endpoint.method, endpoint.path, members.operator.headers);
    expect([401, 403], "the operator holds every permission").not.toContain(operator.status);
    const anonymous = await request(endpoint.method, endpoint.path, {});
    expect(anonymous.status, "no token").toBe(401);
  });

  it("asks every signed-in endpoint for a token", async () => {
    for (const e of endpoints.filter((x) => EXPECTED[x.key] === "signed-in")) {
      expect((await request(e.method, e.path, {})).status, e.key).toBe(401);
    }
  });
});

describe("another tenant's member", () => {
  it("gets 404 for every id of ours and never sees our rows in a list", async () => {
    const admin = await createMember("admin");
    const owner = await createMember("owner");
    const created = async (path: string, body: unknown) => {
      const res = await call(path, jsonInit(body, owner.headers));
      expect(res.status, path).toBe(201);
      return json<{ id: string }>(res);
    };
    const key = await created("/api/keys", { name: "ours" });
    const provider = await created("/api/providers", { name: `ours-${Date.now().toString(36)}`, kind: "demo", models: ["echo"] });
    const price = await created("/api/prices", { model: "ours/model", input_per_mtok_micros: 1, output_per_mtok_micros: 2 });
    const mcpServer = await created("/api/mcp/servers", { name: `ours-${Date.now().toString(36)}`, url: "https://mcp.example.com/mcp" });
    const route = await created("/api/routes", { alias: `ours-${Date.now().toString(36)}`, targets: [{ model: "demo/echo" }] });
    const invitation = await created("/api/users/invitations", { email: "invitee@example.com", role: "viewer" });
    const readToken = await created("/api/analytics/tokens", { expires_in_days: 1 });
    const audit = (await json<{ data: { id: string }[] }>(await call("/api/audit?limit=1", { headers: owner.headers }))).data[0]!;
    const requestId = `req_rbac_${Date.now().toString(36)}`;
    await insertRequestLog(getDb(env.DB), {
      id: requestId,
      tenantId: TENANT_ID,
      endpoint: "chat.completions",
      status: 200,
      latencyMs: 1,
      createdAt: Date.now(),
    });
    const ids: Record<string, Record<string, string>> = {
      "/api/keys/:id": { id: key.id },
      "/api/providers/:id": { id: provider.id },
      "/api/providers/:id/test": { id: provider.id },
      "/api/mcp/servers/:id": { id: mcpServer.id },
      "/api/mcp/servers/:id/test": { id: mcpServer.id },
      "/api/prices/:id": { id: price.id },
      "/api/routes/:id": { id: route.id },
      "/api/users/invitations/:id": { id: invitation.id },
      "/api/users/:userId": { userId: admin.userId },
      "/api/audit/:id": { id: audit.id },
      "/api/audit/:id/rollback": { id: audit.id },
      "/api/analytics/tokens/:id": { id: readToken.id },
      "/api/requests/:id": { id: requestId },
    };
    const outsider = await createMember("owner", await createTenant());
    const endUser = `ours-end-user-${Date.now().toString(36)}`;
    expect((await call(`/api/end-users/${endUser}`, jsonInit({ rpm_limit: 5 }, owner.headers, "PUT"))).status).toBe(200);
    // An end user's name is the tenant's own namespace (another tenant may name one the same): not an id of ours.
    for (const e of endpoints.filter((x) => x.path.includes(":") && !x.path.includes(":user"))) {
      const res = await request(e.method, e.path, outsider.headers, ids[e.path], e.method === "PATCH" ? VALID_PATCH[e.path] : {});
      expect(res.status, e.key).toBe(404);
    }
    const ours = [key.id, provider.id, mcpServer.id, price.id, route.id, invitation.id, admin.userId, audit.id, readToken.id, endUser, requestId];
    for (const e of endpoints.filter((x) => x.method === "GET" && !x.path.includes(":") && Array.isArray(EXPECTED[x.key]))) {
      const text = await (await request(e.method, e.path, outsider.headers)).text();
      for (const id of ours) expect(text, `${e.key} leaks ${id}`).not.toContain(id);
    }
    // …and everything of ours is still there.
    expect((await call(`/api/keys/${key.id}`, { headers: owner.headers })).status).toBe(200);
    expect((await call(`/api/requests/${requestId}`, { headers: owner.headers })).status).toBe(200);
  });
});
