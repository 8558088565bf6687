// /api/tenant end to end: settings shown to members, changed by managers, the billing,
// sharding and markup fields kept to the operator, and every change audited and reversible.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { responseRetentionDays } from "../worker/db/stored-responses.ts";
import { type Member, call, createMember, createTenant, json, jsonInit, type AuditJson, rollback } from "./kit/fixtures.ts";

interface TenantJson {
  id: string;
  name: string;
  billing_enabled: boolean;
  rpm_limit: number | null;
  tpm_limit: number | null;
  concurrency_limit: number | null;
  monthly_budget_micros: number | null;
  alert_thresholds: number[] | null;
  gate_shards: number;
  markup_bps: number | null;
  response_retention_days: number;
}

// Each test gets a tenant of its own, so the seeded tenant other files rely on is untouched.
let tenantId: string;
let owner: Member;
let admin: Member;
let operator: Member;
beforeAll(async () => {
  tenantId = await createTenant("Acme");
  owner = await createMember("owner", tenantId);
  admin = await createMember("admin", tenantId);
  operator = await createMember("owner", tenantId, { operator: true });
});

const getTenant = async (who: Member = admin) => json<TenantJson>(await call("/api/tenant", { headers: who.headers }));
const patchTenant = (body: unknown, who: Member = admin) => call("/api/tenant", jsonInit(body, who.headers, "PATCH"));

async function latestAudit(): Promise<AuditJson> {
  const res = await call(`/api/audit?entity_type=tenant&entity_id=${tenantId}&limit=1`, { headers: owner.headers });
  expect(res.status).toBe(200);
  return (await json<{ data: AuditJson[] }>(res)).data[0]!;
}

const rollbackAsOwner = (auditId: string) => rollback(owner, auditId);

describe("tenant settings", () => {
  it("shows the settings to every member", async () => {
    const viewer = await createMember("viewer", tenantId);
    expect(await getTenant(viewer)).toEqual(
      expect.objectContaining({
        id: tenantId,
        name: "Acme",
        billing_enabled: true,
        rpm_limit: null,
        tpm_limit: null,
        concurrency_limit: null,
        monthly_budget_micros: null,
        alert_thresholds: null,
        gate_shards: 1,
        markup_bps: null,
      }),
    );
  });

  it("lets managers change name, limits, budget and thresholds", async () => {
    const changes = {
      name: "Acme Corp",
      rpm_limit: 600,
      tpm_limit: 1_000_000,
      concurrency_limit: 20,
      monthly_budget_micros: 250_000_000,
      alert_thresholds: [50, 80, 100],
    };
    const res = await patchTenant(changes);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject(changes);
    expect(await getTenant()).toMatchObject(changes);
    expect((await patchTenant({ rpm_limit: null, alert_thresholds: [] }, owner)).status).toBe(200);
    expect(await getTenant()).toMatchObject({ rpm_limit: null, alert_thresholds: [] });
  });

  it("validates with a 400 naming the field", async () => {
    for (const [body, param] of [
      [{ alert_thresholds: [80, 50] }, "alert_thresholds"],
      [{ alert_thresholds: [50, 50] }, "alert_thresholds"],
      [{ alert_thresholds: [0] }, "alert_thresholds.0"],
      [{ alert_thresholds: [101] }, "alert_thresholds.0"],
      [{ alert_thresholds: [10.5] }, "alert_thresholds.0"],
      [{ alert_thresholds: Array.from({ length: 11 }, (_, i) => i + 1) }, "alert_thresholds"],
      [{ name: "" }, "name"],
      [{ rpm_limit: 0 }, "rpm_limit"],
      [{ monthly_budget_micros: -1 }, "monthly_budget_micros"],
      [{ monthly_budget_micros: 1.5 }, "monthly_budget_micros"],
      [{ id: "ten_other" }, undefined],
      [{}, undefined],
    ] as const) {
      const res = await patchTenant(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await json<{ error: { code: string; param?: string } }>(res)).error;
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param, JSON.stringify(body)).toBe(param);
    }
    for (const body of [{ gate_shards: 0 }, { gate_shards: 65 }, { markup_bps: -1 }, { markup_bps: 100_001 }]) {
      expect((await patchTenant(body, operator)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("keeps billing, gate shards and markup to the operator", async () => {
    for (const body of [{ billing_enabled: false }, { gate_shards: 4 }, { markup_bps: 500 }, { name: "Sneaky", markup_bps: 0 }]) {
      const res = await patchTenant(body, owner);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: "forbidden" } });
    }
    expect((await getTenant()).name).not.toBe("Sneaky");
    const res = await patchTenant({ billing_enabled: false, gate_shards: 64, markup_bps: 500 }, operator);
    expect(res.status).toBe(200);
    expect(await getTenant()).toMatchObject({ billing_enabled: false, gate_shards: 64, markup_bps: 500 });
    expect((await patchTenant({ billing_enabled: true, gate_shards: 1, markup_bps: null }, operator)).status).toBe(200);
  });

  it("refuses developers and viewers", async () => {
    for (const role of ["developer", "viewer"] as const) {
      const member = await createMember(role, tenantId);
      expect((await patchTenant({ name: "Nope" }, member)).status, role).toBe(403);
    }
  });

  it("changes only the caller's own tenant", async () => {
    const other = await createTenant("Other Co");
    const outsider = await createMember("owner", other);
    expect((await patchTenant({ name: "Renamed by outsider" }, outsider)).status).toBe(200);
    expect((await getTenant(outsider)).id).toBe(other);
    expect((await getTenant()).name).not.toBe("Renamed by outsider");
  });
});

describe("audit and rollback of tenant settings", () => {
  it("audits a change as entity 'tenant', rolls it back, then rolls back the rollback", async () => {
    const before = await getTenant();
    expect((await patchTenant({ name: "Rolled", monthly_budget_micros: 5_000_000, alert_thresholds: [25, 75] })).status).toBe(200);
    const update = await latestAudit();
    expect(update).toMatchObject({
      action: "update",
      entity_type: "tenant",
      tenant_id: tenantId,
      before: { name: before.name },
      after: { name: "Rolled", alertThresholds: [25, 75] },
    });

    expect((await rollbackAsOwner(update.id)).status).toBe(200);
    expect(await getTenant()).toMatchObject({
      name: before.name,
      monthly_budget_micros: before.monthly_budget_micros,
      alert_thresholds: before.alert_thresholds,
    });

    const undo = await latestAudit();
    expect(undo.action).toBe("rollback");
    expect((await rollbackAsOwner(undo.id)).status).toBe(200);
    expect(await getTenant()).toMatchObject({ name: "Rolled", monthly_budget_micros: 5_000_000, alert_thresholds: [25, 75] });
  });

  it("answers 409 when the settings changed since the entry", async () => {
    await patchTenant({ tpm_limit: 111 });
    const first = await latestAudit();
    await patchTenant({ tpm_limit: 222 });
    const conflict = await rollbackAsOwner(first.id);
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ error: { code: "rollback_conflict", current: { tpmLimit: 222 } } });
  });
});

describe("response retention setting", () => {
  it("defaults to 30 days, takes 0..365 from managers, is audited and rolls back", async () => {
    expect((await getTenant()).response_retention_days).toBe(30);
    expect(await responseRetentionDays(getDb(env.DB), tenantId)).toBe(30);

    for (const value of [-1, 366, 1.5, "7", null]) {
      const res = await patchTenant({ response_retention_days: value });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: "invalid_request", param: "response_retention_days" } });
    }
    const developer = await createMember("developer", tenantId);
    expect((await patchTenant({ response_retention_days: 1 }, developer)).status).toBe(403);

    const res = await patchTenant({ response_retention_days: 7 });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ response_retention_days: 7 });
    expect((await getTenant()).response_retention_days).toBe(7);
    // The change reaches this isolate's cached value at once.
    expect(await responseRetentionDays(getDb(env.DB), tenantId)).toBe(7);

    const update = await latestAudit();
    expect(update).toMatchObject({ action: "update", before: { responseRetentionDays: 30 }, after: { responseRetentionDays: 7 } });
    expect((await rollbackAsOwner(update.id)).status).toBe(200);
    expect((await getTenant()).response_retention_days).toBe(30);

    expect((await patchTenant({ response_retention_days: 0 })).status).toBe(200);
    expect((await getTenant()).response_retention_days).toBe(0);
    expect((await patchTenant({ response_retention_days: 365 })).status).toBe(200);
    expect((await getTenant()).response_retention_days).toBe(365);
  });
});
