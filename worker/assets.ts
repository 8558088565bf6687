// The PWA's hashed build output. /assets/* runs the Worker first (wrangler.toml) for one reason:
// with single-page-application not-found handling, a file that is not there (an old tab asking
// for a chunk a deploy removed) would be answered with index.html, 200, under the /assets/*
// rule's year-long immutable Cache-Control — HTML cached as that tab's JavaScript. Here it is a
// 404 instead; a file that exists passes through as the asset server sent it.
import type { Context } from "hono";
import { AppError, errorResponse } from "./core/errors.ts";
import type { AppEnv } from "./env.ts";

/** The build puts no HTML under /assets/: an HTML answer there is the SPA shell standing in for a missing file. */
const isShellFallback = (res: Response) => res.ok && (res.headers.get("content-type") ?? "").startsWith("text/html");

export async function hashedAsset(c: Context<AppEnv>): Promise<Response> {
  const res = await c.env.ASSETS.fetch(c.req.raw);
  if (!isShellFallback(res)) return res;
  await res.body?.cancel();
  const missing = new AppError("not_found", `No such file: ${c.req.path}`, { code: "unknown_url", headers: { "cache-control": "no-store" } });
  return errorResponse(missing, "api");
}
