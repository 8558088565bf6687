// Limits and credit as a client of the gateway sees them: OpenAI's 429 with Retry-After and
// x-ratelimit-* headers, 402 insufficient_quota, in the caller's format.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { tenants } from "../worker/db/schema.ts";
import { bearer, call, createMember, createTenant, flushAnalytics, grantCredit, json, jsonInit, requestLogRow } from "./kit/fixtures.ts";
import { settledGateStatus } from "./kit/gateway.ts";

async function tenantWithKey(settings: Partial<typeof tenants.$inferInsert>, credit = 0, keyLimits: { rpm_limit?: number; tpm_limit?: number } = {}) {
  const tenantId = await createTenant();
  if (Object.keys(settings).length) await getDb(env.DB).update(tenants).set(settings).where(eq(tenants.id, tenantId));
  if (credit) await grantCredit(tenantId, credit);
  const owner = await createMember("owner", tenantId);
  const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "limits", ...keyLimits }, owner.headers)));
  return { tenantId, key };
}

const chat = (key: string) =>
  call("/v1/chat/completions", jsonInit({ model: "demo/echo", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, bearer(key)));
const message = (key: string) =>
  call("/v1/messages", jsonInit({ model: "demo/echo", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { "x-api-key": key }));

describe("rate limits on the gateway", () => {
  it("answers the request over the limit with 429, Retry-After and x-ratelimit headers", async () => {
    const { key } = await tenantWithKey({ rpmLimit: 2, tpmLimit: 100_000 }, 1_000_000);
    const first = await chat(key);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+s$/);
    expect(await json(refused)).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
    const anthropic = await message(key);
    expect(anthropic.status).toBe(429);
    expect(await json(anthropic)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });
});

describe("x-ratelimit-reset-* of an admitted call", () => {
  const resets = (res: Response) => [res.headers.get("x-ratelimit-reset-requests"), res.headers.get("x-ratelimit-reset-tokens")];

  it.each([
    ["the tenant's", { rpmLimit: 5, tpmLimit: 100_000 }, {}],
    ["the key's", {}, { rpm_limit: 5, tpm_limit: 100_000 }],
  ])("counts the call itself: a window it opened resets a minute later (%s limits)", async (_, tenantLimits, keyLimits) => {
    const { key } = await tenantWithKey(tenantLimits, 1_000_000, keyLimits);
    const first = await chat(key);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    expect(resets(first)).toEqual(["60s", "60s"]);
    const second = await chat(key);
    expect(second.headers.get("x-ratelimit-remaining-requests")).toBe("3");
    for (const reset of resets(second)) expect(reset).toMatch(/^(59|60)s$/);
  });
});

describe("refused calls", () => {
  it("are in the request log too: 402, 429, 400 and 404", async () => {
    const broke = await tenantWithKey({});
    const limited = await tenantWithKey({ rpmLimit: 1 }, 1_000_000);
    expect((await chat(limited.key)).status).toBe(200);
    const expected: [string, Response, number, string][] = [
      [broke.tenantId, await chat(broke.key), 402, "insufficient_quota"],
      [limited.tenantId, await chat(limited.key), 429, "rate_limit_exceeded"],
      [limited.tenantId, await call("/v1/chat/completions", jsonInit({ model: "demo/echo", messages: [] }, bearer(limited.key))), 400, "invalid_request"],
      [
        limited.tenantId,
        await call("/v1/chat/completions", jsonInit({ model: "demo/none", messages: [{ role: "user", content: "x" }] }, bearer(limited.key))),
        404,
        "model_not_found",
      ],
    ];
    for (const [tenantId, res, status, code] of expected) {
      expect(res.status).toBe(status);
      const row = await requestLogRow<{ status: number; error_type: string; cost_micros: number }>(tenantId, res.headers.get("x-request-id")!);
      expect(row).toMatchObject({ status, error_type: code, cost_micros: 0 });
    }
  });
});

describe("credit on the gateway", () => {
  it("answers 402 insufficient_quota when the balance cannot cover the call", async () => {
    const { key } = await tenantWithKey({});
    const res = await chat(key);
    expect(res.status).toBe(402);
    expect(await json(res)).toMatchObject({ error: { type: "insufficient_quota", code: "insufficient_quota" } });
  });

  it("charges the balance what the call cost, after the response", async () => {
    const { tenantId, key } = await tenantWithKey({}, 1_000_000);
    expect((await chat(key)).status).toBe(200);
    const status = await settledGateStatus(tenantId);
    let row: { cost_micros: number } | null = null;
    for (let i = 0; i < 50 && !row; i++) {
      await flushAnalytics(tenantId);
      row = await env.DB.prepare("SELECT cost_micros FROM request_log WHERE tenant_id = ?").bind(tenantId).first<{ cost_micros: number }>();
      if (!row) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row?.cost_micros).toBeGreaterThan(0);
    expect(status.balanceMicros).toBe(1_000_000 - row!.cost_micros);
  });

  it("spreads a sharded tenant's calls over its gates and still agrees with the ledger", async () => {
    const { tenantId, key } = await tenantWithKey({ gateShards: 4 }, 5_000_000);
    const results = await Promise.all(Array.from({ length: 24 }, () => chat(key)));
    expect(results.map((r) => r.status)).toEqual(Array(24).fill(200));
    const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
    let spent = 0;
    for (let i = 0; i < 100; i++) {
      await flushAnalytics(tenantId);
      const row = await env.DB.prepare("SELECT count(*) AS n, coalesce(sum(cost_micros), 0) AS cost FROM request_log WHERE tenant_id = ?")
        .bind(tenantId)
        .first<{ n: number; cost: number }>();
      spent = row?.cost ?? 0;
      if (row?.n === 24) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100)); // settlements run after the responses
    const reconciled = await gate.reconcile(tenantId);
    expect(reconciled.driftMicros).toBe(0);
    expect(reconciled.balanceMicros).toBe(5_000_000 - spent);
  });

  it("lets a tenant with billing off call without credit", async () => {
    const { key } = await tenantWithKey({ billingEnabled: false });
    expect((await chat(key)).status).toBe(200);
  });
});
