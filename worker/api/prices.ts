// /api/prices: platform prices (operator) and a tenant's overrides, per model, in integer
// micro-dollars per million tokens. The list is the tenant's effective price table.
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { assertPermission } from "../core/rbac.ts";
import { iso } from "../core/time.ts";
import { type Catalog, isCallable, loadCatalog, priceFor } from "../db/catalog.ts";
import { getDb } from "../db/client.ts";
import { priceWithMarkup } from "../gateway/cost.ts";
import { effectivePrices, findVisiblePrice, listPrices, NO_UNIT_PRICES, type PriceRecord, priceExists } from "../db/prices.ts";
import { prices } from "../db/schema.ts";
import { conflictOnDuplicate } from "../db/unique.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { MODEL_ID, scopeField } from "./providers.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

// Up to $1,000,000 per million tokens: far above any real price, far below 2⁵³.
const micros = z.int().min(0).max(1_000_000_000_000);

const IMAGE_TIER = /^\d{2,5}x\d{2,5}(\/[a-z]{2,16})?$/;

/** Calls billed per unit rather than per token; null: the model has no price in that unit. */
const unitFields = {
  per_image_micros: micros.nullable().describe("Per image generated or edited, for sizes and qualities image_prices does not name"),
  image_prices: z
    .record(z.string().regex(IMAGE_TIER, "Use <width>x<height> or <width>x<height>/<quality>."), micros)
    .refine((r) => Object.keys(r).length <= 50, "At most 50 sizes.")
    .nullable()
    .describe("Per image by `<size>/<quality>` or `<size>` (e.g. 1024x1792/hd), the first that matches; else per_image_micros"),
  per_audio_second_micros: micros.nullable().describe("Transcription and translation: per second of audio, rounded up"),
  per_mchar_micros: micros.nullable().describe("Speech: per million characters of input text"),
  per_request_micros: micros.nullable().describe("Moderation: per call (0: free)"),
  per_search_unit_micros: micros.nullable().describe("Rerank: per search unit (a query over up to 100 documents)"),
  batch_discount_bps: z
    .int()
    .min(0)
    .max(10_000)
    .nullable()
    .describe("Batch API lines: basis points off the token prices; null: 5000 (half price, as OpenAI bills batches)"),
};
const UNIT_FIELD_NAMES = Object.keys(unitFields) as (keyof typeof unitFields)[];

const fields = {
  input_per_mtok_micros: micros,
  output_per_mtok_micros: micros,
  cached_input_per_mtok_micros: micros.nullable().describe("null: cached input costs the input price"),
  reasoning_per_mtok_micros: micros.nullable().describe("null: reasoning costs the output price"),
  cache_write_5m_per_mtok_micros: micros.nullable().describe("Prompt tokens written to the cache for 5 minutes; null: 1.25 × the input price"),
  cache_write_1h_per_mtok_micros: micros.nullable().describe("Prompt tokens written to the cache for 1 hour; null: 2 × the input price"),
  ...unitFields,
  source: z.string().trim().max(500).nullable(),
  effective_at: z.iso.datetime({ offset: true }),
};

const createBody = z.strictObject({
  model: z
    .string()
    .regex(MODEL_ID, "Use the model as called (provider/model) or the bare upstream model id.")
    .describe("`provider/model`, or a bare upstream model id that applies to every provider"),
  ...fields,
  cached_input_per_mtok_micros: fields.cached_input_per_mtok_micros.optional(),
  reasoning_per_mtok_micros: fields.reasoning_per_mtok_micros.optional(),
  cache_write_5m_per_mtok_micros: fields.cache_write_5m_per_mtok_micros.optional(),
  cache_write_1h_per_mtok_micros: fields.cache_write_1h_per_mtok_micros.optional(),
  ...(Object.fromEntries(UNIT_FIELD_NAMES.map((f) => [f, unitFields[f].optional()])) as {
    [F in keyof typeof unitFields]: z.ZodOptional<(typeof unitFields)[F]>;
  }),
  source: fields.source.optional(),
  effective_at: fields.effective_at.optional().describe("ISO 8601; default now"),
  scope: scopeField.default("tenant"),
});

const updateBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const listQuery = z.object({
  scope: z
    .enum(["effective", "tenant", "platform"])
    .default("effective")
    .describe("effective: one price per model, the tenant's override where there is one; tenant: only the overrides; platform: only the platform prices"),
});

const priceView = z.object({
  id: z.string(),
  model: z.string(),
  input_per_mtok_micros: z.int(),
  output_per_mtok_micros: z.int(),
  cached_input_per_mtok_micros: z.int().nullable(),
  reasoning_per_mtok_micros: z.int().nullable(),
  cache_write_5m_per_mtok_micros: z.int().nullable(),
  cache_write_1h_per_mtok_micros: z.int().nullable(),
  per_image_micros: z.int().nullable(),
  image_prices: z.record(z.string(), z.int()).nullable(),
  per_audio_second_micros: z.int().nullable(),
  per_mchar_micros: z.int().nullable(),
  per_request_micros: z.int().nullable(),
  per_search_unit_micros: z.int().nullable(),
  batch_discount_bps: z.int().nullable(),
  source: z.string().nullable(),
  effective_at: z.string(),
  scope: scopeField,
  override: z.boolean().describe("A tenant override"),
  operator_set: z
    .boolean()
    .describe("A tenant price the platform operator set: it applies to the platform's providers too. A tenant's own prices apply only to its own providers."),
  created_at: z.string(),
});

const modelView = z.object({
  model: z.string().describe("`provider/model`, as a client calls it"),
  provider_id: z.string(),
  platform: z.boolean().describe("Served by a platform provider on the operator's keys"),
  priced: z.boolean().describe("false: a platform model without a price, refused with model_not_priced until the operator prices it"),
  price_id: z.string().nullable(),
  input_per_mtok_micros: z.int().nullable().describe("With the markup"),
  output_per_mtok_micros: z.int().nullable().describe("With the markup"),
});

function priceJson(row: PriceRecord): z.output<typeof priceView> {
  return {
    id: row.id,
    model: row.model,
    input_per_mtok_micros: row.inputPerMTokMicros,
    output_per_mtok_micros: row.outputPerMTokMicros,
    cached_input_per_mtok_micros: row.cachedInputPerMTokMicros,
    reasoning_per_mtok_micros: row.reasoningPerMTokMicros,
    cache_write_5m_per_mtok_micros: row.cacheWrite5mPerMTokMicros,
    cache_write_1h_per_mtok_micros: row.cacheWrite1hPerMTokMicros,
    ...unitColumnsOut(row),
    source: row.source,
    effective_at: iso(row.effectiveAt)!,
    scope: row.tenantId === null ? "platform" : "tenant",
    override: row.tenantId !== null,
    operator_set: row.operatorSet,
    created_at: iso(row.createdAt)!,
  };
}

const UNIT_COLUMNS = {
  per_image_micros: "perImageMicros",
  image_prices: "imagePrices",
  per_audio_second_micros: "perAudioSecondMicros",
  per_mchar_micros: "perMCharMicros",
  per_request_micros: "perRequestMicros",
  per_search_unit_micros: "perSearchUnitMicros",
  batch_discount_bps: "batchDiscountBps",
} as const satisfies Record<keyof typeof unitFields, keyof PriceRecord>;

type UnitFieldValues = { [F in keyof typeof unitFields]?: z.output<(typeof unitFields)[F]> | undefined };

function unitColumnsOut(row: PriceRecord): { [F in keyof typeof unitFields]: PriceRecord[(typeof UNIT_COLUMNS)[F]] } {
  return Object.fromEntries(UNIT_FIELD_NAMES.map((f) => [f, row[UNIT_COLUMNS[f]]])) as {
    [F in keyof typeof unitFields]: PriceRecord[(typeof UNIT_COLUMNS)[F]];
  };
}

/** The unit price columns a body sets (absent fields left out). */
function unitColumnsIn(body: UnitFieldValues): Partial<PriceRecord> {
  const out: Partial<Record<keyof PriceRecord, unknown>> = {};
  for (const f of UNIT_FIELD_NAMES) if (body[f] !== undefined) out[UNIT_COLUMNS[f]] = body[f];
  return out as Partial<PriceRecord>;
}

async function findOr404(c: ApiContext, id: string): Promise<PriceRecord> {
  const row = await findVisiblePrice(getDb(c.env.DB), c.var.user.tenantId, id);
  if (!row) throw new AppError("not_found", "No such price.", { code: "price_not_found" });
  return row;
}

/** Platform prices and the operator's negotiated prices are the operator's to change. */
async function findWritable(c: ApiContext, id: string): Promise<PriceRecord> {
  const row = await findOr404(c, id);
  if (row.tenantId === null || row.operatorSet) assertPermission(c.var.user, "platform:write");
  return row;
}

const priceConflict = (model: string) => () =>
  new AppError("conflict", `There is already a price for '${model}' in this scope; change it instead.`, { code: "price_exists", param: "model" });

async function commit(c: ApiContext, action: string, before: PriceRecord | null, after: PriceRecord | null, write: BatchItem<"sqlite">) {
  const row = (after ?? before)!;
  await conflictOnDuplicate(
    commitChange(getDb(c.env.DB), actorOf(c), { action, entityType: "price", entityId: row.id, tenantId: row.tenantId, before, after }, [write]),
    priceConflict(row.model),
  );
}

function modelPrices(catalog: Catalog): z.output<typeof modelView>[] {
  return catalog.providers.flatMap((provider) =>
    provider.models.map((model) => {
      const price = priceFor(catalog, provider, model);
      return {
        model: `${provider.name}/${model}`,
        provider_id: provider.id,
        platform: provider.tenantId === null,
        priced: isCallable(provider, price),
        price_id: price?.id ?? null,
        input_per_mtok_micros: price ? priceWithMarkup(price.inputPerMTokMicros, price.markupBps) : null,
        output_per_mtok_micros: price ? priceWithMarkup(price.outputPerMTokMicros, price.markupBps) : null,
      };
    }),
  );
}

const owners = (scope: z.output<typeof listQuery>["scope"], tenantId: string): (string | null)[] =>
  scope === "platform" ? [null] : scope === "tenant" ? [tenantId] : [null, tenantId];

export const pricesApi = new ApiRouter("prices")
  .endpoint(
    "get",
    "/",
    {
      summary: "The tenant's price table: one price per model, overrides marked.",
      access: "prices:read",
      query: listQuery,
      response: z.object({ data: z.array(priceView) }),
    },
    async (c, { query }) => {
      const rows = await listPrices(getDb(c.env.DB), owners(query.scope, c.var.user.tenantId));
      return c.json({ data: (query.scope === "effective" ? effectivePrices(rows) : rows).map(priceJson) });
    },
  )
  .endpoint(
    "get",
    "/models",
    {
      summary: "Every model the tenant can call with the price that applies to it; platform models without a price are flagged (priced: false).",
      access: "prices:read",
      response: z.object({ data: z.array(modelView) }),
    },
    async (c) => c.json({ data: modelPrices(await loadCatalog(getDb(c.env.DB), c.var.user.tenantId)) }),
  )
  .endpoint("get", "/:id", { summary: "One price.", access: "prices:read", response: priceView }, async (c) =>
    c.json(priceJson(await findOr404(c, c.req.param("id")!))),
  )
  .endpoint(
    "post",
    "/",
    {
      summary:
        "Set a model's price. scope 'tenant': a tenant's price, which prices its own providers; set by the operator it is a negotiated price that applies to platform providers too. scope 'platform': the list price (operator).",
      access: "prices:write",
      body: createBody,
      status: 201,
      response: priceView,
    },
    async (c, { body }) => {
      if (body.scope === "platform") assertPermission(c.var.user, "platform:write");
      const tenantId = body.scope === "platform" ? null : c.var.user.tenantId;
      if (await priceExists(getDb(c.env.DB), tenantId, body.model)) throw priceConflict(body.model)();
      const now = Date.now();
      const row: PriceRecord = {
        id: newId("prc"),
        tenantId,
        model: body.model,
        inputPerMTokMicros: body.input_per_mtok_micros,
        outputPerMTokMicros: body.output_per_mtok_micros,
        cachedInputPerMTokMicros: body.cached_input_per_mtok_micros ?? null,
        reasoningPerMTokMicros: body.reasoning_per_mtok_micros ?? null,
        cacheWrite5mPerMTokMicros: body.cache_write_5m_per_mtok_micros ?? null,
        cacheWrite1hPerMTokMicros: body.cache_write_1h_per_mtok_micros ?? null,
        ...NO_UNIT_PRICES,
        ...unitColumnsIn(body),
        operatorSet: tenantId !== null && c.var.user.isOperator,
        source: body.source ?? null,
        effectiveAt: body.effective_at ? Date.parse(body.effective_at) : now,
        createdAt: now,
      };
      await commit(c, "create", null, row, getDb(c.env.DB).insert(prices).values(row));
      return c.json(priceJson(row), 201);
    },
  )
  .endpoint("patch", "/:id", { summary: "Change a price.", access: "prices:write", body: updateBody, response: priceView }, async (c, { body }) => {
    const before = await findWritable(c, c.req.param("id")!);
    const after: PriceRecord = {
      ...before,
      ...(body.input_per_mtok_micros !== undefined && { inputPerMTokMicros: body.input_per_mtok_micros }),
      ...(body.output_per_mtok_micros !== undefined && { outputPerMTokMicros: body.output_per_mtok_micros }),
      ...(body.cached_input_per_mtok_micros !== undefined && { cachedInputPerMTokMicros: body.cached_input_per_mtok_micros }),
      ...(body.reasoning_per_mtok_micros !== undefined && { reasoningPerMTokMicros: body.reasoning_per_mtok_micros }),
      ...(body.cache_write_5m_per_mtok_micros !== undefined && { cacheWrite5mPerMTokMicros: body.cache_write_5m_per_mtok_micros }),
      ...(body.cache_write_1h_per_mtok_micros !== undefined && { cacheWrite1hPerMTokMicros: body.cache_write_1h_per_mtok_micros }),
      ...unitColumnsIn(body),
      ...(body.source !== undefined && { source: body.source }),
      ...(body.effective_at !== undefined && { effectiveAt: Date.parse(body.effective_at) }),
    };
    await commit(c, "update", before, after, getDb(c.env.DB).update(prices).set(after).where(eq(prices.id, before.id)));
    return c.json(priceJson(after));
  })
  .endpoint(
    "delete",
    "/:id",
    { summary: "Delete a price; a tenant override removed, the platform price applies again.", access: "prices:write", response: priceView },
    async (c) => {
      const before = await findWritable(c, c.req.param("id")!);
      await commit(c, "delete", before, null, getDb(c.env.DB).delete(prices).where(eq(prices.id, before.id)));
      return c.json(priceJson(before));
    },
  );
