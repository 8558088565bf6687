// The Batch API (issue 17): OpenAI's /v1/files and /v1/batches with the official SDK against the
// mock upstream. A batch reserves the most its lines can cost at the batch price (half the token
// prices unless the price says otherwise), is followed by the bank gate's alarm, and once it ends
// its lines' usage is charged exactly once; files and batches are the tenant's own.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import OpenAI, { toFile } from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantGate } from "../durable-objects/tenant-gate.ts";
import { call, createMember, createTenant, grantCredit, json, jsonInit, ORIGIN, TENANT_ID } from "./kit/fixtures.ts";
import { gatewayFetch, mockBase, settle, settledGateStatus, tag } from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

// gpt-4o's list prices: $2.50 in and $10 out per million tokens; batch lines at half.
const INPUT = 2_500_000;
const OUTPUT = 10_000_000;

interface Tenant {
  id: string;
  key: string;
  sdk: OpenAI;
}

let provider: string;
let compat: string;
let owner: Tenant;
let other: Tenant;

async function tenantWith(credit: number): Promise<Tenant> {
  const id = await createTenant(tag());
  const member = await createMember("owner", id);
  const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "batches" }, member.headers)));
  await grantCredit(id, credit);
  const sdk = new OpenAI({ apiKey: key, baseURL: `${ORIGIN}/v1`, maxRetries: 0, fetch: (input, init) => gatewayFetch(new Request(input, init)) });
  return { id, key, sdk };
}

beforeAll(async () => {
  const operator = await createMember("owner", TENANT_ID, { operator: true });
  const body = {
    name: tag(),
    kind: "openai",
    base_url: mockBase("openai"),
    api_key: UPSTREAM_KEYS.openai,
    models: ["gpt-4o", "gpt-4o-half"],
    scope: "platform",
  };
  const res = await call("/api/providers", jsonInit(body, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  provider = (await json<{ name: string }>(res)).name;
  for (const [model, extra] of [
    ["gpt-4o", {}],
    ["gpt-4o-half", { batch_discount_bps: 2_500 }],
  ] as const) {
    const price = { model: `${provider}/${model}`, input_per_mtok_micros: INPUT, output_per_mtok_micros: OUTPUT, scope: "platform", ...extra };
    const priced = await call("/api/prices", jsonInit(price, operator.headers));
    expect(priced.status, await priced.clone().text()).toBe(201);
  }
  const compatBody = { ...body, name: tag(), kind: "openai-compatible", models: ["llama"] };
  const compatRes = await call("/api/providers", jsonInit(compatBody, operator.headers));
  compat = (await json<{ name: string }>(compatRes)).name;
  await call("/api/prices", jsonInit({ model: `${compat}/llama`, input_per_mtok_micros: 1, output_per_mtok_micros: 1, scope: "platform" }, operator.headers));
  owner = await tenantWith(10_000_000);
  other = await tenantWith(10_000_000);
});

const chatLine = (i: number, model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id: `req-${i}`,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model, messages: [{ role: "user", content: "one two three four" }], max_tokens: 10, ...extra },
  });

const jsonl = (lines: string[]) => `${lines.join("\n")}\n`;
const utf8 = (s: string) => new TextEncoder().encode(s).byteLength;

/** What the lines reserve: each line's bytes + 1,024 framing tokens of prompt, its max_tokens of output, at the batch price. */
function reserveFor(lines: string[], keepBps = 5_000, maxTokens = 10): number {
  const prompt = lines.reduce((s, l) => s + utf8(l) + 1_024, 0);
  const output = lines.length * maxTokens;
  const input = Math.ceil((INPUT * keepBps) / 10_000);
  const out = Math.ceil((OUTPUT * keepBps) / 10_000);
  return Math.ceil((prompt * input + output * out) / 1_000_000);
}

async function upload(t: Tenant, text: string, name = "input.jsonl") {
  return t.sdk.files.create({ file: await toFile(new TextEncoder().encode(text), name), purpose: "batch" });
}

async function balance(t: Tenant): Promise<number> {
  await settledGateStatus(t.id);
  return (await env.TENANT_GATE.get(env.TENANT_GATE.idFromName(t.id)).reconcile(t.id)).balanceMicros;
}

const gate = (t: Tenant) => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(t.id));
const reserved = async (t: Tenant) => (await gate(t).status(t.id)).reservedMicros;

interface BatchJson {
  id: string;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  input_file_id: string;
  reserved_micros: number;
  cost_micros: number | null;
  request_counts?: { total: number; completed: number; failed: number };
}

async function retrieve(t: Tenant, id: string): Promise<BatchJson> {
  return (await t.sdk.batches.retrieve(id)) as unknown as BatchJson;
}

/** The gate's alarm, with every followed batch due now. */
async function alarmPollsNow(t: Tenant): Promise<void> {
  await runInDurableObject(gate(t), (_: TenantGate, state) => {
    state.storage.sql.exec("UPDATE batch_polls SET poll_at = 0");
  });
  await runDurableObjectAlarm(gate(t));
}

const followed = (t: Tenant) =>
  runInDurableObject(gate(t), (_: TenantGate, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM batch_polls").one().n);

async function logRowOf(t: Tenant, id: string) {
  await settle();
  for (let i = 0; i < 100; i++) {
    await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(t.id)).flush();
    const row = await env.DB.prepare("SELECT * FROM request_log WHERE id = ?")
      .bind(id)
      .first<{ endpoint: string; cost_micros: number; input_tokens: number; output_tokens: number; model: string; status: number }>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request_log row for ${id}`);
}

describe("a batch through the SDK", () => {
  it("uploads the file with the provider's model name, reserves its worst case at half price, and bills its lines' usage once", async () => {
    const model = `${provider}/gpt-4o`;
    const lines = [0, 1, 2].map((i) => chatLine(i, model));
    const file = await upload(owner, jsonl(lines));
    expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "input.jsonl" });
    expect(file.id).toMatch(/^file-/);
    // The provider holds the lines with its own model name.
    const held = await (await owner.sdk.files.content(file.id)).text();
    expect(
      held
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { body: { model: string } }).body.model),
    ).toEqual(["gpt-4o", "gpt-4o", "gpt-4o"]);

    const before = await balance(owner);
    const created = (await owner.sdk.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    })) as unknown as BatchJson;
    expect(created.id).toMatch(/^batch_/);
    expect(created.input_file_id).toBe(file.id);
    expect(created.status).toBe("validating");
    expect(created.reserved_micros).toBe(reserveFor(lines));
    expect(await reserved(owner)).toBe(reserveFor(lines));
    expect((await gate(owner).status(owner.id)).openReservations).toBe(0); // a batch is not a running call

    expect((await retrieve(owner, created.id)).status).toBe("in_progress");
    const done = await retrieve(owner, created.id);
    expect(done.status).toBe("completed");
    // 3 lines of 4 prompt and 5 output tokens: 12 × $1.25 + 15 × $5 per million = 90 µ$.
    expect(done.cost_micros).toBe(90);
    expect(done.output_file_id).toMatch(/^file-/);
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(await balance(owner)).toBe(before - 90);
    expect(await reserved(owner)).toBe(0);

    const output = await (await owner.sdk.files.content(done.output_file_id!)).text();
    expect(output.trim().split("\n")).toHaveLength(3);
    // Retrieved again, polled again: charged once.
    expect((await retrieve(owner, created.id)).cost_micros).toBe(90);
    expect(await balance(owner)).toBe(before - 90);
    const row = await logRowOf(owner, created.id);
    expect(row).toMatchObject({ endpoint: "batches", status: 200, cost_micros: 90, input_tokens: 12, output_tokens: 15, model });
  });

  it("is followed by the bank gate's alarm until it ends, then settled exactly once", async () => {
    const model = `${provider}/gpt-4o-half`;
    const lines = [0, 1].map((i) => chatLine(i, model, { max_tokens: 3 }));
    const file = await upload(owner, jsonl(lines));
    const before = await balance(owner);
    const following = await followed(owner); // the batch before, settled when retrieved, until the alarm next looks
    const created = (await owner.sdk.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    })) as unknown as BatchJson;
    // A discount of 25 %: 75 % of the token prices.
    expect(created.reserved_micros).toBe(reserveFor(lines, 7_500, 3));
    expect(await followed(owner)).toBe(following + 1);
    for (let i = 0; i < 5 && (await followed(owner)) > 0; i++) await alarmPollsNow(owner);
    expect(await followed(owner)).toBe(0);
    // 2 lines of 4 prompt and 3 output tokens at 75 %: ceil(8 × 1.875 + 6 × 7.5) = 60 µ$.
    expect(await balance(owner)).toBe(before - 60);
    const seen = await retrieve(owner, created.id);
    expect(seen).toMatchObject({ status: "completed", cost_micros: 60 });
    await alarmPollsNow(owner);
    expect(await balance(owner)).toBe(before - 60);
  });

  it("releases a cancelled batch's reservation, billing only lines it finished (none)", async () => {
    const file = await upload(owner, jsonl([chatLine(0, `${provider}/gpt-4o`)]));
    const before = await balance(owner);
    const created = await owner.sdk.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect((await owner.sdk.batches.cancel(created.id)).status).toBe("cancelling");
    const ended = await retrieve(owner, created.id);
    expect(ended).toMatchObject({ status: "cancelled", cost_micros: 0, output_file_id: null });
    expect(await balance(owner)).toBe(before);
    expect(await reserved(owner)).toBe(0);
    const cancelAgain = await gatewayFetch(
      new Request(`${ORIGIN}/v1/batches/${created.id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${owner.key}` } }),
    );
    expect(cancelAgain.status).toBe(409);
  });

  it("shows each model's batch discount in /v1/models where its provider runs batches", async () => {
    const res = await gatewayFetch(new Request(`${ORIGIN}/v1/models`, { headers: { authorization: `Bearer ${owner.key}` } }));
    const models = (await json<{ data: { id: string; pricing?: { batch_discount_bps?: number } }[] }>(res)).data;
    const discount = (id: string) => models.find((m) => m.id === id)?.pricing?.batch_discount_bps;
    expect([discount(`${provider}/gpt-4o`), discount(`${provider}/gpt-4o-half`), discount(`${compat}/llama`)]).toEqual([5_000, 2_500, undefined]);
  });

  it("lists the tenant's batches and files, newest first", async () => {
    const page = await owner.sdk.batches.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const files = await owner.sdk.files.list();
    expect(files.data.length).toBeGreaterThanOrEqual(3);
    expect(files.data.every((f) => f.id.startsWith("file-"))).toBe(true);
  });
});

describe("a batch at the demo provider", () => {
  it("runs at once without a provider account, and bills its lines at the demo's batch price", async () => {
    const lines = [0, 1, 2].map((i) => chatLine(i, "demo/echo"));
    const embedding = JSON.stringify({ custom_id: "e", method: "POST", url: "/v1/embeddings", body: { model: "demo/embed", input: "hello" } });
    const file = await upload(owner, jsonl(lines));
    const before = await balance(owner);
    const created = await owner.sdk.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(created.status).toBe("in_progress");
    const done = await retrieve(owner, created.id);
    expect(done).toMatchObject({ status: "completed", request_counts: { total: 3, completed: 3, failed: 0 } });
    const answers = (await (await owner.sdk.files.content(done.output_file_id!)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { custom_id: string; response: { body: { choices: { message: { content: string } }[] } } });
    expect(answers.map((a) => [a.custom_id, a.response.body.choices[0]!.message.content])).toEqual([
      ["req-0", "one two three four"],
      ["req-1", "one two three four"],
      ["req-2", "one two three four"],
    ]);
    const row = await logRowOf(owner, created.id);
    expect(row.cost_micros).toBe(done.cost_micros);
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(await balance(owner)).toBe(before - done.cost_micros!);

    const embedded = await upload(owner, jsonl([embedding]));
    const embeddings = await owner.sdk.batches.create({ input_file_id: embedded.id, endpoint: "/v1/embeddings", completion_window: "24h" });
    expect((await retrieve(owner, embeddings.id)).request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
  });

  it("takes files of at most 64 KiB", async () => {
    const big = jsonl(Array.from({ length: 400 }, (_, i) => chatLine(i, "demo/echo", { messages: [{ role: "user", content: "x".repeat(200) }] })));
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file", new File([big], "big.jsonl"));
    const res = await gatewayFetch(new Request(`${ORIGIN}/v1/files`, { method: "POST", body: form, headers: { authorization: `Bearer ${owner.key}` } }));
    expect(res.status).toBe(413);
  });
});

describe("what a batch may not do", () => {
  it("is refused with 402 when its worst case is more than the balance, and holds nothing", async () => {
    const poor = await tenantWith(1_000);
    const file = await upload(poor, jsonl([chatLine(0, `${provider}/gpt-4o`, { max_tokens: 100_000 })]));
    const res = await gatewayFetch(
      new Request(
        `${ORIGIN}/v1/batches`,
        jsonInit({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }, { authorization: `Bearer ${poor.key}` }),
      ),
    );
    expect(res.status).toBe(402);
    expect(await json(res)).toMatchObject({ error: { code: "insufficient_quota" } });
    expect(await reserved(poor)).toBe(0);
    expect(await balance(poor)).toBe(1_000);
  });

  it("keeps files and batches to their tenant: another tenant's ids answer 404", async () => {
    const file = await upload(owner, jsonl([chatLine(0, `${provider}/gpt-4o`)]));
    const batch = await owner.sdk.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    const as = (path: string, init: RequestInit = {}) =>
      gatewayFetch(new Request(`${ORIGIN}${path}`, { ...init, headers: { authorization: `Bearer ${other.key}`, ...(init.headers ?? {}) } }));
    for (const path of [`/v1/files/${file.id}`, `/v1/files/${file.id}/content`, `/v1/batches/${batch.id}`]) {
      expect((await as(path)).status, path).toBe(404);
    }
    expect((await as(`/v1/batches/${batch.id}/cancel`, { method: "POST" })).status).toBe(404);
    expect((await as(`/v1/files/${file.id}`, { method: "DELETE" })).status).toBe(404);
    const stolen = await as("/v1/batches", jsonInit({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }));
    expect(stolen.status).toBe(404);
    expect((await other.sdk.batches.list()).data.map((b) => b.id)).not.toContain(batch.id);
    expect((await owner.sdk.files.retrieve(file.id)).id).toBe(file.id);
    await owner.sdk.batches.cancel(batch.id);
  });

  it("refuses files that are not a batch of one model's requests, in OpenAI's error shape", async () => {
    const model = `${provider}/gpt-4o`;
    const cases: [string, string, string][] = [
      ["not JSON", "hello\n", "invalid_batch_file"],
      ["no lines", "\n\n", "invalid_batch_file"],
      ["two models", jsonl([chatLine(0, model), chatLine(1, `${provider}/gpt-4o-half`)]), "invalid_batch_file"],
      ["a custom_id twice", jsonl([chatLine(0, model), chatLine(0, model)]), "invalid_batch_file"],
      ["a URL batches do not serve", jsonl([chatLine(0, model).replace("/v1/chat/completions", "/v1/images/generations")]), "invalid_batch_file"],
      ["GET", jsonl([chatLine(0, model).replace('"POST"', '"GET"')]), "invalid_batch_file"],
      ["a stream", jsonl([chatLine(0, model, { stream: true })]), "invalid_batch_file"],
      ["a server-side tool", jsonl([chatLine(0, model, { tools: [{ type: "web_search_preview" }] })]), "invalid_batch_file"],
      ["too many lines", jsonl(Array.from({ length: 10_001 }, (_, i) => chatLine(i, model))), "invalid_batch_file"],
      ["a model of a provider without batches", jsonl([chatLine(0, `${compat}/llama`)]), "unsupported_endpoint"],
      ["an unknown model", jsonl([chatLine(0, `${provider}/nope`)]), "model_not_found"],
    ];
    for (const [what, text, code] of cases) {
      const form = new FormData();
      form.set("purpose", "batch");
      form.set("file", new File([text], "in.jsonl"));
      const res = await gatewayFetch(new Request(`${ORIGIN}/v1/files`, { method: "POST", body: form, headers: { authorization: `Bearer ${owner.key}` } }));
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(await json(res), what).toMatchObject({ error: { code } });
    }
    const form = new FormData();
    form.set("purpose", "assistants");
    form.set("file", new File([jsonl([chatLine(0, model)])], "in.jsonl"));
    const wrongPurpose = await gatewayFetch(
      new Request(`${ORIGIN}/v1/files`, { method: "POST", body: form, headers: { authorization: `Bearer ${owner.key}` } }),
    );
    expect(await json(wrongPurpose)).toMatchObject({ error: { code: "invalid_purpose", param: "purpose" } });
  });

  it("refuses a batch whose endpoint or window is not the file's", async () => {
    const file = await upload(owner, jsonl([chatLine(0, `${provider}/gpt-4o`)]));
    const create = (body: Record<string, unknown>) =>
      gatewayFetch(new Request(`${ORIGIN}/v1/batches`, jsonInit({ input_file_id: file.id, ...body }, { authorization: `Bearer ${owner.key}` })));
    const wrongEndpoint = await create({ endpoint: "/v1/embeddings", completion_window: "24h" });
    expect(await json(wrongEndpoint)).toMatchObject({ error: { code: "invalid_endpoint", param: "endpoint" } });
    const wrongWindow = await create({ endpoint: "/v1/chat/completions", completion_window: "1h" });
    expect(wrongWindow.status).toBe(400);
    const unknownFile = await gatewayFetch(
      new Request(
        `${ORIGIN}/v1/batches`,
        jsonInit({ input_file_id: "file-nope", endpoint: "/v1/chat/completions", completion_window: "24h" }, { authorization: `Bearer ${owner.key}` }),
      ),
    );
    expect(unknownFile.status).toBe(404);
  });
});
