// Captured request bodies (LOGS bucket) past their tenant's retention: whole days deleted by the
// bank's retention sweep (response-retention.ts runs it with the stored-responses sweep).
import { bodiesPrefix } from "../../worker/core/request-detail.ts";

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;

async function retentionDays(d1: D1Database, tenantId: string): Promise<number> {
  const row = await d1.prepare("SELECT log_retention_days AS days FROM tenants WHERE id = ?").bind(tenantId).first<{ days: number }>();
  return row?.days ?? DEFAULT_DAYS;
}

async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Deletes the tenant's captured bodies of days older than its retention (a body of day D lives through D + retention). Returns how many. */
export async function sweepCapturedBodies(bucket: R2Bucket, d1: D1Database, tenantId: string, now: number): Promise<number> {
  const days = await retentionDays(d1, tenantId);
  const keepFrom = new Date(now - days * DAY_MS).toISOString().slice(0, 10);
  const prefix = bodiesPrefix(tenantId);
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: "/", ...(cursor ? { cursor } : {}) });
    for (const dayPrefix of page.delimitedPrefixes) {
      if (dayPrefix.slice(prefix.length, -1) < keepFrom) deleted += await deletePrefix(bucket, dayPrefix);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
