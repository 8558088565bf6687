// The books of this isolate's calls, sent in batches after the responses: settlements and leases
// handed back go to each tenant gate in one RPC (applied there in one transaction, once per
// request id), then the calls' usage events go to the tenant's AnalyticsHub in one RPC, with
// what the gate really charged. A batch leaves as soon as the one before it is delivered (at
// once when the isolate is idle), with at most BOOKS_BATCH entries. A batch lost with its
// isolate costs what a lost settlement always did: its reservations are released by the gate's alarm.
import { log } from "../core/logger.ts";
import { getDb } from "../db/client.ts";
import { insertRequestLog, type RequestLogRow } from "../db/request-log.ts";
import type { Env } from "../env.ts";
import type { LeaseReturn, SettleRequest } from "../../durable-objects/gate/types.ts";
import { gateFor } from "./gate.ts";

const BOOKS_BATCH = 64;
/** The longest a batch waits for the one before it, in ms (a delivery whose request was cut short may never end). */
const WAIT_FOR_PREVIOUS_MS = 100;

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

interface Batch {
  tenants: Map<string, TenantBooks>;
  entries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The batch taking entries, and how many deliveries are under way. */
let open: Batch | null = null;
let delivering = 0;
/** Tenants whose handed-back leases are being delivered, and by how many deliveries. */
const returning = new Map<string, number>();

/**
 * Puts an entry in the open batch. The request that opens a batch delivers it, in its own
 * waitUntil, once no delivery is under way: an idle isolate's books leave at once (on the next
 * task, after the response that booked them), and under load what arrives during one delivery
 * goes in the next.
 */
export function book(ctx: { waitUntil(promise: Promise<unknown>): void }, env: Env, entry: BookEntry): void {
  if (!open) {
    const batch: Batch = { tenants: new Map(), entries: 0 };
    open = batch;
    ctx.waitUntil(deliverInTurn(env, batch));
  }
  add(open, entry);
  if (open.entries >= BOOKS_BATCH) open = null;
}

/**
 * Waits for the delivery under way by looking again each millisecond, not by awaiting it: a
 * promise of one request settled in another is an error in Workers once the first has ended.
 */
async function deliverInTurn(env: Env, batch: Batch): Promise<void> {
  await sleep(0);
  for (let waited = 0; delivering > 0 && waited < WAIT_FOR_PREVIOUS_MS; waited++) await sleep(1);
  if (open === batch) open = null;
  delivering += 1;
  try {
    await deliver(env, batch);
  } finally {
    delivering -= 1;
  }
}

/**
 * Leases handed back but not yet delivered (in the open batch, or in one being delivered) are
 * room the gate still counts as taken: a call refused meanwhile sends the tenant's at once and
 * waits, bounded, for a delivery under way. Whether there was any.
 */
export async function deliverReturnsNow(env: Env, tenantId: string, maxWaitMs: number): Promise<boolean> {
  const books = open?.tenants.get(tenantId);
  const returns = books?.returns.splice(0) ?? [];
  const waited = returning.has(tenantId);
  for (const until = Date.now() + maxWaitMs; returning.has(tenantId) && Date.now() < until; ) await sleep(1);
  if (returns.length) await gateFor(env, tenantId).books(tenantId, { settlements: [], returns });
  return returns.length > 0 || waited;
}

function add(batch: Batch, entry: BookEntry): void {
  let books = batch.tenants.get(entry.tenantId);
  if (!books) batch.tenants.set(entry.tenantId, (books = { settlements: new Map(), returns: [], usage: [] }));
  if (entry.settlement) {
    const { shard, request } = entry.settlement;
    const list = books.settlements.get(shard);
    if (list) list.push(request);
    else books.settlements.set(shard, [request]);
  }
  if (entry.returns) books.returns.push(...entry.returns);
  if (entry.usage) books.usage.push(entry.usage);
  batch.entries += 1;
}

async function deliver(env: Env, batch: Batch): Promise<void> {
  await Promise.all([...batch.tenants].map(([tenantId, books]) => flushTenant(env, tenantId, books)));
}

async function flushTenant(env: Env, tenantId: string, books: TenantBooks): Promise<void> {
  if (!books.returns.length) return flushSettlements(env, tenantId, books);
  returning.set(tenantId, (returning.get(tenantId) ?? 0) + 1);
  try {
    await flushSettlements(env, tenantId, books);
  } finally {
    const left = (returning.get(tenantId) ?? 1) - 1;
    if (left > 0) returning.set(tenantId, left);
    else returning.delete(tenantId);
  }
}

async function flushSettlements(env: Env, tenantId: string, books: TenantBooks): Promise<void> {
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
export async function recordUsage(env: Env, tenantId: string, rows: RequestLogRow[]): Promise<void> {
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
