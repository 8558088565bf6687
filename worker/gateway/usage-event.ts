// The call's usage event, sent to the tenant's AnalyticsHub after the response.
import { log } from "../core/logger.ts";
import { getDb } from "../db/client.ts";
import { insertRequestLog, type RequestLogRow } from "../db/request-log.ts";
import type { Env } from "../env.ts";

/**
 * Hands the call's record to the tenant's AnalyticsHub, which stores it, updates live
 * dashboards and writes request_log and rollups to D1 exactly once. If the hub cannot be
 * reached, the row goes straight to D1 so it is not lost (it then misses live and rollups).
 */
export async function recordUsage(env: Env, row: RequestLogRow): Promise<void> {
  try {
    const result = await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(row.tenantId)).ingest(row);
    if (!result.accepted) log("warn", "usage event refused by the hub", { requestId: row.id, reason: result.reason });
    return;
  } catch (error) {
    log("warn", "analytics hub unreachable, writing the request log directly", { requestId: row.id, error: String(error) });
  }
  try {
    await insertRequestLog(getDb(env.DB), row);
  } catch (error) {
    log("error", "request log write failed", { requestId: row.id, error: String(error) });
  }
}
