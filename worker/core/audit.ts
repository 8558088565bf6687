// The audit log's vocabulary: the entities it records, a change to one, and who made it. Every
// control-plane change is written in the same D1 batch as its audit entry, and any entry can be
// rolled back — itself an audited change (worker/services/audit.ts).

/** What the audit log records and can roll back; worker/db/entities.ts maps each to its table. */
export const ENTITY_TYPES = ["api_key", "provider", "price", "route", "tenant", "invitation", "membership", "end_user", "mcp_server"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export function isEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(value);
}

/** A row as drizzle selects it (camelCase keys). */
export type Row = Record<string, unknown>;

export interface Actor {
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Runs after a change is committed: the gateway drops what it cached of the entity. */
  afterCommit?: (change: Change) => Promise<void>;
}

/** `before` and `after` are whole rows as drizzle selects them; generated columns are dropped. */
export interface Change {
  action: string;
  entityType: EntityType;
  entityId: string;
  /** The tenant the entity belongs to; null for platform-wide entities. */
  tenantId: string | null;
  before: Row | null;
  after: Row | null;
  rollbackOf?: string;
}
