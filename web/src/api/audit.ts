// /api/audit, typed by the generated schema. Only a 409 rollback_conflict is checked by hand:
// its state and diff come in the error body, which the document does not describe.
import { call } from "./client";
import { isObject, isString } from "./guards";
import type { AuditEntry, AuditPage, AuditQuery, BodyOf, FieldDiff, RollbackResult } from "./types";

export const ENTITY_TYPES = ["api_key", "provider", "price", "route", "tenant", "membership", "invitation"] as const;
export const AUDIT_ACTIONS = ["create", "update", "delete", "revoke", "rollback"] as const;

type Row = Record<string, unknown>;

/** The body of a 409 rollback_conflict: what the entity looks like now, and how it differs. */
export interface RollbackConflict {
  current: Row | null;
  diff: FieldDiff[];
}

function parseDiff(value: unknown): FieldDiff[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((d) => (isString(d.field) ? [{ field: d.field, before: d.before ?? null, after: d.after ?? null }] : []));
}

export function parseConflict(details: Readonly<Record<string, unknown>>): RollbackConflict {
  const current = details.current;
  return { current: isObject(current) ? current : null, diff: parseDiff(details.diff) };
}

export function listAudit(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
  return call("get", "/api/audit", signal ? { query, signal } : { query });
}

export function getAuditEntry(id: string, signal?: AbortSignal): Promise<AuditEntry> {
  return call("get", "/api/audit/{id}", signal ? { path: { id }, signal } : { path: { id } });
}

export function rollback(id: string, force: boolean): Promise<RollbackResult> {
  const body: BodyOf<"/api/audit/{id}/rollback", "post"> = { force };
  return call("post", "/api/audit/{id}/rollback", { path: { id }, body });
}
