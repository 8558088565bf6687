// /api/providers: the platform's providers (operator) and a tenant's own, bring-your-own-key
// ones. The API key is stored AES-GCM encrypted and only its last four characters are ever
// shown; every change is audited with the whole row, so a rollback restores the key too.
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { assertPermission, hasPermission } from "../core/rbac.ts";
import { decryptSecret, encryptSecret } from "../core/security/secrets.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { findVisibleProvider, listVisibleProviders, type ProviderRecord, providerNameTaken } from "../db/providers.ts";
import { PROVIDER_KINDS, providers } from "../db/schema.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { CIRCUIT_STATES } from "../gateway/breaker.ts";
import { meanLatency, providerHealth } from "../gateway/provider-health.ts";
import { PROVIDERS } from "../gateway/providers/index.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { probeProvider, probeResult } from "./provider-probe.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

/** A provider's name is the prefix of its models (`<name>/<model>`), so it is URL- and slash-safe. */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** A model id as providers spell them: printable ASCII, no spaces. */
export const MODEL_ID = /^[\x21-\x7e]{1,256}$/;

export const scopeField = z.enum(["tenant", "platform"]).describe("platform: every tenant's (operator only); tenant: this tenant's own");

const name = z.string().regex(PROVIDER_NAME, "Use 1–63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
const baseUrl = z
  .url({ protocol: /^https?$/, error: "Must be an http(s) URL." })
  .max(2048)
  .refine((url) => !/[?#]/.test(url), "Must not have a query or fragment.")
  .transform((url) => url.replace(/\/+$/, ""))
  .describe("A tenant's (not the operator's): https, and no internal address, local network name, credentials or this gateway's host (400 url_not_allowed)");
const apiKey = z.string().trim().min(1).max(4096);
const models = z
  .array(z.string().regex(MODEL_ID, "Model ids are printable ASCII without spaces, at most 256 characters."))
  .max(1000)
  .transform((list) => [...new Set(list)]);

const fields = {
  name,
  kind: z.enum(PROVIDER_KINDS),
  base_url: baseUrl.nullable(),
  api_key: apiKey.nullable().describe("Write-only; stored encrypted. null removes it."),
  models: models.describe("Upstream model ids, called as <name>/<model>"),
  weight: z.int().min(0).max(1000),
  enabled: z.boolean(),
};

const createBody = z.strictObject({
  name: fields.name,
  kind: fields.kind,
  base_url: baseUrl.optional(),
  api_key: apiKey.optional().describe("Write-only; stored encrypted"),
  models: fields.models.default([]),
  weight: fields.weight.default(1),
  enabled: fields.enabled.default(true),
  scope: scopeField.default("tenant"),
});

const updateBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const healthView = z
  .object({
    circuit: z.enum(CIRCUIT_STATES).describe("Its circuit breaker: open skips it, half-open lets one probe through"),
    samples: z.int().describe("Calls in the breaker's window"),
    failures: z.int().describe("Failed calls in the breaker's window"),
    latency_ms: z.number().nullable().describe("Mean of its models' moving-average latency; null: no call observed yet"),
  })
  .describe("As observed by the isolate that answered");

const providerView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  base_url: z.string().nullable(),
  api_key_last4: z.string().nullable().describe("Shown to those who may change the provider, for keys of 12+ characters"),
  has_api_key: z.boolean(),
  models: z.array(z.string()),
  weight: z.int(),
  enabled: z.boolean(),
  scope: scopeField,
  created_at: z.string(),
  updated_at: z.string().nullable(),
  health: healthView,
});

const canWrite = (c: ApiContext, row: ProviderRecord) => hasPermission(c.var.user, row.tenantId === null ? "platform:write" : "providers:write");

function healthJson(row: ProviderRecord): z.output<typeof healthView> {
  const { circuit, samples, failures, latency } = providerHealth(row);
  return { circuit, samples, failures, latency_ms: meanLatency(latency) };
}

function providerJson(c: ApiContext, row: ProviderRecord): z.output<typeof providerView> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    base_url: row.baseUrl,
    api_key_last4: canWrite(c, row) ? row.apiKeyLast4 : null,
    has_api_key: row.apiKeyEncrypted !== null,
    models: row.models,
    weight: row.weight,
    enabled: row.enabled,
    scope: row.tenantId === null ? "platform" : "tenant",
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt),
    health: healthJson(row),
  };
}

async function findOr404(c: ApiContext, id: string): Promise<ProviderRecord> {
  const row = await findVisibleProvider(getDb(c.env.DB), c.var.user.tenantId, id);
  if (!row) throw new AppError("not_found", "No such provider.", { code: "provider_not_found" });
  return row;
}

/** The provider, if the caller may change it: platform providers are the operator's. */
async function findWritable(c: ApiContext, id: string): Promise<ProviderRecord> {
  const row = await findOr404(c, id);
  if (row.tenantId === null) assertPermission(c.var.user, "platform:write");
  return row;
}

const nameConflict = (providerName: string) => () =>
  new AppError("conflict", `A provider named '${providerName}' already exists in this scope.`, { code: "provider_exists", param: "name" });

async function assertNameFree(c: ApiContext, tenantId: string | null, providerName: string, exceptId?: string): Promise<void> {
  if (await providerNameTaken(getDb(c.env.DB), tenantId, providerName, exceptId)) throw nameConflict(providerName)();
}

function assertBaseUrl(kind: ProviderRecord["kind"], url: string | null): void {
  if (PROVIDERS[kind].needsBaseUrl && url === null) {
    throw new AppError("invalid_request", `An ${kind} provider needs a base_url.`, { code: "invalid_request", param: "base_url" });
  }
}

/** The stored form of a key: ciphertext and a display hint that does not give a short key away. */
async function sealKey(c: ApiContext, key: string | null): Promise<Pick<ProviderRecord, "apiKeyEncrypted" | "apiKeyLast4">> {
  if (key === null) return { apiKeyEncrypted: null, apiKeyLast4: null };
  return { apiKeyEncrypted: await encryptSecret(c.env.SECRETS_KEY, key), apiKeyLast4: key.length >= 12 ? key.slice(-4) : null };
}

async function openKey(c: ApiContext, row: ProviderRecord): Promise<string | null> {
  return row.apiKeyEncrypted === null ? null : decryptSecret(c.env.SECRETS_KEY, row.apiKeyEncrypted);
}

async function commit(c: ApiContext, action: string, before: ProviderRecord | null, after: ProviderRecord | null, write: BatchItem<"sqlite">) {
  const row = (after ?? before)!;
  const db = getDb(c.env.DB);
  await conflictOnDuplicate(
    commitChange(db, actorOf(c), { action, entityType: "provider", entityId: row.id, tenantId: row.tenantId, before, after }, [write]),
    nameConflict(row.name),
  );
}

export const providersApi = new ApiRouter("providers")
  .endpoint(
    "get",
    "/",
    {
      summary: "The platform's providers and the tenant's own (never the keys).",
      access: "providers:read",
      response: z.object({ data: z.array(providerView) }),
    },
    async (c) => {
      const rows = await listVisibleProviders(getDb(c.env.DB), c.var.user.tenantId);
      return c.json({ data: rows.map((row) => providerJson(c, row)) });
    },
  )
  .endpoint("get", "/:id", { summary: "One provider.", access: "providers:read", response: providerView }, async (c) =>
    c.json(providerJson(c, await findOr404(c, c.req.param("id")!))),
  )
  .endpoint(
    "post",
    "/",
    {
      summary: "Add a provider: the tenant's own, or with scope 'platform' every tenant's (operator).",
      access: "providers:write",
      body: createBody,
      status: 201,
      response: providerView,
    },
    async (c, { body }) => {
      if (body.scope === "platform") assertPermission(c.var.user, "platform:write");
      const tenantId = body.scope === "platform" ? null : c.var.user.tenantId;
      const url = body.base_url ?? null;
      assertBaseUrl(body.kind, url);
      if (url !== null) assertConfigurableUrl(c, url, "base_url");
      await assertNameFree(c, tenantId, body.name);
      const row: ProviderRecord = {
        id: newId("prv"),
        tenantId,
        name: body.name,
        kind: body.kind,
        baseUrl: url,
        ...(await sealKey(c, body.api_key ?? null)),
        models: body.models,
        weight: body.weight,
        enabled: body.enabled,
        createdAt: Date.now(),
        updatedAt: null,
      };
      await commit(c, "create", null, row, getDb(c.env.DB).insert(providers).values(row));
      return c.json(providerJson(c, row), 201);
    },
  )
  .endpoint(
    "patch",
    "/:id",
    { summary: "Change a provider; send api_key to rotate it, null to remove it.", access: "providers:write", body: updateBody, response: providerView },
    async (c, { body }) => {
      const before = await findWritable(c, c.req.param("id")!);
      if (body.base_url) assertConfigurableUrl(c, body.base_url, "base_url");
      const after: ProviderRecord = {
        ...before,
        ...(body.name !== undefined && { name: body.name }),
        ...(body.kind !== undefined && { kind: body.kind }),
        ...(body.base_url !== undefined && { baseUrl: body.base_url }),
        ...(body.api_key !== undefined && (await sealKey(c, body.api_key))),
        ...(body.models !== undefined && { models: body.models }),
        ...(body.weight !== undefined && { weight: body.weight }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        updatedAt: Date.now(),
      };
      assertBaseUrl(after.kind, after.baseUrl);
      if (after.name !== before.name) await assertNameFree(c, before.tenantId, after.name, before.id);
      await commit(c, "update", before, after, getDb(c.env.DB).update(providers).set(after).where(eq(providers.id, before.id)));
      return c.json(providerJson(c, after));
    },
  )
  .endpoint(
    "delete",
    "/:id",
    { summary: "Delete a provider (a rollback of the entry restores it, key included).", access: "providers:write", response: providerView },
    async (c) => {
      const before = await findWritable(c, c.req.param("id")!);
      await commit(c, "delete", before, null, getDb(c.env.DB).delete(providers).where(eq(providers.id, before.id)));
      return c.json(providerJson(c, before));
    },
  )
  .endpoint(
    "post",
    "/:id/test",
    {
      summary: "Call the provider once (list its models) and report; an upstream failure is ok: false, not an error.",
      description:
        "The report is the status, the latency, the models listed and a short generic reason; never the upstream's body or headers. " +
        "Redirects are not followed. A tenant's provider whose base_url is not allowed (see POST) is refused with 400 url_not_allowed.",
      access: "providers:write",
      response: probeResult,
    },
    async (c) => {
      const row = await findWritable(c, c.req.param("id")!);
      // Checked again here: a URL stored before the guard existed must not become a probe.
      if (row.baseUrl !== null) assertConfigurableUrl(c, row.baseUrl, "base_url");
      let key: string | null;
      try {
        key = await openKey(c, row);
      } catch {
        return c.json({ ok: false, status: null, latency_ms: 0, error: "The stored API key cannot be decrypted (was SECRETS_KEY changed?); set it again." });
      }
      return c.json(await probeProvider(row.kind, row.baseUrl, key));
    },
  );
