// /api/prices end to end: the seeded list prices, tenant overrides over platform prices,
// scopes and roles, audit and rollback, and what a call costs on the gateway — provider
// price before bare-model price, markup on top — to the micro-dollar.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_MARKUP_BPS, platformMarkupBps, type PriceRow } from "../worker/db/catalog.ts";
import { emptyUsage } from "../worker/gateway/types.ts";
import { costMicros } from "../worker/gateway/cost.ts";
import {
  type Member,
  bearer,
  call,
  createMember,
  createTenant,
  json,
  jsonInit,
  TENANT_ID,
  grantCredit,
  latestAudit,
  requestLogRow,
  rollback,
  uniqueName,
} from "./kit/fixtures.ts";

interface PriceJson {
  id: string;
  model: string;
  input_per_mtok_micros: number;
  output_per_mtok_micros: number;
  cached_input_per_mtok_micros: number | null;
  reasoning_per_mtok_micros: number | null;
  source: string | null;
  effective_at: string;
  scope: "tenant" | "platform";
  override: boolean;
}

let admin: Member;
let operator: Member;
beforeAll(async () => {
  admin = await createMember("admin");
  operator = await createMember("owner", TENANT_ID, { operator: true });
});

const priceBody = (overrides: Record<string, unknown> = {}) => ({
  model: uniqueName("model"),
  input_per_mtok_micros: 1_000_000,
  output_per_mtok_micros: 2_000_000,
  ...overrides,
});

async function createPrice(body: Record<string, unknown> = priceBody(), who: Member = admin): Promise<PriceJson> {
  const res = await call("/api/prices", jsonInit(body, who.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return json<PriceJson>(res);
}

async function listPrices(who: Member = admin, scope = "effective"): Promise<PriceJson[]> {
  const res = await call(`/api/prices?scope=${scope}`, { headers: who.headers });
  expect(res.status).toBe(200);
  return (await json<{ data: PriceJson[] }>(res)).data;
}

const getPrice = (id: string, who: Member = admin) => call(`/api/prices/${id}`, { headers: who.headers });
const patchPrice = (id: string, body: unknown, who: Member = admin) => call(`/api/prices/${id}`, jsonInit(body, who.headers, "PATCH"));
const deletePrice = (id: string, who: Member = admin) => call(`/api/prices/${id}`, { method: "DELETE", headers: who.headers });

describe("costMicros with markup", () => {
  const price = {
    inputPerMTokMicros: 2_500_000,
    outputPerMTokMicros: 10_000_000,
    cachedInputPerMTokMicros: 1_250_000,
    reasoningPerMTokMicros: null,
  } as PriceRow;
  const usage = { ...emptyUsage(), inputTokens: 1000, outputTokens: 500 }; // 7,500 µ$ before markup

  it("adds the markup to the exact cost and rounds up once", () => {
    expect(costMicros(usage, { ...price, markupBps: 0 })).toBe(7500);
    expect(costMicros(usage, { ...price, markupBps: 1000 })).toBe(8250); // +10 %
    expect(costMicros(usage, { ...price, markupBps: 1234 })).toBe(8426); // 8,425.5 → 8,426
    expect(costMicros(usage, { ...price, markupBps: 10_000 })).toBe(15_000); // +100 %
    // 1 input token: 2.5 µ$ × 1.0001 = 2.50025 → 3, not 2.5 rounded up first then marked up
    expect(costMicros({ ...emptyUsage(), inputTokens: 1 }, { ...price, markupBps: 1 })).toBe(3);
    // 3 input tokens at 1 µ$/Mtok with 50 %: 0.0000045 µ$ → 1
    expect(costMicros({ ...emptyUsage(), inputTokens: 3 }, { ...price, inputPerMTokMicros: 1, markupBps: 5000 })).toBe(1);
  });

  it("stays exact beyond 2⁵³", () => {
    const big = { ...emptyUsage(), outputTokens: 100_000_000 };
    // 10⁸ tokens × $600/Mtok = $60,000 = 6·10¹⁰ µ$; × 1.0003 = 60,018,000,000 exactly
    expect(costMicros(big, { ...price, outputPerMTokMicros: 600_000_000, markupBps: 3 })).toBe(60_018_000_000);
  });

  it("reads PRICE_MARKUP_BPS strictly, warning about a malformed value", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(platformMarkupBps(undefined)).toBe(0);
    expect(platformMarkupBps("0")).toBe(0);
    expect(platformMarkupBps("250")).toBe(250);
    expect(platformMarkupBps(String(MAX_MARKUP_BPS))).toBe(MAX_MARKUP_BPS);
    for (const bad of ["-5", "1.5", "abc", String(MAX_MARKUP_BPS + 1)]) expect(platformMarkupBps(bad), bad).toBe(0);
    expect(warn).toHaveBeenCalledTimes(4);
    warn.mockRestore();
    expect(env.PRICE_MARKUP_BPS).toBe("0");
  });
});

describe("prices", () => {
  it("seeds current list prices under bare model names, in integer micro-dollars", async () => {
    const platform = await listPrices(admin, "platform");
    const byModel = new Map(platform.map((p) => [p.model, p]));
    const expected: [string, number, number, number | null][] = [
      ["gpt-5", 1_250_000, 10_000_000, 125_000],
      ["gpt-5-mini", 250_000, 2_000_000, 25_000],
      ["gpt-5-nano", 50_000, 400_000, 5_000],
      ["gpt-4.1", 2_000_000, 8_000_000, 500_000],
      ["gpt-4.1-mini", 400_000, 1_600_000, 100_000],
      ["gpt-4.1-nano", 100_000, 400_000, 25_000],
      ["gpt-4o", 2_500_000, 10_000_000, 1_250_000],
      ["gpt-4o-mini", 150_000, 600_000, 75_000],
      ["o3", 2_000_000, 8_000_000, 500_000],
      ["o4-mini", 1_100_000, 4_400_000, 275_000],
      ["text-embedding-3-small", 20_000, 0, null],
      ["text-embedding-3-large", 130_000, 0, null],
      ["claude-opus-4-1", 15_000_000, 75_000_000, 1_500_000],
      ["claude-sonnet-4-5", 3_000_000, 15_000_000, 300_000],
      ["claude-haiku-4-5", 1_000_000, 5_000_000, 100_000],
      ["claude-3-5-haiku-latest", 800_000, 4_000_000, 80_000],
      ["gemini-2.5-pro", 1_250_000, 10_000_000, 125_000],
      ["gemini-2.5-flash", 300_000, 2_500_000, 30_000],
      ["gemini-2.5-flash-lite", 100_000, 400_000, 10_000],
    ];
    for (const [model, input, output, cached] of expected) {
      const price = byModel.get(model);
      expect(price, model).toMatchObject({
        input_per_mtok_micros: input,
        output_per_mtok_micros: output,
        cached_input_per_mtok_micros: cached,
        scope: "platform",
        override: false,
      });
      expect(price!.source).toMatch(/^(OpenAI|Anthropic|Gemini).*https:\/\/.*taken 2025-10-(01|15)/);
    }
    expect(byModel.get("gpt-4o")!.effective_at).toBe("2025-10-01T00:00:00.000Z");
  });

  it("lets a tenant override a platform price; the effective list shows the override once", async () => {
    const tenant = await createTenant();
    const owner = await createMember("owner", tenant);
    const override = await createPrice(
      priceBody({ model: "gpt-4o", input_per_mtok_micros: 3_000_000, output_per_mtok_micros: 12_000_000, source: "negotiated" }),
      owner,
    );
    expect(override).toMatchObject({ scope: "tenant", override: true, cached_input_per_mtok_micros: null });

    const effective = (await listPrices(owner)).filter((p) => p.model === "gpt-4o");
    expect(effective).toEqual([expect.objectContaining({ id: override.id, input_per_mtok_micros: 3_000_000, override: true })]);
    expect((await listPrices(owner, "tenant")).map((p) => p.id)).toEqual([override.id]);
    expect((await listPrices(owner, "platform")).find((p) => p.model === "gpt-4o")?.input_per_mtok_micros).toBe(2_500_000);

    const again = await call("/api/prices", jsonInit(priceBody({ model: "gpt-4o" }), owner.headers));
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: { code: "price_exists" } });

    expect((await deletePrice(override.id, owner)).status).toBe(200);
    expect((await listPrices(owner)).find((p) => p.model === "gpt-4o")).toMatchObject({ input_per_mtok_micros: 2_500_000, override: false });
  });

  it("validates prices as integers with a 400 naming the field", async () => {
    for (const [body, param] of [
      [{ ...priceBody(), input_per_mtok_micros: 1.5 }, "input_per_mtok_micros"],
      [{ ...priceBody(), output_per_mtok_micros: -1 }, "output_per_mtok_micros"],
      [{ ...priceBody(), input_per_mtok_micros: "100" }, "input_per_mtok_micros"],
      [{ ...priceBody(), cached_input_per_mtok_micros: 1e13 }, "cached_input_per_mtok_micros"],
      [{ ...priceBody(), model: "has space" }, "model"],
      [{ ...priceBody(), model: "" }, "model"],
      [{ ...priceBody(), effective_at: "yesterday" }, "effective_at"],
      [{ input_per_mtok_micros: 1, output_per_mtok_micros: 1 }, "model"],
      [{ ...priceBody(), extra: 1 }, undefined],
    ] as const) {
      const res = await call("/api/prices", jsonInit(body, admin.headers));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await json<{ error: { code: string; param?: string } }>(res)).error;
      expect(error.code).toBe("invalid_request");
      if (param) expect(error.param, JSON.stringify(body)).toBe(param);
    }
    const created = await createPrice();
    expect((await patchPrice(created.id, { model: "renamed" })).status).toBe(400);
    expect((await patchPrice(created.id, {})).status).toBe(400);
  });

  it("keeps platform prices to the operator and overrides to managers", async () => {
    const developer = await createMember("developer");
    const viewer = await createMember("viewer");
    for (const who of [developer, viewer]) {
      expect((await call("/api/prices", jsonInit(priceBody(), who.headers))).status).toBe(403);
      expect((await call("/api/prices", { headers: who.headers })).status).toBe(200);
    }
    expect((await call("/api/prices", jsonInit(priceBody({ scope: "platform" }), admin.headers))).status).toBe(403);
    const platform = await createPrice(priceBody({ scope: "platform" }), operator);
    expect(platform).toMatchObject({ scope: "platform", override: false });
    expect((await patchPrice(platform.id, { input_per_mtok_micros: 1 }, admin)).status).toBe(403);
    expect((await deletePrice(platform.id, admin)).status).toBe(403);
    expect((await patchPrice(platform.id, { input_per_mtok_micros: 1 }, operator)).status).toBe(200);
    const seed = (await listPrices(admin, "platform")).find((p) => p.model === "gpt-5")!;
    expect((await patchPrice(seed.id, { input_per_mtok_micros: 1 }, admin)).status).toBe(403);
  });

  it("never shows or changes another tenant's overrides", async () => {
    const mine = await createPrice(priceBody({ model: "gpt-4.1" }));
    const outsider = await createMember("owner", await createTenant());
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { input_per_mtok_micros: 1 }],
      ["DELETE", undefined],
    ] as const) {
      const res = await call(`/api/prices/${mine.id}`, body ? jsonInit(body, outsider.headers, method) : { method, headers: outsider.headers });
      expect(res.status, method).toBe(404);
    }
    expect((await listPrices(outsider)).find((p) => p.model === "gpt-4.1")).toMatchObject({ scope: "platform", input_per_mtok_micros: 2_000_000 });
    expect(await listPrices(outsider, "tenant")).toEqual([]);
    await deletePrice(mine.id);
  });
});

describe("audit and rollback of prices", () => {
  it("rolls back an update, then rolls back the rollback", async () => {
    const created = await createPrice();
    expect((await patchPrice(created.id, { input_per_mtok_micros: 5, cached_input_per_mtok_micros: 1 })).status).toBe(200);
    const update = await latestAudit(admin, created.id);
    expect(update).toMatchObject({ action: "update", before: { inputPerMTokMicros: 1_000_000 }, after: { inputPerMTokMicros: 5 } });

    expect((await rollback(admin, update.id)).status).toBe(200);
    expect(await json(await getPrice(created.id))).toMatchObject({ input_per_mtok_micros: 1_000_000, cached_input_per_mtok_micros: null });
    const undo = await latestAudit(admin, created.id);
    expect((await rollback(admin, undo.id)).status).toBe(200);
    expect(await json(await getPrice(created.id))).toMatchObject({ input_per_mtok_micros: 5, cached_input_per_mtok_micros: 1 });
  });

  it("restores a deleted price, and deletes it again on rolling that back", async () => {
    const created = await createPrice();
    await deletePrice(created.id);
    expect((await getPrice(created.id)).status).toBe(404);
    const deletion = await latestAudit(admin, created.id);
    expect((await rollback(admin, deletion.id)).status).toBe(200);
    expect(await json(await getPrice(created.id))).toMatchObject({ model: created.model, input_per_mtok_micros: 1_000_000 });
    expect((await rollback(admin, (await latestAudit(admin, created.id)).id)).status).toBe(200);
    expect((await getPrice(created.id)).status).toBe(404);
  });

  it("answers 409 when the price changed since the entry", async () => {
    const created = await createPrice();
    await patchPrice(created.id, { input_per_mtok_micros: 2 });
    const first = await latestAudit(admin, created.id);
    await patchPrice(created.id, { input_per_mtok_micros: 3 });
    const conflict = await rollback(admin, first.id);
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ error: { code: "rollback_conflict", current: { inputPerMTokMicros: 3 } } });
  });
});

describe("what a gateway call costs", () => {
  interface LogRow {
    input_tokens: number;
    output_tokens: number;
    cost_micros: number;
  }

  async function chatCost(tenantId: string, key: string, model: string): Promise<LogRow> {
    const res = await call("/v1/chat/completions", jsonInit({ model, messages: [{ role: "user", content: "the quick brown fox jumps" }] }, bearer(key)));
    expect(res.status, await res.clone().text()).toBe(200);
    return requestLogRow<LogRow>(tenantId, res.headers.get("x-request-id")!);
  }

  /** Σ tokens × µ$/Mtok × (10⁴ + bps) / 10¹⁰, rounded up: the billing rule, in BigInt. */
  const expected = (row: LogRow, input: number, output: number, bps: number) => {
    const scaled = (BigInt(row.input_tokens) * BigInt(input) + BigInt(row.output_tokens) * BigInt(output)) * BigInt(10_000 + bps);
    return Number((scaled + 10_000_000_000n - 1n) / 10_000_000_000n);
  };

  it("bills the provider price, else the bare model's, with the tenant's markup, to the micro-dollar", async () => {
    const tenant = await createTenant();
    await grantCredit(tenant, 1_000_000_000);
    const owner = await createMember("owner", tenant);
    const tenantOperator = await createMember("owner", tenant, { operator: true });
    const key = (await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "billing" }, owner.headers)))).key;
    // The tenant's own demo-kind provider: no upstream, and no price of its own yet.
    const byo = uniqueName("byo");
    expect((await call("/api/providers", jsonInit({ name: byo, kind: "demo", models: ["echo"] }, owner.headers))).status).toBe(201);
    // A bare-model price, in round numbers: 3,000 µ$ per input token, 7,000 per output token.
    await createPrice({ model: "echo", input_per_mtok_micros: 3_000_000_000, output_per_mtok_micros: 7_000_000_000 }, owner);

    const plain = await chatCost(tenant, key, `${byo}/echo`);
    expect(plain.input_tokens).toBeGreaterThan(0);
    expect(plain.output_tokens).toBeGreaterThan(0);
    expect(plain.cost_micros).toBe(plain.input_tokens * 3000 + plain.output_tokens * 7000);

    const patched = await call("/api/tenant", jsonInit({ markup_bps: 1250 }, tenantOperator.headers, "PATCH"));
    expect(patched.status).toBe(200);
    const marked = await chatCost(tenant, key, `${byo}/echo`);
    expect(marked.cost_micros).toBe(expected(marked, 3_000_000_000, 7_000_000_000, 1250));
    expect(marked.cost_micros).toBe(Math.ceil(((marked.input_tokens * 3000 + marked.output_tokens * 7000) * 1125) / 1000));

    // A provider-qualified price wins over the bare model's.
    await createPrice({ model: `${byo}/echo`, input_per_mtok_micros: 1_000_000_000, output_per_mtok_micros: 2_000_000_000 }, owner);
    const qualified = await chatCost(tenant, key, `${byo}/echo`);
    expect(qualified.cost_micros).toBe(expected(qualified, 1_000_000_000, 2_000_000_000, 1250));

    // Back to the platform markup (0 in tests).
    await call("/api/tenant", jsonInit({ markup_bps: null }, tenantOperator.headers, "PATCH"));
    const unmarked = await chatCost(tenant, key, `${byo}/echo`);
    expect(unmarked.cost_micros).toBe(unmarked.input_tokens * 1000 + unmarked.output_tokens * 2000);
  });
});
