// /api/routes: a tenant's model aliases. An alias names an ordered list of `provider/model`
// targets with a strategy (fallback, weighted, lowest-latency), retries and a timeout; it
// never contains '/', so it cannot shadow a provider model.
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { aliasTaken, findTenantRoute, listTenantRoutes, type RouteRow } from "../db/routes.ts";
import { ROUTE_STRATEGIES, routes } from "../db/schema.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { capture, promptCache } from "./limit-fields.ts";
import { MODEL_ID, PROVIDER_NAME } from "./providers.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const alias = z
  .string()
  .regex(ALIAS, "Use 1–128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit; no '/' (that names a provider's model).");

const target = z.strictObject({
  model: z
    .string()
    .max(320)
    .refine((m) => {
      const slash = m.indexOf("/");
      return slash > 0 && PROVIDER_NAME.test(m.slice(0, slash)) && MODEL_ID.test(m.slice(slash + 1));
    }, "Name a provider's model as provider/model.")
    .describe("provider/model"),
  weight: z.int().min(1).max(1000).optional().describe("For the weighted strategy; default 1"),
});

const fields = {
  alias,
  strategy: z.enum(ROUTE_STRATEGIES),
  targets: z.array(target).min(1).max(10),
  retries: z.int().min(0).max(5),
  timeout_ms: z.int().min(100).max(600_000).nullable().describe("Per attempt; null: the gateway default"),
  cache_ttl_seconds: z.int().min(0).max(86_400).nullable().describe("null or 0: no response caching"),
  prompt_cache: promptCache,
  capture,
};

const createBody = z.strictObject({
  ...fields,
  strategy: fields.strategy.default("fallback"),
  retries: fields.retries.default(0),
  timeout_ms: fields.timeout_ms.optional(),
  cache_ttl_seconds: fields.cache_ttl_seconds.optional(),
  prompt_cache: fields.prompt_cache.default("off"),
  capture: fields.capture.default("none"),
});

const updateBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const routeView = z.object({
  id: z.string(),
  alias: z.string(),
  strategy: z.enum(ROUTE_STRATEGIES),
  targets: z.array(z.object({ model: z.string(), weight: z.int().optional() })),
  retries: z.int(),
  timeout_ms: z.int().nullable(),
  cache_ttl_seconds: z.int().nullable(),
  prompt_cache: promptCache,
  capture,
  created_at: z.string(),
  updated_at: z.string().nullable(),
});

function routeJson(row: RouteRow): z.output<typeof routeView> {
  return {
    id: row.id,
    alias: row.alias,
    strategy: row.strategy,
    targets: row.targets,
    retries: row.retries,
    timeout_ms: row.timeoutMs,
    cache_ttl_seconds: row.cacheTtlSeconds,
    prompt_cache: row.promptCache,
    capture: row.capture,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt),
  };
}

/** Targets as stored: only the fields given, so a row reads back exactly as written. */
const storedTargets = (list: z.output<typeof target>[]): RouteRow["targets"] =>
  list.map((t) => (t.weight === undefined ? { model: t.model } : { model: t.model, weight: t.weight }));

async function findOr404(c: ApiContext, id: string): Promise<RouteRow> {
  const row = await findTenantRoute(getDb(c.env.DB), c.var.user.tenantId, id);
  if (!row) throw new AppError("not_found", "No such route.", { code: "route_not_found" });
  return row;
}

const aliasConflict = (name: string) => () => new AppError("conflict", `The alias '${name}' is already in use.`, { code: "route_exists", param: "alias" });

async function assertAliasFree(c: ApiContext, name: string, exceptId?: string): Promise<void> {
  if (await aliasTaken(getDb(c.env.DB), c.var.user.tenantId, name, exceptId)) throw aliasConflict(name)();
}

async function commit(c: ApiContext, action: string, before: RouteRow | null, after: RouteRow | null, write: BatchItem<"sqlite">) {
  const row = (after ?? before)!;
  await conflictOnDuplicate(
    commitChange(getDb(c.env.DB), actorOf(c), { action, entityType: "route", entityId: row.id, tenantId: row.tenantId, before, after }, [write]),
    aliasConflict(row.alias),
  );
}

export const routesApi = new ApiRouter("routes")
  .endpoint("get", "/", { summary: "The tenant's route aliases.", access: "routes:read", response: z.object({ data: z.array(routeView) }) }, async (c) => {
    const rows = await listTenantRoutes(getDb(c.env.DB), c.var.user.tenantId);
    return c.json({ data: rows.map(routeJson) });
  })
  .endpoint("get", "/:id", { summary: "One route.", access: "routes:read", response: routeView }, async (c) =>
    c.json(routeJson(await findOr404(c, c.req.param("id")!))),
  )
  .endpoint(
    "post",
    "/",
    { summary: "Create an alias over one or more provider models.", access: "routes:write", body: createBody, status: 201, response: routeView },
    async (c, { body }) => {
      await assertAliasFree(c, body.alias);
      const row: RouteRow = {
        id: newId("rte"),
        tenantId: c.var.user.tenantId,
        alias: body.alias,
        strategy: body.strategy,
        targets: storedTargets(body.targets),
        retries: body.retries,
        timeoutMs: body.timeout_ms ?? null,
        cacheTtlSeconds: body.cache_ttl_seconds ?? null,
        promptCache: body.prompt_cache,
        capture: body.capture,
        createdAt: Date.now(),
        updatedAt: null,
      };
      await commit(c, "create", null, row, getDb(c.env.DB).insert(routes).values(row));
      return c.json(routeJson(row), 201);
    },
  )
  .endpoint("patch", "/:id", { summary: "Change a route.", access: "routes:write", body: updateBody, response: routeView }, async (c, { body }) => {
    const before = await findOr404(c, c.req.param("id")!);
    const after: RouteRow = {
      ...before,
      ...(body.alias !== undefined && { alias: body.alias }),
      ...(body.strategy !== undefined && { strategy: body.strategy }),
      ...(body.targets !== undefined && { targets: storedTargets(body.targets) }),
      ...(body.retries !== undefined && { retries: body.retries }),
      ...(body.timeout_ms !== undefined && { timeoutMs: body.timeout_ms }),
      ...(body.cache_ttl_seconds !== undefined && { cacheTtlSeconds: body.cache_ttl_seconds }),
      ...(body.prompt_cache !== undefined && { promptCache: body.prompt_cache }),
      ...(body.capture !== undefined && { capture: body.capture }),
      updatedAt: Date.now(),
    };
    if (after.alias !== before.alias) await assertAliasFree(c, after.alias, before.id);
    await commit(c, "update", before, after, getDb(c.env.DB).update(routes).set(after).where(eq(routes.id, before.id)));
    return c.json(routeJson(after));
  })
  .endpoint("delete", "/:id", { summary: "Delete a route.", access: "routes:write", response: routeView }, async (c) => {
    const before = await findOr404(c, c.req.param("id")!);
    await commit(c, "delete", before, null, getDb(c.env.DB).delete(routes).where(eq(routes.id, before.id)));
    return c.json(routeJson(before));
  });
