// GET /v1/models: the models and route aliases this key may call, with the prices it pays.
// Nothing is called upstream or admitted, so it stays outside the call pipeline.
import type { Context } from "hono";
import { AppError } from "../../core/errors.ts";
import { isCallable, priceFor } from "../../db/catalog.ts";
import { getDb } from "../../db/client.ts";
import type { AppEnv } from "../../env.ts";
import { gateFor } from "../gate.ts";
import { isModelAllowed, tenantCatalog } from "../resolve.ts";
import { priceWithMarkup } from "../cost.ts";

export async function listModels(c: Context<AppEnv>): Promise<Response> {
  const key = c.var.apiKey;
  // Nothing is admitted here, so the gate is asked: a key revoked elsewhere stops at once.
  const [usable, catalog] = await Promise.all([gateFor(c.env, key.tenantId).keyUsable(key.tenantId, key.id), tenantCatalog(getDb(c.env.DB), key.tenantId)]);
  if (!usable) throw new AppError("authentication", "Incorrect API key provided.", { code: "invalid_api_key" });
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
