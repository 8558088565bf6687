// One way to declare a control-plane endpoint: its path, who may call it, the schemas it
// validates with, and a typed handler. The same declaration feeds the OpenAPI document
// (api/openapi.ts) and the RBAC test's route list.
import { Hono, type Context } from "hono";
import type * as z from "zod";
import type { Access, EndpointDoc, Method } from "../core/endpoint-doc.ts";
import { assertPermission } from "../core/rbac.ts";
import { readJson, validate } from "../core/validation.ts";
import type { AppEnv } from "../env.ts";
import { authenticateUser } from "./session.ts";

type Schema = z.ZodType | undefined;
type Infer<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface EndpointSpec<B extends Schema, Q extends Schema> extends Pick<EndpointDoc, "summary" | "response" | "status" | "description"> {
  access: Access;
  body?: B;
  query?: Q;
}

export type ApiContext = Context<AppEnv>;

export type Handler<B extends Schema, Q extends Schema> = (c: ApiContext, input: { body: Infer<B>; query: Infer<Q> }) => Response | Promise<Response>;

export class ApiRouter {
  readonly app = new Hono<AppEnv>();
  readonly docs: EndpointDoc[] = [];
  readonly tag: string;

  constructor(tag: string) {
    this.tag = tag;
  }

  endpoint<B extends Schema = undefined, Q extends Schema = undefined>(method: Method, path: string, spec: EndpointSpec<B, Q>, handler: Handler<B, Q>): this {
    this.docs.push({ ...spec, method, path, tag: this.tag });
    this.app.on(method.toUpperCase(), path, async (c) => {
      if (spec.access !== "public") {
        const user = await authenticateUser(c);
        c.set("user", user);
        if (spec.access !== "signed-in") assertPermission(user, spec.access);
      }
      const body = (spec.body ? await readJson(c.req.raw, spec.body) : undefined) as Infer<B>;
      const query = (spec.query ? validate(c.req.query(), spec.query) : undefined) as Infer<Q>;
      return handler(c, { body, query });
    });
    return this;
  }
}
