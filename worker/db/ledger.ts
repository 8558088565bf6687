// The D1 ledger, read side: cursor-paginated entries. Entries are written only by the tenant's
// gate (durable-objects/tenant-gate.ts), append-only; an operator adjustment is a new entry,
// audited here under an entity type the audit log cannot roll back (money is never un-moved).
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./client.ts";
import { auditLog, type LEDGER_KINDS, ledgerEntries } from "./schema.ts";

export type LedgerRow = typeof ledgerEntries.$inferSelect;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** Audit entries for adjustments use this type: not in db/entities.ts, so not rollbackable. */
export const ADJUSTMENT_ENTITY = "ledger_adjustment";

export interface LedgerCursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(row: LedgerCursor): string {
  return btoa(JSON.stringify([row.createdAt, row.id]))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export function decodeCursor(cursor: string): LedgerCursor | null {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string") {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // not a cursor of ours
  }
  return null;
}

/** Newest first; `limit + 1` rows are read to know whether there is a next page. */
export async function listLedger(
  db: Db,
  tenantId: string,
  options: { limit: number; cursor: LedgerCursor | null; kind?: LedgerKind },
): Promise<{ rows: LedgerRow[]; next: LedgerCursor | null }> {
  const conditions: (SQL | undefined)[] = [eq(ledgerEntries.tenantId, tenantId)];
  if (options.kind) conditions.push(eq(ledgerEntries.kind, options.kind));
  if (options.cursor) {
    const { createdAt, id } = options.cursor;
    conditions.push(or(lt(ledgerEntries.createdAt, createdAt), and(eq(ledgerEntries.createdAt, createdAt), lt(ledgerEntries.id, id))));
  }
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(...conditions))
    .orderBy(desc(ledgerEntries.createdAt), desc(ledgerEntries.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export interface AdjustmentAudit {
  auditId: string;
  adjustmentId: string;
  tenantId: string;
  actorId: string | null;
  amountMicros: number;
  reason: string;
  idempotencyKey: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Records an adjustment before the gate applies it; a retried adjustment records nothing new. */
export async function auditAdjustment(db: Db, a: AdjustmentAudit): Promise<void> {
  await db
    .insert(auditLog)
    .values({
      id: a.auditId,
      tenantId: a.tenantId,
      actorId: a.actorId,
      action: "adjust",
      entityType: ADJUSTMENT_ENTITY,
      entityId: a.adjustmentId,
      before: null,
      after: { tenantId: a.tenantId, kind: "adjustment", amountMicros: a.amountMicros, reason: a.reason, idempotencyKey: a.idempotencyKey },
      ip: a.ip,
      userAgent: a.userAgent,
      requestId: a.requestId,
      createdAt: Date.now(),
    })
    .onConflictDoNothing();
}
