// The Responses API's stored state, the tenant's own: GET and DELETE /v1/responses/{id},
// GET /v1/responses/{id}/input_items (paged) and POST /v1/responses/{id}/cancel. Another
// tenant's id answers exactly as an id that never existed. Nothing is called upstream.
import type { Context } from "hono";
import * as z from "zod";
import { AppError } from "../../core/errors.ts";
import { validate } from "../../core/validation.ts";
import { getDb } from "../../db/client.ts";
import { deleteResponse, loadResponse, pageInputItems, type ResponseRecord } from "../../db/stored-responses.ts";
import type { AppEnv } from "../../env.ts";
import { assertKeyUsable } from "../gate.ts";

// The id is not echoed: another tenant's id and one that never existed must answer alike, byte for byte.
const notFound = () => new AppError("not_found", "No response found with that id.", { code: "response_not_found", param: "response_id" });

async function tenantOf(c: Context<AppEnv>): Promise<string> {
  await assertKeyUsable(c.env, c.var.apiKey);
  return c.var.apiKey.tenantId;
}

async function stored(c: Context<AppEnv>): Promise<ResponseRecord> {
  const id = c.req.param("id") ?? "";
  const record = await loadResponse(getDb(c.env.DB), await tenantOf(c), id);
  if (!record) throw notFound();
  return record;
}

export async function getStoredResponse(c: Context<AppEnv>): Promise<Response> {
  return c.json((await stored(c)).response);
}

export async function deleteStoredResponse(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  if (!(await deleteResponse(getDb(c.env.DB), await tenantOf(c), id))) throw notFound();
  return c.json({ id, object: "response", deleted: true });
}

export const inputItemsQuery = z.strictObject({
  after: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  order: z.enum(["asc", "desc"]).optional(),
  // Sent by some clients; the stored items are whole already.
  "include[]": z.string().optional(),
});

export async function listInputItems(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const { after, limit, order } = validate(c.req.query(), inputItemsQuery);
  const page = await pageInputItems(getDb(c.env.DB), await tenantOf(c), id, {
    ...(after ? { after } : {}),
    ...(limit ? { limit } : {}),
    ...(order ? { order } : {}),
  });
  if (!page) throw notFound();
  return c.json(page);
}

/** Only a background response can be cancelled, and the gateway runs none (background is refused). */
export async function cancelStoredResponse(c: Context<AppEnv>): Promise<Response> {
  await stored(c);
  throw new AppError("invalid_request", "Cannot cancel a synchronous response: only background responses can be cancelled.", {
    code: "not_cancellable",
    param: "response_id",
  });
}
