// /v1/files for the Batch API: a JSONL input file checked (batches/input-file.ts), its model
// resolved to a provider that runs batches, and uploaded there with that provider's model name;
// files listed, read, their contents streamed and deleted. Only the tenant's own, under our ids.
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { validate } from "../../core/validation.ts";
import { type BatchFileRecord, findBatchFile, insertBatchFile, listBatchFiles, markBatchFileDeleted } from "../../db/batches.ts";
import { getDb } from "../../db/client.ts";
import { BATCH_FILE_PURPOSES } from "../../db/schema.ts";
import type { AppEnv } from "../../env.ts";
import { clientError } from "../attempts.ts";
import { batchEndpoint } from "../batches/settle.ts";
import { fileView } from "../batches/view.ts";
import { forProvider, type InputFile, readInputFile } from "../batches/input-file.ts";
import { assertKeyUsable } from "../gate.ts";
import { formFields, formFile, readForm } from "../media/multipart.ts";
import { type PlannedTarget, planCall } from "../plan.ts";
import { adapterFor } from "../providers/index.ts";
import { maxOutputTokens } from "../providers/model-limits.ts";
import { tenantCatalog } from "../resolve.ts";

const UPLOAD_TIMEOUT_MS = 120_000;

const uploadFields = z.object({ purpose: z.string().max(64) });

// The id is not echoed: another tenant's id and one that never existed answer alike.
const notFound = () => new AppError("not_found", "No such file.", { code: "file_not_found", param: "file_id" });

async function tenantOf(c: Context<AppEnv>): Promise<string> {
  await assertKeyUsable(c.env, c.var.apiKey);
  return c.var.apiKey.tenantId;
}

export async function ownFile(c: Context<AppEnv>, id: string): Promise<BatchFileRecord> {
  const file = await findBatchFile(getDb(c.env.DB), await tenantOf(c), id);
  if (!file) throw notFound();
  return file;
}

/** The first of the model's targets whose provider runs batches (OpenAI's Batch API, or the demo's). */
async function batchTarget(c: Context<AppEnv>, model: string): Promise<PlannedTarget> {
  const key = c.var.apiKey;
  const plan = await planCall(await tenantCatalog(getDb(c.env.DB), key.tenantId), key, model, c.env.SECRETS_KEY, {});
  const target = plan.targets.find((t) => adapterFor(t.provider).batches);
  if (!target) {
    throw new AppError("invalid_request", `'${model.slice(0, 256)}' cannot run batches: the Batch API goes to OpenAI providers (and the demo provider) only.`, {
      code: "unsupported_endpoint",
      param: "file",
    });
  }
  return target;
}

/** What all lines together may use: their prompt bounds, and their output limits (the model's most where a line sets none). */
function worstCase(file: InputFile, upstreamModel: string): { promptTokenBound: number; maxOutputTokens: number } {
  let prompt = 0;
  let output = 0;
  for (const b of file.bounds) {
    prompt += b.promptBound;
    output += (b.maxOutput ?? maxOutputTokens(upstreamModel)) * b.choices;
  }
  return { promptTokenBound: prompt, maxOutputTokens: output };
}

export async function uploadFile(c: Context<AppEnv>): Promise<Response> {
  const tenantId = await tenantOf(c);
  const form = await readForm(c.req.raw);
  const { purpose } = formFields(form, uploadFields);
  if (purpose !== "batch") {
    throw new AppError("invalid_request", `Files of purpose '${purpose.slice(0, 64)}' are not kept here; upload batch input files (purpose 'batch').`, {
      code: "invalid_purpose",
      param: "purpose",
    });
  }
  const upload = formFile(form, "file");
  const input = readInputFile(await upload.text());
  const target = await batchTarget(c, input.model);
  const api = adapterFor(target.provider).batches!;
  const body = forProvider(input, target.target.model);
  const stored = await api
    .uploadFile(target.target, new File([body], upload.name || "batch.jsonl", { type: "application/jsonl" }), {
      timeoutMs: UPLOAD_TIMEOUT_MS,
      hops: c.var.upstreamHops,
    })
    .catch((error: unknown) => {
      throw clientError(error);
    });
  const file = await insertBatchFile(getDb(c.env.DB), {
    tenantId,
    id: newId("file-"),
    providerId: target.provider.id,
    upstreamId: stored.id,
    purpose: "batch",
    filename: (upload.name || "batch.jsonl").slice(0, 256),
    bytes: upload.size,
    model: target.name,
    url: input.url,
    lines: input.lines.length,
    ...worstCase(input, target.target.model),
    createdAt: Date.now(),
  });
  return c.json(fileView(file));
}

export const listFilesQuery = z.strictObject({
  purpose: z.enum(BATCH_FILE_PURPOSES).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  after: z.string().min(1).max(256).optional(),
  order: z.literal("desc").optional(),
});

/** Newest first, paged (`after` a file id); `purpose` filters the page. */
export async function listFiles(c: Context<AppEnv>): Promise<Response> {
  const { purpose, limit = 10_000, after } = validate(c.req.query(), listFilesQuery);
  const from = after ? await ownFile(c, after) : undefined;
  const rows = await listBatchFiles(getDb(c.env.DB), await tenantOf(c), limit + 1, from);
  const data = rows
    .slice(0, limit)
    .filter((f) => !purpose || f.purpose === purpose)
    .map(fileView);
  return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > limit });
}

export async function getFile(c: Context<AppEnv>): Promise<Response> {
  return c.json(fileView(await ownFile(c, c.req.param("id") ?? "")));
}

/** The file's contents as the provider holds them, streamed. */
export async function fileContent(c: Context<AppEnv>): Promise<Response> {
  const file = await ownFile(c, c.req.param("id") ?? "");
  const endpoint = await batchEndpoint(c.env, file);
  if (!endpoint) throw new AppError("not_found", "The provider that held this file is gone.", { code: "file_not_found", param: "file_id" });
  const res = await endpoint.api
    .fileContent(endpoint.target, file.upstreamId, { timeoutMs: UPLOAD_TIMEOUT_MS, hops: c.var.upstreamHops })
    .catch((error: unknown) => {
      throw clientError(error);
    });
  return new Response(res.body, { headers: { "content-type": "application/jsonl" } });
}

export async function deleteFile(c: Context<AppEnv>): Promise<Response> {
  const file = await ownFile(c, c.req.param("id") ?? "");
  const endpoint = await batchEndpoint(c.env, file);
  // Deleted here whatever the provider says: the tenant can no longer reach it through us.
  await endpoint?.api.deleteFile(endpoint.target, file.upstreamId, { timeoutMs: UPLOAD_TIMEOUT_MS, hops: c.var.upstreamHops }).catch(() => undefined);
  await markBatchFileDeleted(getDb(c.env.DB), file.tenantId, file.id, Date.now());
  return c.json({ id: file.id, object: "file", deleted: true });
}
