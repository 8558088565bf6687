// After a control-plane change: what the gateway holds on to (cached catalogs and keys in this
// isolate, the tenant gate's cached limits) is dropped, so the change takes effect at once.
import type { Change } from "../core/audit.ts";
import type { Env } from "../env.ts";
import { forgetKey } from "./auth.ts";
import { gateFor } from "./gate.ts";
import { invalidateCatalog } from "./resolve.ts";

const CATALOG_ENTITIES = new Set<Change["entityType"]>(["provider", "price", "route", "tenant"]);

export async function afterChange(env: Env, change: Change): Promise<void> {
  if (CATALOG_ENTITIES.has(change.entityType)) invalidateCatalog(change.tenantId);
  if (!change.tenantId) return;
  if (change.entityType === "api_key") {
    for (const row of [change.before, change.after]) if (typeof row?.keyHash === "string") forgetKey(row.keyHash);
    await gateFor(env, change.tenantId).forget({ keyId: change.entityId });
  }
  if (change.entityType === "tenant") await gateFor(env, change.tenantId).forget({ tenant: true });
}
