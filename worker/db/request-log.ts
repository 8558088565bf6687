import type { Db } from "./client.ts";
import { requestLog } from "./schema.ts";

export type RequestLogRow = typeof requestLog.$inferInsert;

export async function insertRequestLog(db: Db, row: RequestLogRow): Promise<void> {
  await db.insert(requestLog).values(row).onConflictDoNothing();
}
