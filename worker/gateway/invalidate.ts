// After a control-plane change: what the gateway holds on to (cached catalogs and keys in this
// isolate, the tenant gate's cached limits) is dropped, so the change takes effect at once.
import type { Change } from "../core/audit.ts";
import { getDb } from "../db/client.ts";
import { forgetResponseRetention } from "../db/stored-responses.ts";
import { findGateShards } from "../db/tenants.ts";
import type { Env } from "../env.ts";
import { forgetKey } from "./auth.ts";
import { gateFor } from "./gate.ts";
import { handBackLeases } from "./leases.ts";
import { invalidateMcpServers } from "./mcp/tools.ts";
import { invalidateCatalog } from "./resolve.ts";

const CATALOG_ENTITIES = new Set<Change["entityType"]>(["provider", "price", "route", "tenant"]);

export async function afterChange(env: Env, change: Change): Promise<void> {
  if (CATALOG_ENTITIES.has(change.entityType)) invalidateCatalog(change.tenantId);
  if (change.entityType === "mcp_server") invalidateMcpServers(change.tenantId);
  if (!change.tenantId) return;
  if (change.entityType === "tenant") forgetResponseRetention(change.tenantId);
  if (change.entityType === "end_user") return forgetEndUser(env, change);
  if (change.entityType !== "api_key" && change.entityType !== "tenant") return;
  const what = change.entityType === "api_key" ? { keyId: change.entityId } : { tenant: true };
  if (change.entityType === "api_key") {
    for (const row of [change.before, change.after]) if (typeof row?.keyHash === "string") forgetKey(row.keyHash);
  }
  // Every shard the tenant has (or had, for a change of the shard count) caches limits.
  const shards = Math.max(...[change.before, change.after].map((row) => Number(row?.gateShards ?? 0)), await shardCount(env, change.tenantId));
  await Promise.all(Array.from({ length: shards }, (_, shard) => gateFor(env, change.tenantId!, shard).forget(what)));
  await handBackLeases(env, change.tenantId, what.keyId);
}

/** An end user's limits changed: the bank, which decides them, reads them again (and whether any end user has limits). */
async function forgetEndUser(env: Env, change: Change): Promise<void> {
  const endUser = String((change.after ?? change.before)?.endUser ?? "");
  if (endUser) await gateFor(env, change.tenantId!).forget({ endUser });
}

async function shardCount(env: Env, tenantId: string): Promise<number> {
  return Math.max(1, (await findGateShards(getDb(env.DB), tenantId)) ?? 1);
}
