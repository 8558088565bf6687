// `<provider>/<model>` → the provider row, the upstream model name and its price.
import { TtlCache } from "../core/ttl-cache.ts";
import { AppError } from "../core/errors.ts";
import { type Catalog, isCallable, loadCatalog, type PriceRow, priceFor, type ProviderRow } from "../db/catalog.ts";
import type { Db } from "../db/client.ts";
import type { AuthenticatedKey } from "../env.ts";

export interface ResolvedModel {
  /** The name the caller used, e.g. `demo/echo`. */
  name: string;
  provider: ProviderRow;
  /** The model name the provider knows, e.g. `echo`. */
  upstreamModel: string;
  price: PriceRow | undefined;
}

// Provider and price changes reach a warm isolate within this time; the control plane
// clears the entry in its own isolate at once.
const catalogs = new TtlCache<Catalog>(30_000);

export function tenantCatalog(db: Db, tenantId: string): Promise<Catalog> {
  return catalogs.getOrLoad(tenantId, () => loadCatalog(db, tenantId));
}

/** Drops cached catalogs after a provider or price change: one tenant's, or all for a platform-wide change. */
export function invalidateCatalog(tenantId: string | null): void {
  if (tenantId === null) catalogs.clear();
  else catalogs.delete(tenantId);
}

export function isModelAllowed(key: AuthenticatedKey, model: string): boolean {
  return key.models === null || key.models.length === 0 || key.models.includes(model);
}

export function resolveModel(catalog: Catalog, key: AuthenticatedKey, name: string): ResolvedModel {
  const notFound = () =>
    new AppError("not_found", `The model '${name.slice(0, 256)}' does not exist or you do not have access to it.`, {
      code: "model_not_found",
      param: "model",
    });
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) throw notFound();
  const providerName = name.slice(0, slash);
  const upstreamModel = name.slice(slash + 1);
  // A tenant's own provider shadows a platform provider of the same name.
  const candidates = catalog.providers.filter((p) => p.name === providerName);
  const provider = candidates.find((p) => p.tenantId !== null) ?? candidates[0];
  if (!provider?.models.includes(upstreamModel)) throw notFound();
  if (!isModelAllowed(key, name)) {
    throw new AppError("permission", `This API key may not call '${name}'.`, { code: "model_not_allowed", param: "model" });
  }
  const price = priceFor(catalog, provider, upstreamModel);
  if (!isCallable(provider, price)) {
    throw new AppError(
      "invalid_request",
      `The model '${name.slice(0, 256)}' has no price yet, so it cannot be called. Ask the platform operator to price it.`,
      {
        code: "model_not_priced",
        param: "model",
      },
    );
  }
  return { name, provider, upstreamModel, price };
}
