import { describe, expect, expectTypeOf, it } from "vitest";
import { PERMISSIONS as WORKER_PERMISSIONS, ROLES as WORKER_ROLES, type Role as WorkerRole } from "../../../worker/core/rbac.ts";
import type { Role } from "../api/types";
import { PERMISSIONS } from "./permissions";

// The PWA keeps its own copy of the matrix (it shares no code with the Worker); this holds the
// copy to worker/core/rbac.ts, which the API enforces.
describe("the permission table", () => {
  it("is the Worker’s matrix, permission by permission", () => {
    expect(PERMISSIONS).toEqual(WORKER_PERMISSIONS);
    expectTypeOf<keyof typeof PERMISSIONS>().toEqualTypeOf<keyof typeof WORKER_PERMISSIONS>();
  });

  it("knows the Worker’s roles", () => {
    expect(new Set(Object.values(PERMISSIONS).flat())).toEqual(new Set(WORKER_ROLES));
    expectTypeOf<Role>().toEqualTypeOf<WorkerRole>();
  });
});
