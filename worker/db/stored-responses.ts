// Responses API state (`store: true`), per tenant: the Response returned to the client and the
// input items it was generated from, kept until the tenant's retention runs out. Every query
// filters by tenant, so another tenant's id behaves exactly like an absent one; reads ignore
// expired rows, and the tenant gate's alarm deletes them (durable-objects/gate/response-retention.ts).
//
// The body is one JSON text ({ response, input_items }) split over stored_response_parts in
// chunks of at most PART_BYTES UTF-8 bytes: D1 caps a row at ~2 MB, a request body can be larger.
import { and, eq, gt, gte, inArray, lte, min } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { TtlCache } from "../core/ttl-cache.ts";
import type { Db } from "./client.ts";
import { storedResponseItems as items, storedResponseParts as parts, storedResponses as responses, tenants } from "./schema.ts";

export type JsonObject = Record<string, unknown>;

export interface ResponseRecord {
  /** e.g. "resp_…": unique per tenant only. */
  id: string;
  tenantId: string;
  /** The API key that created it. */
  keyId: string;
  /** The model as the client named it. */
  model: string;
  /** Epoch ms. */
  createdAt: number;
  /** The Response object exactly as returned to the client. */
  response: JsonObject;
  /** Every input item the response was generated from, in order, each with an "id" string field. */
  inputItems: JsonObject[];
}

export interface InputItemsPage {
  object: "list";
  data: JsonObject[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export const DEFAULT_RESPONSE_RETENTION_DAYS = 30;
export const MAX_RESPONSE_RETENTION_DAYS = 365;
/** The most UTF-8 bytes one part holds: well under D1's ~2 MB per row. */
export const PART_BYTES = 512 * 1024;
const DAY_MS = 86_400_000;
/** Responses one sweep deletes at most; a backlog is left for the next alarm (it is due at once). */
const SWEEP_BATCH = 500;

interface StoredBody {
  response: JsonObject;
  input_items: JsonObject[];
}

/** Byte length in UTF-8 of the UTF-16 code unit `c`; a surrogate pair counts 4 on its high half. */
function utf8Size(c: number): number {
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) return 4;
  if (c >= 0xdc00 && c <= 0xdfff) return 0;
  return 3;
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a surrogate pair (a
 * half pair would be stored as U+FFFD). JSON.stringify escapes lone surrogates, so the pieces
 * joined give `text` back exactly.
 */
function splitUtf8(text: string, maxBytes: number): { pieces: string[]; bytes: number } {
  if (text.length * 3 <= maxBytes) return { pieces: [text], bytes: new TextEncoder().encode(text).byteLength };
  const pieces: string[] = [];
  let start = 0;
  let size = 0;
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const n = utf8Size(text.charCodeAt(i));
    if (size + n > maxBytes) {
      pieces.push(text.slice(start, i));
      start = i;
      size = 0;
    }
    size += n;
    total += n;
  }
  pieces.push(text.slice(start));
  return { pieces, bytes: total };
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function parseBody(text: string): StoredBody | null {
  const body: unknown = JSON.parse(text);
  if (!isObject(body) || !isObject(body.response) || !Array.isArray(body.input_items)) return null;
  return { response: body.response, input_items: body.input_items.filter(isObject) };
}

const ofResponse = (tenantId: string, id: string) => and(eq(responses.tenantId, tenantId), eq(responses.id, id));
const partsOf = (tenantId: string, id: string) => and(eq(parts.tenantId, tenantId), eq(parts.responseId, id));
const itemsOf = (tenantId: string, id: string) => and(eq(items.tenantId, tenantId), eq(items.responseId, id));
/** D1 binds at most 100 parameters a statement: 3 a row. */
const ITEM_ROWS_PER_INSERT = 33;

/** The inserts that let an item_reference to one of the response's output items find it. */
function indexOutputItems(db: Db, record: ResponseRecord): BatchItem<"sqlite">[] {
  const output = Array.isArray(record.response.output) ? record.response.output : [];
  const ids = [...new Set(output.map((item: unknown) => (isObject(item) && typeof item.id === "string" ? item.id : null)).filter((id) => id !== null))];
  const rows = ids.map((itemId) => ({ tenantId: record.tenantId, itemId, responseId: record.id }));
  const inserts: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += ITEM_ROWS_PER_INSERT) {
    inserts.push(
      db
        .insert(items)
        .values(rows.slice(i, i + ITEM_ROWS_PER_INSERT))
        .onConflictDoUpdate({ target: [items.tenantId, items.itemId], set: { responseId: record.id } }),
    );
  }
  return inserts;
}

/** Stores (or replaces) a response; expires_at = createdAt + retentionDays days. retentionDays <= 0: does nothing. */
export async function saveResponse(db: Db, record: ResponseRecord, retentionDays: number): Promise<void> {
  if (!(retentionDays > 0)) return;
  const body: StoredBody = { response: record.response, input_items: record.inputItems };
  const { pieces, bytes } = splitUtf8(JSON.stringify(body), PART_BYTES);
  const { tenantId, id } = record;
  const meta = {
    keyId: record.keyId,
    model: record.model,
    createdAt: record.createdAt,
    expiresAt: record.createdAt + retentionDays * DAY_MS,
    parts: pieces.length,
    bytes,
  };
  const writes: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    db
      .insert(responses)
      .values({ tenantId, id, ...meta })
      .onConflictDoUpdate({ target: [responses.tenantId, responses.id], set: meta }),
    // A replaced body that had more parts must not leave the extra ones behind.
    db.delete(parts).where(and(partsOf(tenantId, id), gte(parts.seq, pieces.length))),
  ];
  for (const [seq, piece] of pieces.entries()) {
    writes.push(
      db
        .insert(parts)
        .values({ tenantId, responseId: id, seq, body: piece })
        .onConflictDoUpdate({ target: [parts.tenantId, parts.responseId, parts.seq], set: { body: piece } }),
    );
  }
  writes.push(db.delete(items).where(itemsOf(tenantId, id)));
  writes.push(...indexOutputItems(db, record));
  // One batch is one transaction: a reader sees the old record or the new one, never a mix.
  await db.batch(writes);
}

/** The tenant's response, or null when absent, another tenant's, or expired (even if the sweep has not run yet). */
export async function loadResponse(db: Db, tenantId: string, id: string, now = Date.now()): Promise<ResponseRecord | null> {
  const rows = await db
    .select({ keyId: responses.keyId, model: responses.model, createdAt: responses.createdAt, parts: responses.parts, seq: parts.seq, body: parts.body })
    .from(responses)
    .innerJoin(parts, and(eq(parts.tenantId, responses.tenantId), eq(parts.responseId, responses.id)))
    .where(and(ofResponse(tenantId, id), gt(responses.expiresAt, now)))
    .orderBy(parts.seq)
    .all();
  const first = rows[0];
  if (!first || rows.length !== first.parts || rows.some((row, i) => row.seq !== i)) return null;
  const body = parseBody(rows.map((row) => row.body).join(""));
  if (!body) return null;
  return { id, tenantId, keyId: first.keyId, model: first.model, createdAt: first.createdAt, response: body.response, inputItems: body.input_items };
}

/** true when a (non-expired) response of the tenant was deleted. */
export async function deleteResponse(db: Db, tenantId: string, id: string, now = Date.now()): Promise<boolean> {
  // An expired record is deleted too (the sweep would have), but reported as absent.
  const [, , deleted] = await db.batch([
    db.delete(items).where(itemsOf(tenantId, id)),
    db.delete(parts).where(partsOf(tenantId, id)),
    db.delete(responses).where(ofResponse(tenantId, id)).returning({ expiresAt: responses.expiresAt }),
  ]);
  return deleted.some((row) => row.expiresAt > now);
}

/**
 * The tenant's stored output items with these ids (an item_reference's target), from responses
 * not expired; an id not found is absent from the map.
 */
export async function findOutputItems(db: Db, tenantId: string, ids: readonly string[], now = Date.now()): Promise<Map<string, JsonObject>> {
  const found = new Map<string, JsonObject>();
  if (!ids.length) return found;
  const rows = await db
    .select({ responseId: items.responseId })
    .from(items)
    .where(and(eq(items.tenantId, tenantId), inArray(items.itemId, [...ids])))
    .all();
  const records = await Promise.all([...new Set(rows.map((row) => row.responseId))].map((id) => loadResponse(db, tenantId, id, now)));
  const wanted = new Set(ids);
  for (const record of records) {
    const output = Array.isArray(record?.response.output) ? record.response.output : [];
    for (const item of output) if (isObject(item) && typeof item.id === "string" && wanted.has(item.id)) found.set(item.id, item);
  }
  return found;
}

const itemId = (item: JsonObject | undefined): string | null => (typeof item?.id === "string" ? item.id : null);

function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 20;
  return Math.min(100, Math.max(1, Math.trunc(limit)));
}

/**
 * OpenAI's paging for GET /v1/responses/{id}/input_items: order "desc" (default, newest item
 * first) or "asc"; `after` an item id (exclusive cursor); limit 1..100 (default 20). null when
 * the response is not the tenant's / absent / expired. An `after` id that is not among the
 * items: an empty page.
 */
export async function pageInputItems(
  db: Db,
  tenantId: string,
  id: string,
  query: { after?: string; limit?: number; order?: "asc" | "desc" },
  now = Date.now(),
): Promise<InputItemsPage | null> {
  const record = await loadResponse(db, tenantId, id, now);
  if (!record) return null;
  const items = query.order === "asc" ? record.inputItems : [...record.inputItems].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = items.findIndex((item) => item.id === query.after);
    if (at < 0) return { object: "list", data: [], first_id: null, last_id: null, has_more: false };
    start = at + 1;
  }
  const limit = pageLimit(query.limit);
  const data = items.slice(start, start + limit);
  return { object: "list", data, first_id: itemId(data[0]), last_id: itemId(data.at(-1)), has_more: start + limit < items.length };
}

/**
 * Deletes the tenant's expired responses (and their parts), at most SWEEP_BATCH at a time;
 * returns how many, and the next expires_at still stored (null: none; at or before `now` when a
 * backlog is left).
 */
export async function sweepExpiredResponses(d1: D1Database, tenantId: string, now: number): Promise<{ deleted: number; nextExpiry: number | null }> {
  // Without the relational schema: the gate calls this, and building that costs ~130 µs.
  const db = drizzle(d1);
  // Deterministic order, so both statements of the batch (one transaction) pick the same rows.
  const due = db
    .select({ id: responses.id })
    .from(responses)
    .where(and(eq(responses.tenantId, tenantId), lte(responses.expiresAt, now)))
    .orderBy(responses.expiresAt, responses.id)
    .limit(SWEEP_BATCH);
  const [, , deleted, next] = await db.batch([
    db.delete(items).where(and(eq(items.tenantId, tenantId), inArray(items.responseId, due))),
    db.delete(parts).where(and(eq(parts.tenantId, tenantId), inArray(parts.responseId, due))),
    db
      .delete(responses)
      .where(and(eq(responses.tenantId, tenantId), inArray(responses.id, due)))
      .returning({ id: responses.id }),
    db
      .select({ at: min(responses.expiresAt) })
      .from(responses)
      .where(eq(responses.tenantId, tenantId)),
  ]);
  return { deleted: deleted.length, nextExpiry: next[0]?.at ?? null };
}

const RETENTION_TTL_MS = 60_000;
const retention = new TtlCache<number>(RETENTION_TTL_MS);

/** The tenant's response_retention_days (default 30), cached per isolate for a short while. */
export async function responseRetentionDays(db: Db, tenantId: string): Promise<number> {
  return retention.getOrLoad(tenantId, async () => {
    const row = await db.select({ days: tenants.responseRetentionDays }).from(tenants).where(eq(tenants.id, tenantId)).get();
    return row?.days ?? DEFAULT_RESPONSE_RETENTION_DAYS;
  });
}

/** The tenant's setting changed: this isolate reads it again on next use (others within RETENTION_TTL_MS). */
export function forgetResponseRetention(tenantId: string): void {
  retention.delete(tenantId);
}
