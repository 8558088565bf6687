// Following a batch at its provider and settling it once it ends: the lines' usage from its
// output file, billed at the batch price, charged through the tenant's gate (at most what was
// reserved, once per batch however often this runs), then logged like any call. Runs when the
// tenant retrieves the batch and from the bank gate's alarm (batch-polls.ts).
import { BATCH_REQUEST_PREFIX } from "../../../durable-objects/gate/types.ts";
import { log } from "../../core/logger.ts";
import { type BatchRecord, findBatch, findFileByUpstreamId, insertBatchFile, markBatchSettled, updateBatchStatus } from "../../db/batches.ts";
import { getDb } from "../../db/client.ts";
import { newId } from "../../core/ids.ts";
import { BATCH_STATUSES, type BatchFilePurpose, type BatchStatus } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { recordUsage } from "../books.ts";
import { usageColumns } from "../record.ts";
import { costBreakdown } from "../cost.ts";
import { gateFor } from "../gate.ts";
import { providerTarget } from "../plan.ts";
import { adapterFor } from "../providers/index.ts";
import type { BatchApi, CallOptions, Target, UpstreamBatch } from "../providers/types.ts";
import { tenantCatalog } from "../resolve.ts";
import { emptyUsage } from "../types.ts";
import { outputUsage } from "./output-file.ts";

const ENDED: ReadonlySet<BatchStatus> = new Set(["completed", "failed", "expired", "cancelled"]);
const POLL_TIMEOUT_MS = 30_000;

export const batchRequestId = (batchId: string) => `${BATCH_REQUEST_PREFIX}${batchId}`;

/** The provider's Batch API and how to reach it for this batch; null when the provider is gone. */
export async function batchEndpoint(env: Env, row: Pick<BatchRecord, "tenantId" | "providerId">): Promise<{ api: BatchApi; target: Target } | null> {
  const catalog = await tenantCatalog(getDb(env.DB), row.tenantId);
  const provider = catalog.providers.find((p) => p.id === row.providerId);
  const api = provider ? adapterFor(provider).batches : undefined;
  if (!provider || !api) return null;
  return { api, target: await providerTarget(env.SECRETS_KEY, provider, "") };
}

/** The provider's status, when it is one we know. */
export const statusOf = (upstream: UpstreamBatch, previous: BatchStatus): BatchStatus =>
  (BATCH_STATUSES as readonly string[]).includes(upstream.status) ? (upstream.status as BatchStatus) : previous;

/**
 * Asks the provider how the batch stands, records it, and settles the batch if it has ended.
 * Returns the batch as it now is. Throws the provider's failure (an UpstreamError).
 */
export async function refreshBatch(env: Env, row: BatchRecord, options: Pick<CallOptions, "hops">): Promise<BatchRecord> {
  if (row.settledAt !== null) return row;
  const endpoint = await batchEndpoint(env, row);
  if (!endpoint) return row;
  const callOptions: CallOptions = { timeoutMs: POLL_TIMEOUT_MS, hops: options.hops };
  const upstream = await endpoint.api.retrieveBatch(endpoint.target, row.upstreamId, callOptions);
  const status = statusOf(upstream, row.status);
  await updateBatchStatus(getDb(env.DB), row.tenantId, row.id, status, upstream);
  const seen = { ...row, status, upstream };
  if (!ENDED.has(status)) return seen;
  await fileFor(env, seen, upstream.output_file_id, "batch_output");
  await fileFor(env, seen, upstream.error_file_id, "batch_error");
  return settleBatch(env, seen, endpoint, callOptions);
}

/** Our record of a file the provider made for the batch (output or errors), so the tenant can read it by our id. */
async function fileFor(env: Env, row: BatchRecord, upstreamId: unknown, purpose: BatchFilePurpose): Promise<void> {
  if (typeof upstreamId !== "string" || upstreamId === "") return;
  const db = getDb(env.DB);
  if (await findFileByUpstreamId(db, row.tenantId, row.providerId, upstreamId)) return;
  await insertBatchFile(db, {
    tenantId: row.tenantId,
    id: newId("file-"),
    providerId: row.providerId,
    upstreamId,
    purpose,
    filename: `${row.id}_${purpose === "batch_output" ? "output" : "error"}.jsonl`,
    bytes: 0,
    createdAt: Date.now(),
  });
}

/** The ended batch charged what its lines used (at most its reservation), once. */
async function settleBatch(env: Env, row: BatchRecord, endpoint: { api: BatchApi; target: Target }, options: CallOptions): Promise<BatchRecord> {
  const output = typeof row.upstream.output_file_id === "string" ? row.upstream.output_file_id : null;
  const read = output
    ? outputUsage(await (await endpoint.api.fileContent(endpoint.target, output, options)).text(), row.url)
    : { usage: emptyUsage(), lines: 0, unreadable: 0 };
  if (read.unreadable) log("warn", "batch output lines that are not JSON were billed nothing", { batchId: row.id, lines: read.unreadable });
  const price = row.price ?? undefined;
  const cost = costBreakdown(read.usage, price);
  const charged = Math.min(cost.total, row.reservedMicros);
  const { usage } = read;
  await gateFor(env, row.tenantId).settle(row.tenantId, {
    requestId: batchRequestId(row.id),
    keyId: row.keyId,
    costMicros: charged,
    tokens: usage.inputTokens + usage.outputTokens,
    model: row.model,
  });
  const now = Date.now();
  if (await markBatchSettled(getDb(env.DB), row.tenantId, row.id, charged, now)) {
    await recordUsage(env, row.tenantId, [
      {
        id: row.id,
        tenantId: row.tenantId,
        keyId: row.keyId,
        provider: endpoint.target.providerName,
        model: row.model,
        endpoint: "batches",
        status: row.status === "failed" ? 502 : 200,
        errorType: row.status === "completed" ? null : `batch_${row.status}`,
        stream: false,
        latencyMs: Math.max(0, now - row.createdAt),
        ttfbMs: null,
        ...usageColumns(usage, cost),
        costMicros: charged,
        uncollectedMicros: cost.total - charged,
        createdAt: now,
      },
    ]);
  }
  return { ...row, costMicros: charged, settledAt: row.settledAt ?? now };
}

/** The gate alarm's poll (batch-polls.ts): true once the batch is settled, or gone. */
export async function pollBatch(env: Env, tenantId: string, batchId: string): Promise<boolean> {
  const row = await findBatch(getDb(env.DB), tenantId, batchId);
  if (!row) return true;
  const seen = await refreshBatch(env, row, { hops: 1 });
  return seen.settledAt !== null || !(await batchEndpoint(env, seen));
}
