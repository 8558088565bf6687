// /api/keys end to end: the secret shown once, the hash stored, revocation and expiry
// effective on the gateway at once, and every change audited and reversible.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { auditDetailView, auditPageView, rollbackView } from "../worker/api/audit.ts";
import { sha256Hex } from "../worker/core/security/hash.ts";
import { type Member, bearer, call, createMember, createTenant, json, jsonInit, latestAudit } from "./kit/fixtures.ts";

interface KeyJson {
  id: string;
  key?: string;
  name: string;
  prefix: string;
  rpm_limit: number | null;
  models: string[] | null;
  revoked_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
}

let admin: Member;
beforeAll(async () => {
  admin = await createMember("admin");
});

async function createKey(body: Record<string, unknown> = { name: "ci" }, who: Member = admin): Promise<KeyJson> {
  const res = await call("/api/keys", jsonInit(body, who.headers));
  expect(res.status).toBe(201);
  return json<KeyJson>(res);
}

const chat = (key: string, model = "demo/echo") => call("/v1/chat/completions", jsonInit({ model, messages: [{ role: "user", content: "hi" }] }, bearer(key)));

describe("API keys", () => {
  it("shows the secret once and stores only its hash", async () => {
    const created = await createKey({ name: "ci", rpm_limit: 60, models: ["demo/echo"] });
    expect(created.key).toMatch(/^sk-agg-[A-Za-z0-9]{40}$/);
    expect(created.prefix).toBe(created.key!.slice(0, 12));
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(row?.key_hash).toBe(await sha256Hex(created.key!));
    expect(JSON.stringify(row)).not.toContain(created.key!);

    const listed = await json<{ data: KeyJson[] }>(await call("/api/keys", { headers: admin.headers }));
    const mine = listed.data.find((k) => k.id === created.id)!;
    expect(mine).toMatchObject({ name: "ci", rpm_limit: 60, models: ["demo/echo"] });
    expect(mine.key).toBeUndefined();
    expect(JSON.stringify(listed)).not.toContain(created.key!);
  });

  it("works on the gateway, limited to its models, and stops at once when revoked", async () => {
    const created = await createKey({ name: "revoke me", models: ["demo/echo"] });
    expect((await chat(created.key!)).status).toBe(200);
    expect((await chat(created.key!, "demo/lorem")).status).toBe(403);

    const revoked = await call(`/api/keys/${created.id}`, { method: "DELETE", headers: admin.headers });
    expect(revoked.status).toBe(200);
    expect((await json<KeyJson>(revoked)).revoked_at).not.toBeNull();
    const refused = await chat(created.key!);
    expect(refused.status).toBe(401);
    expect(await json(refused)).toMatchObject({ error: { code: "invalid_api_key" } });
  });

  it("stops working once expired", async () => {
    const created = await createKey({ name: "short", expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await chat(created.key!)).status).toBe(200);
    const res = await call(`/api/keys/${created.id}`, jsonInit({ expires_at: new Date(Date.now() - 1000).toISOString() }, admin.headers, "PATCH"));
    expect(res.status).toBe(200);
    expect((await chat(created.key!)).status).toBe(401);
  });

  it("validates bodies with a 400 naming the field", async () => {
    for (const [body, param] of [
      [{}, "name"],
      [{ name: "x", rpm_limit: -1 }, "rpm_limit"],
      [{ name: "x", expires_at: "tomorrow" }, "expires_at"],
      [{ name: "x", surprise: true }, undefined],
    ] as const) {
      const res = await call("/api/keys", jsonInit(body, admin.headers));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await json<{ error: { code: string; param?: string } }>(res)).error;
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param).toBe(param);
    }
  });

  it("never shows or changes another tenant's keys", async () => {
    const mine = await createKey({ name: "private" });
    const outsider = await createMember("owner", await createTenant());
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "stolen" }],
      ["DELETE", undefined],
    ] as const) {
      const res = await call(`/api/keys/${mine.id}`, body ? jsonInit(body, outsider.headers, method) : { method, headers: outsider.headers });
      expect(res.status, method).toBe(404);
    }
    const list = await json<{ data: KeyJson[] }>(await call("/api/keys", { headers: outsider.headers }));
    expect(list.data).toEqual([]);
    expect((await chat(mine.key!)).status).toBe(200);
  });

  it("records last use without a write per request", async () => {
    const created = await createKey({ name: "used" });
    for (let i = 0; i < 3; i++) expect((await chat(created.key!)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const shown = await json<KeyJson>(await call(`/api/keys/${created.id}`, { headers: admin.headers }));
    expect(shown.last_used_at).not.toBeNull();
  });
});

describe("audit and rollback of keys", () => {
  it("audits create, update and revoke with before and after, hash redacted", async () => {
    const created = await createKey({ name: "audited" });
    const entry = await latestAudit(admin, created.id);
    expect(entry).toMatchObject({ action: "create", before: null, after: { name: "audited", keyHash: "[redacted]" } });
    await call(`/api/keys/${created.id}`, jsonInit({ name: "renamed" }, admin.headers, "PATCH"));
    const update = await latestAudit(admin, created.id);
    expect(update).toMatchObject({ action: "update", before: { name: "audited" }, after: { name: "renamed" } });
    // Parsed with the documented schemas: the PWA's generated types rely on them.
    const raw = await json(await call(`/api/audit/${update.id}`, { headers: admin.headers }));
    const detail = auditDetailView.strict().parse(raw);
    expect(detail.diff).toEqual([{ field: "name", before: "audited", after: "renamed" }]);
    expect(detail).toMatchObject({
      id: update.id,
      action: "update",
      entity_type: "api_key",
      entity_id: created.id,
      tenant_id: expect.any(String),
      created_at: expect.any(String),
    });
  });

  it("rolls back an update, then rolls back the rollback", async () => {
    const created = await createKey({ name: "v1" });
    await call(`/api/keys/${created.id}`, jsonInit({ name: "v2", rpm_limit: 5 }, admin.headers, "PATCH"));
    const update = await latestAudit(admin, created.id);

    const rollback = await call(`/api/audit/${update.id}/rollback`, jsonInit({}, admin.headers));
    expect(rollback.status).toBe(200);
    expect(rollbackView.strict().parse(await json(rollback))).toMatchObject({
      entity_type: "api_key",
      entity_id: created.id,
      restored: { name: "v1", keyHash: "[redacted]" },
    });
    let key = await json<KeyJson>(await call(`/api/keys/${created.id}`, { headers: admin.headers }));
    expect(key).toMatchObject({ name: "v1", rpm_limit: null });

    const rollbackEntry = await latestAudit(admin, created.id);
    expect(rollbackEntry.action).toBe("rollback");
    expect((await call(`/api/audit/${rollbackEntry.id}/rollback`, jsonInit({}, admin.headers))).status).toBe(200);
    key = await json<KeyJson>(await call(`/api/keys/${created.id}`, { headers: admin.headers }));
    expect(key).toMatchObject({ name: "v2", rpm_limit: 5 });
  });

  it("rolls back a revoke: the same secret works again", async () => {
    const created = await createKey({ name: "back" });
    await call(`/api/keys/${created.id}`, { method: "DELETE", headers: admin.headers });
    expect((await chat(created.key!)).status).toBe(401);
    const revoke = await latestAudit(admin, created.id);
    expect((await call(`/api/audit/${revoke.id}/rollback`, jsonInit({}, admin.headers))).status).toBe(200);
    expect((await chat(created.key!)).status).toBe(200);
  });

  it("rolls back a create: the key is gone", async () => {
    const created = await createKey({ name: "undo" });
    const entry = await latestAudit(admin, created.id);
    expect((await call(`/api/audit/${entry.id}/rollback`, jsonInit({}, admin.headers))).status).toBe(200);
    expect((await call(`/api/keys/${created.id}`, { headers: admin.headers })).status).toBe(404);
    expect((await chat(created.key!)).status).toBe(401);
  });

  it("answers 409 with the current state and diff when the key changed since, unless force", async () => {
    const created = await createKey({ name: "a" });
    await call(`/api/keys/${created.id}`, jsonInit({ name: "b" }, admin.headers, "PATCH"));
    const first = await latestAudit(admin, created.id);
    await call(`/api/keys/${created.id}`, jsonInit({ name: "c" }, admin.headers, "PATCH"));

    const conflict = await call(`/api/audit/${first.id}/rollback`, jsonInit({}, admin.headers));
    expect(conflict.status).toBe(409);
    const body = await json<{ error: { code: string; current: { name: string }; diff: { field: string }[] } }>(conflict);
    expect(body.error.code).toBe("rollback_conflict");
    expect(body.error.current.name).toBe("c");
    expect(body.error.diff).toContainEqual({ field: "name", before: "b", after: "c" });

    expect((await call(`/api/audit/${first.id}/rollback`, jsonInit({ force: true }, admin.headers))).status).toBe(200);
    expect((await json<KeyJson>(await call(`/api/keys/${created.id}`, { headers: admin.headers }))).name).toBe("a");
  });

  it("pages through entries with a cursor and filters them", async () => {
    const created = await createKey({ name: "p0" });
    for (let i = 1; i <= 4; i++) await call(`/api/keys/${created.id}`, jsonInit({ name: `p${i}` }, admin.headers, "PATCH"));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/audit?entity_id=${created.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = auditPageView.parse(await json(await call(url, { headers: admin.headers })));
      seen.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const updates = await json<{ data: unknown[] }>(await call(`/api/audit?entity_id=${created.id}&action=update`, { headers: admin.headers }));
    expect(updates.data).toHaveLength(4);
    expect((await call("/api/audit?cursor=garbage!", { headers: admin.headers })).status).toBe(400);
  });

  it("hides another tenant's entries", async () => {
    const created = await createKey({ name: "secret" });
    const entry = await latestAudit(admin, created.id);
    const outsider = await createMember("owner", await createTenant());
    expect((await call(`/api/audit/${entry.id}`, { headers: outsider.headers })).status).toBe(404);
    expect((await call(`/api/audit/${entry.id}/rollback`, jsonInit({}, outsider.headers))).status).toBe(404);
  });
});
