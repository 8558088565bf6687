// Stored Responses API state against the real schema: a record comes back exactly as saved, only
// to its own tenant and only until it expires; bodies of any size are split into parts that each
// fit a D1 row; replacing, deleting and sweeping leave no part behind.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../worker/db/client.ts";
import { storedResponseParts, storedResponses, tenants } from "../worker/db/schema.ts";
import {
  deleteResponse,
  forgetResponseRetention,
  type JsonObject,
  loadResponse,
  PART_BYTES,
  pageInputItems,
  type ResponseRecord,
  responseRetentionDays,
  saveResponse,
  sweepExpiredResponses,
} from "../worker/db/stored-responses.ts";
import { createTenant } from "./kit/fixtures.ts";

const db = getDb(env.DB);
const DAY = 86_400_000;
const T0 = 1_800_000_000_000;

function record(tenantId: string, id: string, extra: Partial<ResponseRecord> = {}): ResponseRecord {
  return {
    id,
    tenantId,
    keyId: "key_1",
    model: "openai/gpt-4o-mini",
    createdAt: T0,
    response: { id, object: "response", status: "completed", output: [{ type: "message", content: [{ type: "output_text", text: "hi ✓" }] }], usage: null },
    inputItems: [{ id: "msg_1", type: "message", role: "user", content: "hello" }],
    ...extra,
  };
}

const items = (n: number): JsonObject[] => Array.from({ length: n }, (_, i) => ({ id: `item_${i}`, type: "message", role: "user", content: `m${i}` }));

async function partsOf(tenantId: string, id: string) {
  const rows = await env.DB.prepare(
    "SELECT seq, length(CAST(body AS BLOB)) AS bytes FROM stored_response_parts WHERE tenant_id = ? AND response_id = ? ORDER BY seq",
  )
    .bind(tenantId, id)
    .all<{ seq: number; bytes: number }>();
  return rows.results;
}

async function storedIds(tenantId: string): Promise<string[]> {
  const rows = await db.select({ id: storedResponses.id }).from(storedResponses).where(eq(storedResponses.tenantId, tenantId)).all();
  return rows.map((r) => r.id).sort();
}

describe("stored responses", () => {
  it("come back exactly as saved, until they expire", async () => {
    const tenantId = await createTenant();
    const saved = record(tenantId, "resp_a");
    await saveResponse(db, saved, 2);
    expect(await loadResponse(db, tenantId, "resp_a", T0)).toEqual(saved);
    expect(await loadResponse(db, tenantId, "resp_a", T0 + 2 * DAY - 1)).toEqual(saved);
    expect(await loadResponse(db, tenantId, "resp_a", T0 + 2 * DAY)).toBeNull();
    expect(await pageInputItems(db, tenantId, "resp_a", {}, T0 + 2 * DAY)).toBeNull();
    expect(await deleteResponse(db, tenantId, "resp_a", T0 + 2 * DAY)).toBe(false);
    expect(await loadResponse(db, tenantId, "resp_missing", T0)).toBeNull();
  });

  it("are not stored when the retention is 0 (or less)", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_zero"), 0);
    await saveResponse(db, record(tenantId, "resp_neg"), -1);
    expect(await storedIds(tenantId)).toEqual([]);
  });

  it("are their tenant's only: another tenant's id behaves as an absent one", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const own = record(mine, "resp_same", { model: "mine" });
    const other = record(theirs, "resp_same", { model: "theirs", inputItems: items(3) });
    await saveResponse(db, own, 30);
    await saveResponse(db, other, 30);
    await saveResponse(db, record(theirs, "resp_theirs_only"), 30);

    expect(await loadResponse(db, mine, "resp_same", T0)).toEqual(own);
    expect(await loadResponse(db, theirs, "resp_same", T0)).toEqual(other);
    expect(await loadResponse(db, mine, "resp_theirs_only", T0)).toBeNull();
    expect(await pageInputItems(db, mine, "resp_theirs_only", {}, T0)).toBeNull();
    expect(await deleteResponse(db, mine, "resp_theirs_only", T0)).toBe(false);
    expect(await loadResponse(db, theirs, "resp_theirs_only", T0)).not.toBeNull();

    expect(await deleteResponse(db, mine, "resp_same", T0)).toBe(true);
    expect(await loadResponse(db, mine, "resp_same", T0)).toBeNull();
    expect(await loadResponse(db, theirs, "resp_same", T0)).toEqual(other);
    expect(await deleteResponse(db, mine, "resp_same", T0)).toBe(false);
    expect(await partsOf(mine, "resp_same")).toEqual([]);
  });

  it("split a body larger than a D1 row into parts of at most 512 KiB, never inside a character", async () => {
    const tenantId = await createTenant();
    // 4-byte (surrogate pair), 3-byte and 2-byte characters; each pad shifts where part boundaries fall.
    const text = "😀ж€".repeat(260_000);
    for (const pad of [0, 1, 2, 3]) {
      const id = `resp_big_${pad}`;
      const saved = record(tenantId, id, {
        response: { id, output_text: `${"x".repeat(pad)}${text}` },
        inputItems: [{ id: "msg_big", type: "input_image", image_url: `data:image/png;base64,${"A".repeat(300_000)}` }, ...items(2)],
      });
      await saveResponse(db, saved, 30);
      const parts = await partsOf(tenantId, id);
      expect(parts.length).toBeGreaterThan(4); // ~2.6 MB of UTF-8
      for (const part of parts) expect(part.bytes).toBeLessThanOrEqual(PART_BYTES);
      expect(parts.map((p) => p.seq)).toEqual(parts.map((_, i) => i));
      expect(await loadResponse(db, tenantId, id, T0)).toEqual(saved);
    }
  });

  it("are replaced whole by a save with the same id, leaving no stale part", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_r", { response: { big: "y".repeat(3 * PART_BYTES) } }), 30);
    expect((await partsOf(tenantId, "resp_r")).length).toBe(4);
    const small = record(tenantId, "resp_r", { keyId: "key_2", model: "demo/echo", createdAt: T0 + 1000 });
    await saveResponse(db, small, 1);
    expect(await partsOf(tenantId, "resp_r")).toHaveLength(1);
    expect(await loadResponse(db, tenantId, "resp_r", T0)).toEqual(small);
    // The replacement's retention applies: 1 day from its own creation.
    expect(await loadResponse(db, tenantId, "resp_r", T0 + 1000 + DAY)).toBeNull();
  });

  it("delete their parts with them", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_d", { response: { big: "z".repeat(2 * PART_BYTES) } }), 30);
    expect((await partsOf(tenantId, "resp_d")).length).toBe(3);
    expect(await deleteResponse(db, tenantId, "resp_d", T0)).toBe(true);
    expect(await partsOf(tenantId, "resp_d")).toEqual([]);
    expect(await storedIds(tenantId)).toEqual([]);
  });
});

describe("input items paging", () => {
  const ids = (page: { data: JsonObject[] } | null) => page?.data.map((item) => item.id);

  it("lists newest first by default, 20 at a time, with OpenAI's list fields", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_p", { inputItems: items(25) }), 30);
    const first = await pageInputItems(db, tenantId, "resp_p", {}, T0);
    expect(first).toMatchObject({ object: "list", first_id: "item_24", last_id: "item_5", has_more: true });
    expect(ids(first)).toEqual(Array.from({ length: 20 }, (_, i) => `item_${24 - i}`));
    const rest = await pageInputItems(db, tenantId, "resp_p", { after: "item_5" }, T0);
    expect(rest).toEqual({ object: "list", data: items(5).reverse(), first_id: "item_4", last_id: "item_0", has_more: false });
  });

  it("pages in input order with order asc, after an exclusive cursor", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_q", { inputItems: items(7) }), 30);
    const page = await pageInputItems(db, tenantId, "resp_q", { order: "asc", limit: 3, after: "item_1" }, T0);
    expect(page).toMatchObject({ first_id: "item_2", last_id: "item_4", has_more: true });
    expect(ids(page)).toEqual(["item_2", "item_3", "item_4"]);
    const end = await pageInputItems(db, tenantId, "resp_q", { order: "asc", limit: 2, after: "item_4" }, T0);
    expect(end).toMatchObject({ first_id: "item_5", last_id: "item_6", has_more: false });
    const past = await pageInputItems(db, tenantId, "resp_q", { order: "asc", after: "item_6" }, T0);
    expect(past).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false });
  });

  it("answers an empty page for an unknown cursor and keeps the limit within 1..100", async () => {
    const tenantId = await createTenant();
    await saveResponse(db, record(tenantId, "resp_l", { inputItems: items(150) }), 30);
    expect(await pageInputItems(db, tenantId, "resp_l", { after: "item_nope" }, T0)).toEqual({
      object: "list",
      data: [],
      first_id: null,
      last_id: null,
      has_more: false,
    });
    expect((await pageInputItems(db, tenantId, "resp_l", { limit: 1000 }, T0))?.data).toHaveLength(100);
    expect((await pageInputItems(db, tenantId, "resp_l", { limit: 0 }, T0))?.data).toHaveLength(1);
    expect(ids(await pageInputItems(db, tenantId, "resp_l", { limit: 1, order: "asc" }, T0))).toEqual(["item_0"]);
  });
});

describe("the retention sweep", () => {
  it("deletes the tenant's expired responses and their parts, and names the next expiry", async () => {
    const tenantId = await createTenant();
    const other = await createTenant();
    await saveResponse(db, record(tenantId, "resp_1d", { response: { big: "b".repeat(PART_BYTES + 10) } }), 1);
    await saveResponse(db, record(tenantId, "resp_2d"), 2);
    await saveResponse(db, record(tenantId, "resp_3d"), 3);
    await saveResponse(db, record(other, "resp_other_1d"), 1);

    expect(await sweepExpiredResponses(env.DB, tenantId, T0 + DAY - 1)).toEqual({ deleted: 0, nextExpiry: T0 + DAY });
    expect(await sweepExpiredResponses(env.DB, tenantId, T0 + 2 * DAY)).toEqual({ deleted: 2, nextExpiry: T0 + 3 * DAY });
    expect(await storedIds(tenantId)).toEqual(["resp_3d"]);
    expect(await partsOf(tenantId, "resp_1d")).toEqual([]);
    expect(await partsOf(tenantId, "resp_2d")).toEqual([]);
    // Another tenant's rows are not this sweep's business, expired or not.
    expect(await storedIds(other)).toEqual(["resp_other_1d"]);

    expect(await sweepExpiredResponses(env.DB, tenantId, T0 + 3 * DAY)).toEqual({ deleted: 1, nextExpiry: null });
    expect(await sweepExpiredResponses(env.DB, tenantId, T0 + 3 * DAY)).toEqual({ deleted: 0, nextExpiry: null });
  });

  it("deletes a large backlog in bounded batches, saying the rest is due", async () => {
    const tenantId = await createTenant();
    const rows = Array.from({ length: 520 }, (_, i) => ({
      tenantId,
      id: `resp_${String(i).padStart(3, "0")}`,
      keyId: "k",
      model: "m",
      createdAt: T0,
      expiresAt: T0 + i,
      parts: 1,
      bytes: 2,
    }));
    const chunk = <T>(list: T[], n: number) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));
    const writes = [
      ...chunk(rows, 10).map((part) => db.insert(storedResponses).values(part)),
      ...chunk(rows, 20).map((part) => db.insert(storedResponseParts).values(part.map((r) => ({ tenantId, responseId: r.id, seq: 0, body: "{}" })))),
    ];
    await db.batch([writes[0]!, ...writes.slice(1)]);

    const now = T0 + 10_000;
    const first = await sweepExpiredResponses(env.DB, tenantId, now);
    expect(first.deleted).toBe(500);
    expect(first.nextExpiry).toBe(T0 + 500); // the oldest left, already due
    expect(await sweepExpiredResponses(env.DB, tenantId, now)).toEqual({ deleted: 20, nextExpiry: null });
    const left = await db.select().from(storedResponseParts).where(eq(storedResponseParts.tenantId, tenantId)).all();
    expect(left).toEqual([]);
  });
});

describe("the tenant's retention setting", () => {
  it("defaults to 30 days and is cached until forgotten", async () => {
    const tenantId = await createTenant();
    expect(await responseRetentionDays(db, tenantId)).toBe(30);
    await db.update(tenants).set({ responseRetentionDays: 7 }).where(eq(tenants.id, tenantId));
    expect(await responseRetentionDays(db, tenantId)).toBe(30);
    forgetResponseRetention(tenantId);
    expect(await responseRetentionDays(db, tenantId)).toBe(7);
  });
});
