// /api/keys: create (the secret is shown once), list, update, revoke. Only the SHA-256 of a
// key and a display prefix are stored; every change is audited.
import { eq } from "drizzle-orm";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId, randomSecret } from "../core/ids.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { type ApiKeyRow, findTenantKey, listTenantKeys } from "../db/keys.ts";
import { apiKeys } from "../db/schema.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import {
  budgetMicros,
  budgetMode,
  budgetPeriod,
  modelLimits,
  modelLimitsBody,
  modelLimitsJson,
  mcpTools,
  modelLimitsView,
  capture,
  promptCache,
} from "./limit-fields.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const limit = z.int().min(1).max(100_000_000).nullable();
const expiresAt = z.iso.datetime({ offset: true }).nullable().describe("ISO 8601; null: never expires");
const models = z.array(z.string().min(1).max(256)).max(500).nullable().describe("Allowed models; null or empty: all");

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  rpm_limit: limit.optional(),
  tpm_limit: limit.optional(),
  models: models.optional(),
  expires_at: expiresAt.optional(),
  budget_micros: budgetMicros.optional(),
  budget_period: budgetPeriod.optional().describe("Default monthly"),
  budget_mode: budgetMode.optional().describe("Default hard"),
  model_limits: modelLimitsBody.optional(),
  prompt_cache: promptCache.optional().describe("Default off"),
  capture: capture.optional().describe("Default none"),
  mcp_tools: mcpTools.optional().describe("Default none: the key reaches no MCP tool at /mcp"),
});

const updateBody = createBody.partial().refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const keyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  rpm_limit: z.int().nullable(),
  tpm_limit: z.int().nullable(),
  models: z.array(z.string()).nullable(),
  budget_micros: z.int().nullable(),
  budget_period: budgetPeriod,
  budget_mode: budgetMode,
  model_limits: modelLimitsView,
  prompt_cache: promptCache,
  capture,
  mcp_tools: z.array(z.string()),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  created_at: z.string(),
});

export function keyJson(row: ApiKeyRow): z.output<typeof keyView> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    rpm_limit: row.rpmLimit,
    tpm_limit: row.tpmLimit,
    models: row.models,
    budget_micros: row.budgetMicros,
    budget_period: row.budgetPeriod,
    budget_mode: row.budgetMode,
    model_limits: modelLimitsJson(row.modelLimits),
    prompt_cache: row.promptCache,
    capture: row.capture,
    mcp_tools: row.mcpTools ?? [],
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    last_used_at: iso(row.lastUsedAt),
    created_at: iso(row.createdAt)!,
  };
}

const toMs = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : Date.parse(value));

async function findOr404(c: ApiContext, id: string): Promise<ApiKeyRow> {
  const row = await findTenantKey(getDb(c.env.DB), c.var.user.tenantId, id);
  if (!row) throw new AppError("not_found", "No such API key.", { code: "key_not_found" });
  return row;
}

export const keys = new ApiRouter("keys")
  .endpoint(
    "get",
    "/",
    { summary: "The tenant's API keys (never the secrets).", access: "keys:read", response: z.object({ data: z.array(keyView) }) },
    async (c) => {
      const rows = await listTenantKeys(getDb(c.env.DB), c.var.user.tenantId);
      return c.json({ data: rows.map(keyJson) });
    },
  )
  .endpoint("get", "/:id", { summary: "One API key.", access: "keys:read", response: keyView }, async (c) =>
    c.json(keyJson(await findOr404(c, c.req.param("id")!))),
  )
  .endpoint(
    "post",
    "/",
    {
      summary: "Create a key; the secret is in this answer only.",
      access: "keys:write",
      body: createBody,
      status: 201,
      response: keyView.extend({ key: z.string() }),
    },
    async (c, { body }) => {
      const db = getDb(c.env.DB);
      const secret = `sk-agg-${randomSecret(40)}`;
      const row: ApiKeyRow = {
        id: newId("key"),
        tenantId: c.var.user.tenantId,
        name: body.name,
        keyHash: await sha256Hex(secret),
        prefix: secret.slice(0, 12),
        rpmLimit: body.rpm_limit ?? null,
        tpmLimit: body.tpm_limit ?? null,
        models: body.models ?? null,
        budgetMicros: body.budget_micros ?? null,
        budgetPeriod: body.budget_period ?? "monthly",
        budgetMode: body.budget_mode ?? "hard",
        modelLimits: modelLimits(body.model_limits ?? null),
        promptCache: body.prompt_cache ?? "off",
        capture: body.capture ?? "none",
        mcpTools: body.mcp_tools?.length ? body.mcp_tools : null,
        expiresAt: toMs(body.expires_at) ?? null,
        revokedAt: null,
        lastUsedAt: null,
        createdBy: c.var.user.id,
        createdAt: Date.now(),
      };
      await commitChange(db, actorOf(c), { action: "create", entityType: "api_key", entityId: row.id, tenantId: row.tenantId, before: null, after: row }, [
        db.insert(apiKeys).values(row),
      ]);
      return c.json({ ...keyJson(row), key: secret }, 201);
    },
  )
  .endpoint(
    "patch",
    "/:id",
    { summary: "Change a key's name, limits, budget, model caps, models or expiry.", access: "keys:write", body: updateBody, response: keyView },
    async (c, { body }) => {
      const db = getDb(c.env.DB);
      const before = await findOr404(c, c.req.param("id")!);
      const after: ApiKeyRow = {
        ...before,
        ...(body.name !== undefined && { name: body.name }),
        ...(body.rpm_limit !== undefined && { rpmLimit: body.rpm_limit }),
        ...(body.tpm_limit !== undefined && { tpmLimit: body.tpm_limit }),
        ...(body.models !== undefined && { models: body.models }),
        ...(body.budget_micros !== undefined && { budgetMicros: body.budget_micros }),
        ...(body.budget_period !== undefined && { budgetPeriod: body.budget_period }),
        ...(body.budget_mode !== undefined && { budgetMode: body.budget_mode }),
        ...(body.model_limits !== undefined && { modelLimits: modelLimits(body.model_limits) }),
        ...(body.prompt_cache !== undefined && { promptCache: body.prompt_cache }),
        ...(body.capture !== undefined && { capture: body.capture }),
        ...(body.mcp_tools !== undefined && { mcpTools: body.mcp_tools.length ? body.mcp_tools : null }),
        ...(body.expires_at !== undefined && { expiresAt: toMs(body.expires_at) ?? null }),
      };
      await commitChange(db, actorOf(c), { action: "update", entityType: "api_key", entityId: before.id, tenantId: before.tenantId, before, after }, [
        db.update(apiKeys).set(after).where(eq(apiKeys.id, before.id)),
      ]);
      return c.json(keyJson(after));
    },
  )
  .endpoint("delete", "/:id", { summary: "Revoke a key: it stops working at once.", access: "keys:write", response: keyView }, async (c) => {
    const db = getDb(c.env.DB);
    const before = await findOr404(c, c.req.param("id")!);
    if (before.revokedAt !== null) return c.json(keyJson(before));
    const after: ApiKeyRow = { ...before, revokedAt: Date.now() };
    await commitChange(db, actorOf(c), { action: "revoke", entityType: "api_key", entityId: before.id, tenantId: before.tenantId, before, after }, [
      db.update(apiKeys).set({ revokedAt: after.revokedAt }).where(eq(apiKeys.id, before.id)),
    ]);
    return c.json(keyJson(after));
  });
