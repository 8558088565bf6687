// The books of this isolate's calls, sent in batches after the responses: settlements and leases
// handed back go to each tenant gate in one RPC (applied there in one transaction, once per
// request id), then the calls' usage events go to the tenant's AnalyticsHub in one RPC, with
// what the gate really charged. A batch leaves BOOKS_FLUSH_MS after its first entry, or at once
// when it holds BOOKS_BATCH entries. A batch lost with its isolate costs what a lost settlement
// always did: its reservations are released by the gate's alarm.
import { log } from "../core/logger.ts";
import { getDb } from "../db/client.ts";
import { insertRequestLog, type RequestLogRow } from "../db/request-log.ts";
import type { Env } from "../env.ts";
import type { LeaseReturn, SettleRequest } from "../../durable-objects/gate/types.ts";
import { gateFor } from "./gate.ts";

const BOOKS_BATCH = 64;
const DEFAULT_FLUSH_MS = 20;

interface TenantBooks {
  /** Settlements by gate shard. */
  settlements: Map<number, SettleRequest[]>;
  returns: LeaseReturn[];
  usage: RequestLogRow[];
}

export interface BookEntry {
  tenantId: string;
  settlement?: { shard: number; request: SettleRequest };
  returns?: LeaseReturn[];
  usage?: RequestLogRow;
}

let queue = new Map<string, TenantBooks>();
let queued = 0;
let scheduled = false;

export function flushMs(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? Math.min(n, 1000) : DEFAULT_FLUSH_MS;
}

/** Puts an entry in the next batch and makes sure the batch leaves (in this request's waitUntil). */
export function book(ctx: { waitUntil(promise: Promise<unknown>): void }, env: Env, entry: BookEntry): void {
  let books = queue.get(entry.tenantId);
  if (!books) queue.set(entry.tenantId, (books = { settlements: new Map(), returns: [], usage: [] }));
  if (entry.settlement) {
    const { shard, request } = entry.settlement;
    const list = books.settlements.get(shard);
    if (list) list.push(request);
    else books.settlements.set(shard, [request]);
  }
  if (entry.returns) books.returns.push(...entry.returns);
  if (entry.usage) books.usage.push(entry.usage);
  queued += 1;
  if (queued >= BOOKS_BATCH) ctx.waitUntil(flush(env));
  else if (!scheduled) {
    scheduled = true;
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, flushMs(env.BOOKS_FLUSH_MS))).then(() => flush(env)));
  }
}

async function flush(env: Env): Promise<void> {
  const batch = queue;
  queue = new Map();
  queued = 0;
  scheduled = false;
  await Promise.all([...batch].map(([tenantId, books]) => flushTenant(env, tenantId, books)));
}

async function flushTenant(env: Env, tenantId: string, books: TenantBooks): Promise<void> {
  const charged: Record<string, number> = {};
  const shards = new Set([...books.settlements.keys(), ...(books.returns.length ? [0] : [])]);
  await Promise.all(
    [...shards].map((shard) =>
      gateFor(env, tenantId, shard)
        .books(tenantId, { settlements: books.settlements.get(shard) ?? [], returns: shard === 0 ? books.returns : [] })
        .then((result) => Object.assign(charged, result))
        // Unsettled reservations are released by the gate's alarm; the log keeps our own figure.
        .catch((error: unknown) => log("error", "settlements not delivered to the tenant gate", { tenantId, shard, error: String(error) })),
    ),
  );
  if (books.usage.length)
    await recordUsage(
      env,
      tenantId,
      books.usage.map((row) => asCharged(row, charged[row.id])),
    );
}

/** The log says what the gate charged: it decides, for a reservation that expired too. */
function asCharged(row: RequestLogRow, charged: number | undefined): RequestLogRow {
  if (charged === undefined) return row;
  const cost = (row.costMicros ?? 0) + (row.uncollectedMicros ?? 0);
  return { ...row, costMicros: charged, uncollectedMicros: cost - charged };
}

/**
 * Hands the calls' records to the tenant's AnalyticsHub, which stores them, updates live
 * dashboards and writes request_log and rollups to D1 exactly once. If the hub cannot be
 * reached, the rows go straight to D1 so they are not lost (they then miss live and rollups).
 */
async function recordUsage(env: Env, tenantId: string, rows: RequestLogRow[]): Promise<void> {
  try {
    const results = await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).ingestMany(rows);
    results.forEach((result, i) => {
      if (!result.accepted) log("warn", "usage event refused by the hub", { requestId: rows[i]?.id, reason: result.reason });
    });
    return;
  } catch (error) {
    log("warn", "analytics hub unreachable, writing the request log directly", { tenantId, error: String(error) });
  }
  const db = getDb(env.DB);
  for (const row of rows) {
    await insertRequestLog(db, row).catch((error: unknown) => log("error", "request log write failed", { requestId: row.id, error: String(error) }));
  }
}
