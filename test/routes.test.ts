// /api/routes end to end: alias validation (never a '/'), per-tenant uniqueness, roles,
// tenant isolation, and every change audited and reversible.
import { beforeAll, describe, expect, it } from "vitest";
import { type Member, call, createMember, createTenant, json, jsonInit, latestAudit, rollback, uniqueName } from "./kit/fixtures.ts";

interface RouteJson {
  id: string;
  alias: string;
  strategy: string;
  targets: { model: string; weight?: number }[];
  retries: number;
  timeout_ms: number | null;
  cache_ttl_seconds: number | null;
  updated_at: string | null;
}

let admin: Member;
beforeAll(async () => {
  admin = await createMember("admin");
});

const routeBody = (overrides: Record<string, unknown> = {}) => ({
  alias: uniqueName("smart"),
  targets: [{ model: "demo/echo" }, { model: "demo/lorem" }],
  ...overrides,
});

async function createRoute(body: Record<string, unknown> = routeBody(), who: Member = admin): Promise<RouteJson> {
  const res = await call("/api/routes", jsonInit(body, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<RouteJson>(res);
}

const getRoute = (id: string, who: Member = admin) => call(`/api/routes/${id}`, { headers: who.headers });
const patchRoute = (id: string, body: unknown, who: Member = admin) => call(`/api/routes/${id}`, jsonInit(body, who.headers, "PATCH"));
const deleteRoute = (id: string, who: Member = admin) => call(`/api/routes/${id}`, { method: "DELETE", headers: who.headers });

describe("routes", () => {
  it("creates an alias with defaults and lists it", async () => {
    const created = await createRoute(routeBody({ targets: [{ model: "openai/gpt-4o-mini", weight: 3 }, { model: "anthropic/claude-haiku-4-5" }] }));
    expect(created).toMatchObject({
      strategy: "fallback",
      retries: 0,
      timeout_ms: null,
      cache_ttl_seconds: null,
      targets: [{ model: "openai/gpt-4o-mini", weight: 3 }, { model: "anthropic/claude-haiku-4-5" }],
    });
    const list = await json<{ data: RouteJson[] }>(await call("/api/routes", { headers: admin.headers }));
    expect(list.data.find((r) => r.id === created.id)).toEqual(created);
    expect(await json(await getRoute(created.id))).toEqual(created);

    const full = await createRoute(routeBody({ strategy: "weighted", retries: 5, timeout_ms: 100, cache_ttl_seconds: 60 }));
    expect(full).toMatchObject({ strategy: "weighted", retries: 5, timeout_ms: 100, cache_ttl_seconds: 60 });
  });

  it("validates bodies with a 400 naming the field", async () => {
    const tooMany = Array.from({ length: 11 }, () => ({ model: "demo/echo" }));
    for (const [body, param] of [
      [{ ...routeBody(), alias: "openai/gpt-4o" }, "alias"],
      [{ ...routeBody(), alias: "" }, "alias"],
      [{ ...routeBody(), alias: "has space" }, "alias"],
      [{ ...routeBody(), alias: "-lead" }, "alias"],
      [{ ...routeBody(), strategy: "random" }, "strategy"],
      [{ ...routeBody(), targets: [] }, "targets"],
      [{ ...routeBody(), targets: tooMany }, "targets"],
      [{ ...routeBody(), targets: [{ model: "gpt-4o" }] }, "targets.0.model"],
      [{ ...routeBody(), targets: [{ model: "/gpt-4o" }] }, "targets.0.model"],
      [{ ...routeBody(), targets: [{ model: "Open AI/gpt-4o" }] }, "targets.0.model"],
      [{ ...routeBody(), targets: [{ model: "demo/echo", weight: 0 }] }, "targets.0.weight"],
      [{ ...routeBody(), retries: 6 }, "retries"],
      [{ ...routeBody(), retries: -1 }, "retries"],
      [{ ...routeBody(), timeout_ms: 99 }, "timeout_ms"],
      [{ ...routeBody(), timeout_ms: 600_001 }, "timeout_ms"],
      [{ ...routeBody(), cache_ttl_seconds: 1.5 }, "cache_ttl_seconds"],
      [{ targets: [{ model: "demo/echo" }] }, "alias"],
      [{ ...routeBody(), surprise: 1 }, undefined],
    ] as const) {
      const res = await call("/api/routes", jsonInit(body, admin.headers));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await json<{ error: { code: string; param?: string } }>(res)).error;
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param, JSON.stringify(body)).toBe(param);
    }
  });

  it("answers 409 for an alias taken in the tenant, and allows it in another", async () => {
    const alias = uniqueName("dup");
    await createRoute(routeBody({ alias }));
    const again = await call("/api/routes", jsonInit(routeBody({ alias }), admin.headers));
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: { code: "route_exists", param: "alias" } });

    const second = await createRoute();
    const rename = await patchRoute(second.id, { alias });
    expect(rename.status).toBe(409);
    expect((await patchRoute(second.id, { alias: second.alias, retries: 2 })).status).toBe(200);

    await createRoute(routeBody({ alias }), await createMember("developer", await createTenant()));

    // Concurrent creates of one alias: one wins, the others are a 409, never a 500.
    const raced = uniqueName("race");
    const statuses = await Promise.all([1, 2, 3].map(() => call("/api/routes", jsonInit(routeBody({ alias: raced }), admin.headers)).then((r) => r.status)));
    expect(statuses.sort()).toEqual([201, 409, 409]);
  });

  it("lets developers write and viewers only read", async () => {
    const developer = await createMember("developer");
    const viewer = await createMember("viewer");
    const created = await createRoute(routeBody(), developer);
    expect((await patchRoute(created.id, { retries: 1 }, developer)).status).toBe(200);
    expect((await call("/api/routes", jsonInit(routeBody(), viewer.headers))).status).toBe(403);
    expect((await patchRoute(created.id, { retries: 2 }, viewer)).status).toBe(403);
    expect((await deleteRoute(created.id, viewer)).status).toBe(403);
    expect((await getRoute(created.id, viewer)).status).toBe(200);
    expect((await deleteRoute(created.id, developer)).status).toBe(200);
  });

  it("never shows or changes another tenant's routes", async () => {
    const mine = await createRoute();
    const outsider = await createMember("owner", await createTenant());
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { retries: 1 }],
      ["DELETE", undefined],
    ] as const) {
      const res = await call(`/api/routes/${mine.id}`, body ? jsonInit(body, outsider.headers, method) : { method, headers: outsider.headers });
      expect(res.status, method).toBe(404);
    }
    expect((await json<{ data: RouteJson[] }>(await call("/api/routes", { headers: outsider.headers }))).data).toEqual([]);
    expect(await json(await getRoute(mine.id))).toMatchObject({ retries: 0 });
  });
});

describe("audit and rollback of routes", () => {
  it("rolls back an update, then rolls back the rollback", async () => {
    const created = await createRoute();
    const changed = { strategy: "lowest-latency", targets: [{ model: "demo/lorem", weight: 2 }], retries: 3, timeout_ms: 5000 };
    expect((await patchRoute(created.id, changed)).status).toBe(200);
    const update = await latestAudit(admin, created.id);
    expect(update).toMatchObject({ action: "update", before: { strategy: "fallback" }, after: { strategy: "lowest-latency", retries: 3 } });

    expect((await rollback(admin, update.id)).status).toBe(200);
    expect(await json(await getRoute(created.id))).toMatchObject({ strategy: "fallback", targets: created.targets, retries: 0, timeout_ms: null });
    const undo = await latestAudit(admin, created.id);
    expect(undo.action).toBe("rollback");
    expect((await rollback(admin, undo.id)).status).toBe(200);
    expect(await json(await getRoute(created.id))).toMatchObject(changed);
  });

  it("restores a deleted route, and deletes it again on rolling that back", async () => {
    const created = await createRoute();
    await deleteRoute(created.id);
    expect((await getRoute(created.id)).status).toBe(404);
    const deletion = await latestAudit(admin, created.id);
    expect(deletion).toMatchObject({ action: "delete", after: null });
    expect((await rollback(admin, deletion.id)).status).toBe(200);
    expect(await json(await getRoute(created.id))).toEqual(created);
    expect((await rollback(admin, (await latestAudit(admin, created.id)).id)).status).toBe(200);
    expect((await getRoute(created.id)).status).toBe(404);
  });

  it("rolls back a create, and answers 409 when the route changed since the entry", async () => {
    const created = await createRoute();
    const creation = await latestAudit(admin, created.id);
    await patchRoute(created.id, { retries: 1 });
    const conflict = await rollback(admin, creation.id);
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ error: { code: "rollback_conflict", current: { retries: 1 } } });

    const fresh = await createRoute();
    expect((await rollback(admin, (await latestAudit(admin, fresh.id)).id)).status).toBe(200);
    expect((await getRoute(fresh.id)).status).toBe(404);
  });
});
