// The control plane under /api: every resource router mounted, plus the OpenAPI document.
import { Hono } from "hono";
import type { EndpointDoc } from "../core/endpoint-doc.ts";
import type { AppEnv } from "../env.ts";
import { gatewayDocs } from "../gateway/docs.ts";
import { analytics } from "./analytics/index.ts";
import { audit } from "./audit.ts";
import { auth } from "./auth.ts";
import { billing, notifications } from "./billing.ts";
import { diagnostics } from "./diagnostics.ts";
import { health } from "./health.ts";
import { endUsersApi } from "./end-users.ts";
import { keys } from "./keys.ts";
import { metrics } from "./metrics.ts";
import { paypalPayments } from "./payments/paypal.ts";
import { stripePayments } from "./payments/stripe.ts";
import { buildOpenApiDocument, renderReference } from "./openapi.ts";
import { pricesApi } from "./prices.ts";
import { mcpServersApi } from "./mcp-servers.ts";
import { providersApi } from "./providers.ts";
import { pushApi } from "./push.ts";
import { requestsApi } from "./requests.ts";
import type { ApiRouter } from "./router.ts";
import { routesApi } from "./routes.ts";
import { tenantApi } from "./tenant.ts";
import { users } from "./users.ts";

const routers: [prefix: string, router: ApiRouter][] = [
  ["/health", health],
  ["/auth", auth],
  ["/users", users],
  ["/keys", keys],
  ["/end-users", endUsersApi],
  ["/audit", audit],
  ["/providers", providersApi],
  ["/mcp", mcpServersApi],
  ["/prices", pricesApi],
  ["/routes", routesApi],
  ["/tenant", tenantApi],
  ["/diagnostics", diagnostics],
  ["/analytics", analytics],
  ["/requests", requestsApi],
  ["/push", pushApi],
  ["/metrics", metrics],
  ["/billing", billing],
  ["/notifications", notifications],
  ["/payments/stripe", stripePayments],
  ["/payments/paypal", paypalPayments],
];

export const api = new Hono<AppEnv>();
for (const [prefix, router] of routers) api.route(prefix, router.app);

/** Every /api endpoint with its full path: the OpenAPI document and the RBAC test use it. */
export const apiDocs: EndpointDoc[] = routers.flatMap(([prefix, router]) =>
  router.docs.map((doc) => ({ ...doc, path: `/api${prefix}${doc.path === "/" ? "" : doc.path}` })),
);

let document: string | undefined;
api.get("/openapi.json", (c) => {
  document ??= JSON.stringify(buildOpenApiDocument([...gatewayDocs, ...apiDocs], c.env.BUILD_ID ?? "dev"));
  return c.body(document, 200, { "content-type": "application/json; charset=utf-8" });
});

let reference: string | undefined;
api.get("/docs", (c) => c.html((reference ??= renderReference([...gatewayDocs, ...apiDocs]))));
