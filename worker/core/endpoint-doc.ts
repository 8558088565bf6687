// What an endpoint tells the OpenAPI document (api/openapi.ts) and the RBAC test: the /api
// endpoints declare it through api/router.ts, the gateway's /v1 endpoints in gateway/docs.ts.
import type * as z from "zod";
import type { Permission } from "./rbac.ts";

export type Method = "get" | "post" | "patch" | "put" | "delete";

/** `public`: no sign-in; `signed-in`: any member; otherwise a permission from the matrix. */
export type Access = "public" | "signed-in" | Permission;

export interface EndpointDoc {
  summary: string;
  /** `api-key`: the gateway's /v1 endpoints. */
  access: Access | "api-key";
  method: Method;
  path: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** For the document only: the success body and status. */
  response?: z.ZodType;
  status?: number;
  description?: string;
}
