// The Batch API's records, per tenant: files held at a provider under our ids, and batches with
// their reservation and, once, their settlement. Every query filters by tenant, so another
// tenant's id behaves exactly like an absent one.
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.ts";
import { batches, batchFiles } from "./schema.ts";

export type BatchFileRecord = typeof batchFiles.$inferSelect;
export type BatchRecord = typeof batches.$inferSelect;

export async function insertBatchFile(db: Db, row: typeof batchFiles.$inferInsert): Promise<BatchFileRecord> {
  const [inserted] = await db.insert(batchFiles).values(row).returning();
  return inserted!;
}

/** The tenant's file, unless deleted. */
export async function findBatchFile(db: Db, tenantId: string, id: string): Promise<BatchFileRecord | undefined> {
  return db
    .select()
    .from(batchFiles)
    .where(and(eq(batchFiles.tenantId, tenantId), eq(batchFiles.id, id), isNull(batchFiles.deletedAt)))
    .get();
}

/** The tenant's file that stands for `upstreamId` at the provider (a batch's output), if it has one. */
export async function findFileByUpstreamId(db: Db, tenantId: string, providerId: string, upstreamId: string): Promise<BatchFileRecord | undefined> {
  return db
    .select()
    .from(batchFiles)
    .where(and(eq(batchFiles.tenantId, tenantId), eq(batchFiles.providerId, providerId), eq(batchFiles.upstreamId, upstreamId)))
    .get();
}

/** The tenant's files, newest first; `after`: the page after that file. */
export async function listBatchFiles(db: Db, tenantId: string, limit: number, after?: BatchFileRecord): Promise<BatchFileRecord[]> {
  const older = after ? lt(batchFiles.createdAt, after.createdAt) : undefined;
  return db
    .select()
    .from(batchFiles)
    .where(and(eq(batchFiles.tenantId, tenantId), isNull(batchFiles.deletedAt), older))
    .orderBy(desc(batchFiles.createdAt), desc(batchFiles.id))
    .limit(limit);
}

export async function markBatchFileDeleted(db: Db, tenantId: string, id: string, now: number): Promise<void> {
  await db
    .update(batchFiles)
    .set({ deletedAt: now })
    .where(and(eq(batchFiles.tenantId, tenantId), eq(batchFiles.id, id)));
}

export async function insertBatch(db: Db, row: typeof batches.$inferInsert): Promise<BatchRecord> {
  const [inserted] = await db.insert(batches).values(row).returning();
  return inserted!;
}

export async function findBatch(db: Db, tenantId: string, id: string): Promise<BatchRecord | undefined> {
  return db
    .select()
    .from(batches)
    .where(and(eq(batches.tenantId, tenantId), eq(batches.id, id)))
    .get();
}

/** The tenant's batches, newest first; `after`: the page after that batch id. */
export async function listBatches(db: Db, tenantId: string, limit: number, after?: BatchRecord): Promise<BatchRecord[]> {
  const older = after ? lt(batches.createdAt, after.createdAt) : undefined;
  return db
    .select()
    .from(batches)
    .where(and(eq(batches.tenantId, tenantId), older))
    .orderBy(desc(batches.createdAt), desc(batches.id))
    .limit(limit);
}

/** The provider's latest word on a batch not yet settled. */
export async function updateBatchStatus(db: Db, tenantId: string, id: string, status: BatchRecord["status"], upstream: BatchRecord["upstream"]): Promise<void> {
  await db
    .update(batches)
    .set({ status, upstream })
    .where(and(eq(batches.tenantId, tenantId), eq(batches.id, id), isNull(batches.settledAt)));
}

/** Marks the batch settled at `costMicros`; false when it already was (the settlement is someone else's). */
export async function markBatchSettled(db: Db, tenantId: string, id: string, costMicros: number, now: number): Promise<boolean> {
  const result = await db
    .update(batches)
    .set({ costMicros, settledAt: now })
    .where(and(eq(batches.tenantId, tenantId), eq(batches.id, id), isNull(batches.settledAt)))
    .run();
  return result.meta.changes > 0;
}
