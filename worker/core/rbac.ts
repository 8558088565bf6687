// The permission matrix: written once, enforced by the endpoint router, documented in
// docs/rbac.md and tested route by route in test/rbac.test.ts. The platform operator holds
// every permission in every tenant.
import { AppError } from "./errors.ts";

export const ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  role: Role;
  isOperator: boolean;
}

const ALL: readonly Role[] = ["owner", "admin", "developer", "viewer"];
const MANAGERS: readonly Role[] = ["owner", "admin"];
const BUILDERS: readonly Role[] = ["owner", "admin", "developer"];

export const PERMISSIONS = {
  "tenant:read": ALL,
  "tenant:write": MANAGERS,
  "members:read": ALL,
  "members:write": MANAGERS,
  "keys:read": ALL,
  "keys:write": BUILDERS,
  "providers:read": ALL,
  "providers:write": MANAGERS,
  "prices:read": ALL,
  "prices:write": MANAGERS,
  "routes:read": ALL,
  "routes:write": BUILDERS,
  "audit:read": MANAGERS,
  "audit:rollback": MANAGERS,
  "analytics:read": ALL,
  /** The request and answer bodies a key or route captured (request explorer): they may hold what users typed. */
  "logs:read_bodies": MANAGERS,
  "billing:read": MANAGERS,
  "billing:write": ["owner"],
  /** Platform-wide providers and prices, every tenant: the operator only. */
  "platform:write": [],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function hasPermission(user: Caller, permission: Permission): boolean {
  return user.isOperator || (PERMISSIONS[permission] as readonly Role[]).includes(user.role);
}

export function assertPermission(user: Caller, permission: Permission): void {
  if (!hasPermission(user, permission)) {
    throw new AppError("permission", `Your role (${user.role}) may not do this: it needs '${permission}'.`, { code: "forbidden" });
  }
}
