import type { Role } from "../../api/types";
import { isOwner } from "../../stores/permissions";

export const ROLES: readonly Role[] = ["owner", "admin", "developer", "viewer"];

/** Only an owner (or the operator) may grant, change or remove the owner role. */
export const grantableRoles = (): readonly Role[] => (isOwner() ? ROLES : ROLES.filter((r) => r !== "owner"));

export const isRole = (value: string): value is Role => ROLES.some((r) => r === value);
