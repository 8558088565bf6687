// Who may change what, field by field, for every entity the audit log records: written once,
// consulted by the direct endpoints and by rollback (services/audit.ts), so that no path — a
// rollback included — changes a field its caller could not change directly. Documented in
// docs/rbac.md ("Field-level rules").
import type { EntityType, Row } from "./audit.ts";
import { AppError } from "./errors.ts";
import { stableJson } from "./json.ts";
import { type Caller, hasPermission, type Permission } from "./rbac.ts";

/** A permission of the matrix, or `owner-role`: granting, holding or taking the owner role (owners and the operator). */
export type Need = Permission | "owner-role";

export interface EntityAccess {
  /** What changing a row like this one needs, whatever the field (checked on the row before and after). */
  write(row: Row): Need;
  /** What creating or deleting one needs besides `write` (null: nothing more). */
  lifecycle: Need | null;
  /** Fields that need more than `write`: what setting the field from, or to, `value` needs. */
  fields: Readonly<Record<string, (value: unknown) => Need | null>>;
  /**
   * Columns no request sets: ids, hashes, and what the server keeps up to date (timestamps, last
   * use, the Stripe customer). A rollback leaves them as they are and does not count a change to
   * them as a conflict; restoring a deleted row restores them with it.
   */
  system: readonly string[];
}

const OPERATOR = (): Need => "platform:write";
const OWNER_ROLE = (value: unknown): Need | null => (value === "owner" ? "owner-role" : null);

export const ACCESS = {
  tenant: {
    write: () => "tenant:write",
    // Tenants are made by registration and the seed, never removed through the API.
    lifecycle: "platform:write",
    fields: { billingEnabled: OPERATOR, gateShards: OPERATOR, markupBps: OPERATOR },
    // A rotated alert-webhook secret is never brought back: its version only moves forward.
    system: ["id", "stripeCustomerId", "alertWebhookSecretVersion", "createdAt", "updatedAt"],
  },
  api_key: {
    write: () => "keys:write",
    lifecycle: null,
    fields: {},
    system: ["id", "tenantId", "keyHash", "prefix", "lastUsedAt", "createdBy", "createdAt"],
  },
  provider: {
    write: (row) => (row.tenantId === null ? "platform:write" : "providers:write"),
    lifecycle: null,
    fields: {},
    system: ["id", "tenantId", "createdAt", "updatedAt"],
  },
  mcp_server: {
    write: (row) => (row.tenantId === null ? "platform:write" : "providers:write"),
    lifecycle: null,
    fields: {},
    system: ["id", "tenantId", "createdAt", "updatedAt"],
  },
  price: {
    // A platform price, or a tenant's price the operator set (a negotiated price): the operator's.
    write: (row) => (row.tenantId === null || row.operatorSet === true ? "platform:write" : "prices:write"),
    lifecycle: null,
    fields: { operatorSet: (value) => (value === true ? "platform:write" : null) },
    system: ["id", "tenantId", "createdAt"],
  },
  route: {
    write: () => "routes:write",
    lifecycle: null,
    fields: {},
    system: ["id", "tenantId", "createdAt", "updatedAt"],
  },
  membership: {
    write: () => "members:write",
    lifecycle: null,
    fields: { role: OWNER_ROLE },
    system: ["tenantId", "userId", "createdAt"],
  },
  end_user: {
    write: () => "tenant:write",
    lifecycle: null,
    fields: {},
    system: ["tenantId", "endUser", "createdAt", "updatedAt"],
  },
  invitation: {
    write: () => "members:write",
    lifecycle: null,
    fields: { role: OWNER_ROLE },
    system: ["id", "tenantId", "tokenHash", "expiresAt", "acceptedAt", "createdBy", "createdAt", "emailedAt"],
  },
} satisfies Record<EntityType, EntityAccess>;

export function holds(caller: Caller, need: Need): boolean {
  return need === "owner-role" ? caller.isOperator || caller.role === "owner" : hasPermission(caller, need);
}

export interface Refusal {
  /** The field at fault; null: the row as a whole. */
  field: string | null;
  needs: Need;
}

const same = (a: unknown, b: unknown) => stableJson(a ?? null) === stableJson(b ?? null);

/**
 * What `caller` lacks to turn `before` into `after` (null: the row does not exist — a create
 * or a delete). For an update, a field absent from `after` is left as it is.
 */
export function refusals(caller: Caller, type: EntityType, before: Row | null, after: Row | null): Refusal[] {
  const access: EntityAccess = ACCESS[type];
  const out: Refusal[] = [];
  const need = (needs: Need | null, field: string | null) => {
    if (needs && !holds(caller, needs) && !out.some((r) => r.field === field && r.needs === needs)) out.push({ field, needs });
  };
  const rows = [before, after].filter((row): row is Row => row !== null);
  for (const row of rows) need(access.write(row), null);
  if (before === null || after === null) {
    for (const row of rows) {
      need(access.lifecycle, null);
      for (const [field, rule] of Object.entries(access.fields)) need(rule(row[field]), field);
    }
  } else {
    for (const [field, rule] of Object.entries(access.fields)) {
      if (!(field in after) || same(before[field], after[field])) continue;
      need(rule(before[field]), field);
      need(rule(after[field]), field);
    }
  }
  return out;
}

const describeNeed = (needs: Need) => (needs === "owner-role" ? "an owner" : needs === "platform:write" ? "the platform operator" : `'${needs}'`);

/**
 * Throws 403 `forbidden` naming the fields `caller` may not change (in `param` and `fields`),
 * or the row when the row as a whole is out of reach. `label` names a field for the caller
 * (default: as the audit log's rows name it).
 */
export function assertMayChange(
  caller: Caller,
  type: EntityType,
  before: Row | null,
  after: Row | null,
  options: { label?: (field: string) => string; doing?: string } = {},
): void {
  const refused = refusals(caller, type, before, after);
  if (refused.length === 0) return;
  const label = options.label ?? ((field: string) => field);
  const named = refused.filter((r) => r.field !== null);
  const doing = options.doing ?? "change";
  const message = named.length
    ? `Your role (${caller.role}) may not ${doing} ${named.map((r) => `${label(r.field!)} (only ${describeNeed(r.needs)} may)`).join(", ")}.`
    : `Your role (${caller.role}) may not ${doing} this ${type.replace("_", " ")}: only ${describeNeed(refused[0]!.needs)} may.`;
  throw new AppError("permission", message, {
    code: "forbidden",
    ...(named[0] ? { param: label(named[0].field!) } : {}),
    details: { fields: named.map((r) => label(r.field!)) },
  });
}

/** Drops the system columns of `type` from `row`: what a rollback compares and restores. */
export function withoutSystem(type: EntityType, row: Row): Row {
  const system = new Set<string>(ACCESS[type].system);
  return Object.fromEntries(Object.entries(row).filter(([k]) => !system.has(k)));
}

/** `target` as an update writes it back over `current`: system columns, and columns the target does not know, keep their current values. */
export function restorable(type: EntityType, current: Row, target: Row): Row {
  const system = new Set<string>(ACCESS[type].system);
  const out: Row = { ...current };
  for (const [k, v] of Object.entries(target)) if (!system.has(k) && k in current) out[k] = v;
  return out;
}
