// GET /v1/models: the models and route aliases this key may call, with the prices it pays.
// Nothing is called upstream or admitted, so it stays outside the call pipeline.
import type { Context } from "hono";
import { isCallable, type PriceRow, priceFor } from "../../db/catalog.ts";
import { getDb } from "../../db/client.ts";
import type { AppEnv } from "../../env.ts";
import { assertKeyUsable } from "../gate.ts";
import { isModelAllowed, tenantCatalog } from "../resolve.ts";
import { priceWithMarkup } from "../cost.ts";
import { batchDiscountOf } from "../batches/price.ts";
import { adapterFor } from "../providers/index.ts";

const UNIT_PRICING = {
  per_image_micros: "perImageMicros",
  per_audio_second_micros: "perAudioSecondMicros",
  per_mchar_micros: "perMCharMicros",
  per_request_micros: "perRequestMicros",
  per_search_unit_micros: "perSearchUnitMicros",
} as const satisfies Record<string, keyof PriceRow>;

/** The model's prices per unit, where it has them, with the markup. */
function unitPricing(price: PriceRow): Record<string, number | Record<string, number>> {
  const out: Record<string, number | Record<string, number>> = {};
  for (const [name, column] of Object.entries(UNIT_PRICING)) {
    const micros = price[column];
    if (micros !== null) out[name] = priceWithMarkup(micros, price.markupBps);
  }
  if (price.imagePrices) {
    out.image_prices = Object.fromEntries(Object.entries(price.imagePrices).map(([tier, micros]) => [tier, priceWithMarkup(micros, price.markupBps)]));
  }
  return out;
}

export async function listModels(c: Context<AppEnv>): Promise<Response> {
  const key = c.var.apiKey;
  const [, catalog] = await Promise.all([assertKeyUsable(c.env, key), tenantCatalog(getDb(c.env.DB), key.tenantId)]);
  const models = catalog.providers.flatMap((provider) =>
    provider.models
      .map((model) => ({ id: `${provider.name}/${model}`, price: priceFor(catalog, provider, model) }))
      // An unpriced platform model cannot be called (model_not_priced): not listed.
      .filter(({ id, price }) => isModelAllowed(key, id) && isCallable(provider, price))
      .map(({ id, price }) => ({
        id,
        object: "model",
        created: Math.floor(provider.createdAt / 1000),
        owned_by: provider.name,
        ...(price
          ? {
              pricing: {
                input_per_mtok_micros: priceWithMarkup(price.inputPerMTokMicros, price.markupBps),
                output_per_mtok_micros: priceWithMarkup(price.outputPerMTokMicros, price.markupBps),
                ...unitPricing(price),
                // Batch lines (/v1/batches) are billed at the token prices less this.
                ...(adapterFor(provider).batches ? { batch_discount_bps: batchDiscountOf(price) } : {}),
              },
            }
          : {}),
      })),
  );
  const aliases = [...catalog.routes.values()]
    .filter((route) => isModelAllowed(key, route.alias))
    .map((route) => ({
      id: route.alias,
      object: "model",
      created: Math.floor(route.createdAt / 1000),
      owned_by: "route",
      targets: route.targets.map((t) => t.model),
    }));
  return c.json({ object: "list", data: [...models, ...aliases] });
}
