// Read-only analytics tokens: one row per token, listed and revoked one by one, audited; a
// revoked token (or one with no row, as issued before rows existed) is refused at once.
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ISSUER } from "../worker/core/security/jwt.ts";
import { type Member, bearer, call, createMember, createTenant, json, jsonInit } from "./kit/fixtures.ts";

interface IssuedJson {
  id: string;
  name: string | null;
  token: string;
  token_type: string;
  scope: string;
  expires_at: string;
}

interface ListedJson {
  id: string;
  name: string | null;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

async function issue(who: Member, body: Record<string, unknown> = {}): Promise<IssuedJson> {
  const res = await call("/api/analytics/tokens", jsonInit({ expires_in_days: 7, ...body }, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<IssuedJson>(res);
}

async function list(who: Member): Promise<ListedJson[]> {
  const res = await call("/api/analytics/tokens", { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<{ data: ListedJson[] }>(res)).data;
}

const revoke = (who: Member, id: string) => call(`/api/analytics/tokens/${encodeURIComponent(id)}`, { method: "DELETE", headers: who.headers });
const report = (token: string) => call("/api/analytics?last=1h", { headers: bearer(token) });

let owner: Member;
let viewer: Member;
let tenantId: string;

beforeAll(async () => {
  tenantId = await createTenant("Readers");
  owner = await createMember("owner", tenantId);
  viewer = await createMember("viewer", tenantId);
});

describe("read tokens", () => {
  it("are listed with name, dates and last use; the secret is never listed", async () => {
    const issued = await issue(viewer, { name: "grafana" });
    expect(issued).toMatchObject({ id: expect.any(String), name: "grafana", token_type: "Bearer", scope: "analytics:read" });
    const [listed] = (await list(viewer)).filter((t) => t.id === issued.id);
    expect(listed).toEqual({
      id: issued.id,
      name: "grafana",
      user_id: viewer.userId,
      created_at: expect.stringMatching(/^\d{4}-/),
      expires_at: issued.expires_at,
      last_used_at: null,
      revoked_at: null,
    });
    expect(JSON.stringify(await list(viewer))).not.toContain(issued.token);

    expect((await report(issued.token)).status).toBe(200);
    const used = (await list(viewer)).find((t) => t.id === issued.id)!;
    expect(used.last_used_at).not.toBeNull();
  });

  it("are refused at once when revoked, on every endpoint that takes them; the revocation is audited and final", async () => {
    const issued = await issue(viewer);
    expect((await report(issued.token)).status).toBe(200);

    const res = await revoke(viewer, issued.id);
    expect(res.status).toBe(200);
    expect((await json<ListedJson>(res)).revoked_at).not.toBeNull();

    for (const path of ["/api/analytics?last=1h", "/api/analytics/export?last=1h", "/api/metrics"]) {
      const refused = await call(path, { headers: bearer(issued.token) });
      expect(refused.status, path).toBe(401);
      expect(await json(refused)).toMatchObject({ error: { code: "read_token_revoked" } });
    }
    const viaUrl = await call(`/api/analytics/export?last=1h&token=${encodeURIComponent(issued.token)}`);
    expect(viaUrl.status).toBe(401);

    const audit = await json<{ data: { id: string; action: string; entity_type: string; entity_id: string }[] }>(
      await call(`/api/audit?entity_id=${issued.id}`, { headers: owner.headers }),
    );
    expect(audit.data.map((e) => [e.action, e.entity_type])).toEqual([
      ["revoke", "read_token"],
      ["create", "read_token"],
    ]);
    const rollback = await call(`/api/audit/${audit.data[0]!.id}/rollback`, jsonInit({ force: true }, owner.headers));
    expect(rollback.status).toBe(400);
    expect((await report(issued.token)).status).toBe(401);
  });

  it("refuse a token that has no row (issued before tokens were stored)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const legacy = await new SignJWT({ tid: tenantId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(viewer.userId)
      .setIssuer(ISSUER)
      .setAudience("ai-aggregator:analytics")
      .setIssuedAt(now)
      .setJti(crypto.randomUUID())
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    const res = await report(legacy);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "invalid_read_token" } });
  });

  it("are each member's own; an owner or admin lists and revokes every token of the tenant", async () => {
    const mine = await issue(owner, { name: "owner's" });
    const theirs = await issue(viewer, { name: "viewer's" });
    const developer = await createMember("developer", tenantId);

    expect((await list(developer)).map((t) => t.id)).not.toContain(theirs.id);
    expect((await list(viewer)).map((t) => t.id)).not.toContain(mine.id);
    expect((await revoke(developer, theirs.id)).status).toBe(404);
    expect((await report(theirs.token)).status).toBe(200);

    expect((await list(owner)).map((t) => t.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect((await revoke(owner, theirs.id)).status).toBe(200);
    expect((await report(theirs.token)).status).toBe(401);
  });

  it("are unknown to another tenant: 404, like an id that does not exist", async () => {
    const issued = await issue(viewer);
    const outsider = await createMember("owner", await createTenant("Outside"));
    const theirs = await revoke(outsider, issued.id);
    const nobody = await revoke(outsider, "rdt_doesnotexist");
    expect(theirs.status).toBe(404);
    expect(await json(theirs)).toEqual(await json(nobody));
    expect((await list(outsider)).map((t) => t.id)).not.toContain(issued.id);
    expect((await report(issued.token)).status).toBe(200);
  });
});
