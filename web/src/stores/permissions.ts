import type { Role } from "../api/types";
import { currentUser } from "./auth";

// Mirrors worker/core/rbac.ts (docs/rbac.md) so the UI offers only what a role may do;
// permissions.test.ts holds it to that file. The API enforces it regardless.
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
  "platform:write": [],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Reads the current user signal, so a component calling it re-renders on sign-in and switch. */
export function can(permission: Permission): boolean {
  const user = currentUser.value;
  if (!user) return false;
  return user.is_operator || (PERMISSIONS[permission] as readonly string[]).includes(user.role);
}

export const isOwner = (): boolean => {
  const user = currentUser.value;
  return !!user && (user.role === "owner" || user.is_operator);
};

export const isOperator = (): boolean => currentUser.value?.is_operator === true;
