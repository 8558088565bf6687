// The control plane's first routes: health, sign-in, errors in the /api format.
import { describe, expect, it } from "vitest";
import { diagnosticsView } from "../worker/api/diagnostics.ts";
import { healthView } from "../worker/api/health.ts";
import { API_KEY, OWNER_EMAIL, OWNER_PASSWORD, TENANT_ID, bearer, call, createMember, jsonInit } from "./kit/fixtures.ts";

async function login(email = OWNER_EMAIL, password = OWNER_PASSWORD) {
  return call("/api/auth/login", jsonInit({ email, password }));
}

describe("GET /api/health", () => {
  it("reports D1 and both Durable Objects reachable", async () => {
    const res = await call("/api/health");
    expect(res.status).toBe(200);
    // Parsed with the documented schema: the PWA's generated types rely on it.
    expect(healthView.parse(await res.json())).toMatchObject({
      status: "ok",
      checks: { d1: { ok: true }, tenantGate: { ok: true }, analyticsHub: { ok: true } },
    });
  });
});

describe("errors on /api", () => {
  it("answers an unknown path with a JSON 404, never the SPA", async () => {
    const res = await call("/api/x");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: "unknown_url", message: "Unknown endpoint: GET /api/x" } });
  });

  it("puts a request id on every response", async () => {
    const [a, b] = await Promise.all([call("/api/health"), call("/api/nothing")]);
    expect(a.headers.get("x-request-id")).toMatch(/^req_[0-9a-z]{20}$/);
    expect(b.headers.get("x-request-id")).toMatch(/^req_[0-9a-z]{20}$/);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });

  it("sends security headers", async () => {
    const res = await call("/api/health");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const res = await call("/api/auth/login", jsonInit({ email: "a@b.c", password: "x".repeat(1100 * 1024) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "request_too_large" } });
  });

  it("answers invalid JSON with a 400 naming the problem", async () => {
    const res = await call("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: '{"email":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_json" } });
  });
});

describe("POST /api/auth/login", () => {
  it("returns an access token and the user", async () => {
    const res = await login(OWNER_EMAIL.toUpperCase());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; user: Record<string, unknown> };
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(900);
    expect(body.access_token.split(".")).toHaveLength(3);
    expect(body.user).toMatchObject({ email: OWNER_EMAIL, role: "owner", tenant_id: TENANT_ID, is_operator: true });
  });

  it("gives the same answer for a wrong password and an unknown email", async () => {
    const wrong = await login(OWNER_EMAIL, "wrong password");
    const unknown = await login("nobody@example.com", "wrong password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("validates the body", async () => {
    const res = await call("/api/auth/login", jsonInit({ email: OWNER_EMAIL }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_request", param: "password" } });
  });
});

describe("GET /api/auth/me", () => {
  it("returns the user and the tenant for a valid token", async () => {
    const { access_token } = (await (await login()).json()) as { access_token: string };
    const res = await call("/api/auth/me", { headers: bearer(access_token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: OWNER_EMAIL }, tenant: { id: TENANT_ID, name: "Default" } });
  });

  it.each([
    ["no token", {}],
    ["a garbage token", bearer("not-a-jwt")],
    ["an unsigned token", bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.")],
  ])("rejects %s with 401", async (_name, headers) => {
    const res = await call("/api/auth/me", { headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: expect.stringMatching(/^(unauthenticated|invalid_token)$/) } });
  });
});

describe("GET /api/diagnostics", () => {
  it("reports checks, providers with circuit state, recent errors and build", async () => {
    const member = await createMember("viewer");
    // An error of this tenant's, to show up among the recent ones.
    await call("/v1/chat/completions", jsonInit({ model: "demo/nope", messages: [{ role: "user", content: "x" }] }, { authorization: `Bearer ${API_KEY}` }));
    const res = await call("/api/diagnostics", { headers: member.headers });
    expect(res.status).toBe(200);
    const body = diagnosticsView.parse(await res.json());
    expect(body.checks.d1.ok).toBe(true);
    expect(body.providers).toContainEqual(expect.objectContaining({ name: "demo", circuit: "closed" }));
    expect(body.build.id).toBe("dev");
    // Money is for roles with billing:read only.
    expect(body.gate).toMatchObject({ billingEnabled: expect.any(Boolean), openReservations: expect.any(Number) });
    expect(body.gate).not.toHaveProperty("balanceMicros");
    expect(body.gate).not.toHaveProperty("reservedMicros");
    expect(body.gate).not.toHaveProperty("monthSpendMicros");
  });

  it("shows the balance and spend to roles with billing:read only", async () => {
    for (const role of ["developer", "viewer"] as const) {
      const text = await (await call("/api/diagnostics", { headers: (await createMember(role)).headers })).text();
      expect(text, role).not.toMatch(/balanceMicros|reservedMicros|monthSpendMicros/);
    }
    for (const role of ["owner", "admin"] as const) {
      const body = diagnosticsView.parse(await (await call("/api/diagnostics", { headers: (await createMember(role)).headers })).json());
      expect(body.gate?.balanceMicros, role).toBeGreaterThan(0);
      expect(body.gate, role).toMatchObject({ reservedMicros: expect.any(Number), monthSpendMicros: expect.any(Number) });
    }
  });
});

describe("CORS", () => {
  it("lets any origin call the gateway, with the headers a client needs", async () => {
    const preflight = await call("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const res = await call("/v1/models", { headers: { origin: "https://app.example", authorization: `Bearer ${API_KEY}` } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("gives other origins no access to the control plane", async () => {
    const preflight = await call("/api/keys", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const res = await call("/api/health", { headers: { origin: "https://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
