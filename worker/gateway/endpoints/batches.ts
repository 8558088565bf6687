// /v1/batches: OpenAI's Batch API passed through with our own accounting. Creating a batch
// reserves the most its input file's lines can cost at the batch price (a 402 when the balance
// cannot hold it), for as long as the provider may take; the bank gate's alarm follows the batch
// until it ends, and then its lines' usage is charged once (batches/settle.ts).
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { log } from "../../core/logger.ts";
import { readSizedJson, validate } from "../../core/validation.ts";
import { type BatchRecord, findBatch, insertBatch, listBatches, updateBatchStatus } from "../../db/batches.ts";
import { getDb } from "../../db/client.ts";
import type { AppEnv } from "../../env.ts";
import { clientError } from "../attempts.ts";
import { BATCH_URLS } from "../batches/input-file.ts";
import { batchDiscountOf, batchPrice, batchWorstCase } from "../batches/price.ts";
import { batchEndpoint, batchRequestId, refreshBatch, statusOf } from "../batches/settle.ts";
import { batchView } from "../batches/view.ts";
import { admit, assertKeyUsable, gateFor } from "../gate.ts";
import { resolveModel, tenantCatalog } from "../resolve.ts";
import { ownFile } from "./files.ts";

/** The provider's 24 hours, and the hour after it in which it reports the batch expired. */
const HOLD_MS = 26 * 3600_000;
const UPSTREAM_TIMEOUT_MS = 60_000;

export const createBatchRequest = z.strictObject({
  input_file_id: z.string().min(1).max(256),
  endpoint: z.enum(BATCH_URLS),
  completion_window: z.literal("24h"),
  metadata: z.record(z.string().max(64), z.string().max(512)).optional(),
});

const notFound = () => new AppError("not_found", "No such batch.", { code: "batch_not_found", param: "batch_id" });

async function ownBatch(c: Context<AppEnv>): Promise<BatchRecord> {
  await assertKeyUsable(c.env, c.var.apiKey);
  const row = await findBatch(getDb(c.env.DB), c.var.apiKey.tenantId, c.req.param("id") ?? "");
  if (!row) throw notFound();
  return row;
}

export async function createBatch(c: Context<AppEnv>): Promise<Response> {
  const { body } = await readSizedJson(c.req.raw, createBatchRequest);
  const key = c.var.apiKey;
  const file = await ownFile(c, body.input_file_id);
  if (file.purpose !== "batch" || !file.model || !file.url) {
    throw new AppError("invalid_request", "The input file must be a file uploaded with purpose 'batch'.", { code: "invalid_file", param: "input_file_id" });
  }
  if (file.url !== body.endpoint) {
    throw new AppError("invalid_request", `The file's requests call '${file.url}', not '${body.endpoint}'.`, { code: "invalid_endpoint", param: "endpoint" });
  }
  // The price and the permission as they are now; the provider must still be the file's.
  const resolved = resolveModel(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, file.model);
  const endpoint = await batchEndpoint(c.env, file);
  if (!endpoint || resolved.provider.id !== file.providerId) {
    throw new AppError("invalid_request", `'${file.model}' is no longer served by the provider that holds this file; upload it again.`, {
      code: "invalid_file",
      param: "input_file_id",
    });
  }
  const price = batchPrice(resolved.price);
  const reservedMicros = batchWorstCase(file.promptTokenBound ?? 0, file.maxOutputTokens ?? 0, price);
  const id = newId("batch_");
  await admit(c.env, key.tenantId, {
    requestId: batchRequestId(id),
    keyId: key.id,
    tokens: 0,
    maxCostMicros: reservedMicros,
    endUser: null,
    targets: [file.model],
    holdMs: HOLD_MS,
  });
  const release = () => gateFor(c.env, key.tenantId).settle(key.tenantId, { requestId: batchRequestId(id), keyId: key.id, costMicros: 0, tokens: 0 });
  const options = { timeoutMs: UPSTREAM_TIMEOUT_MS, hops: c.var.upstreamHops };
  const upstream = await endpoint.api
    .createBatch(
      endpoint.target,
      {
        input_file_id: file.upstreamId,
        endpoint: body.endpoint,
        completion_window: body.completion_window,
        ...(body.metadata ? { metadata: body.metadata } : {}),
      },
      options,
    )
    .catch(async (error: unknown) => {
      await release();
      throw clientError(error);
    });
  const status = statusOf(upstream, "validating");
  const row = await insertBatch(getDb(c.env.DB), {
    tenantId: key.tenantId,
    id,
    keyId: key.id,
    providerId: file.providerId,
    upstreamId: upstream.id,
    inputFileId: file.id,
    model: file.model,
    url: file.url,
    status,
    upstream,
    price: price ?? null,
    batchDiscountBps: batchDiscountOf(resolved.price),
    reservedMicros,
    createdAt: Date.now(),
  });
  await gateFor(c.env, key.tenantId).watchBatch(key.tenantId, id);
  return c.json(await batchView(getDb(c.env.DB), row));
}

/** The batch as the provider now reports it (settled if it has ended); as last seen when the provider cannot be asked. */
export async function retrieveBatch(c: Context<AppEnv>): Promise<Response> {
  const row = await ownBatch(c);
  const seen = await refreshBatch(c.env, row, { hops: c.var.upstreamHops }).catch((error: unknown) => {
    log("warn", "batch not refreshed at its provider", { batchId: row.id, error: String(error) });
    return row;
  });
  return c.json(await batchView(getDb(c.env.DB), seen));
}

/** The body of a cancel is empty, or an empty JSON object. */
const cancelRequest = z.strictObject({});

export async function cancelBatch(c: Context<AppEnv>): Promise<Response> {
  await readSizedJson(c.req.raw, cancelRequest);
  const row = await ownBatch(c);
  const endpoint = await batchEndpoint(c.env, row);
  if (!endpoint || row.settledAt !== null) {
    throw new AppError("conflict", `The batch has ended (${row.status}); it cannot be cancelled.`, { code: "batch_ended", param: "batch_id" });
  }
  const upstream = await endpoint.api
    .cancelBatch(endpoint.target, row.upstreamId, { timeoutMs: UPSTREAM_TIMEOUT_MS, hops: c.var.upstreamHops })
    .catch((error: unknown) => {
      throw clientError(error);
    });
  const status = statusOf(upstream, row.status);
  await updateBatchStatus(getDb(c.env.DB), row.tenantId, row.id, status, upstream);
  return c.json(await batchView(getDb(c.env.DB), { ...row, status, upstream }));
}

export const listBatchesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  after: z.string().min(1).max(256).optional(),
});

export async function listBatchesHandler(c: Context<AppEnv>): Promise<Response> {
  const { limit = 20, after } = validate(c.req.query(), listBatchesQuery);
  await assertKeyUsable(c.env, c.var.apiKey);
  const db = getDb(c.env.DB);
  const tenantId = c.var.apiKey.tenantId;
  const from = after ? await findBatch(db, tenantId, after) : undefined;
  if (after && !from) throw notFound();
  const rows = await listBatches(db, tenantId, limit + 1, from);
  const data = await Promise.all(rows.slice(0, limit).map((r) => batchView(db, r)));
  return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > limit });
}
