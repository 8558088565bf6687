// Gives every request an id (echoed as x-request-id) and writes one structured log line
// per request once it is answered.
import { createMiddleware } from "hono/factory";
import { log } from "../core/logger.ts";
import { newId } from "../core/ids.ts";
import type { AppEnv } from "../env.ts";

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const requestId = newId("req", 20);
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
  log(c.res.status >= 500 ? "error" : "info", "request", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Date.now() - started,
  });
});
