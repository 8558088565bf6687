// Which caching strategy the service worker uses for a request (pure, unit-tested).

export type Strategy = "network" | "api" | "page" | "asset";

/**
 * Never cached: sign-in and session calls (who-am-I is fine), live streams (the analytics feed,
 * pushed notifications: an endless body would never finish caching), exports (large, one-off),
 * the API's own documents, the gateway.
 */
const API_PASSTHROUGH = [
  /^\/api\/auth\/(?!me$)/,
  /^\/api\/openapi\.json$/,
  /^\/api\/docs$/,
  /^\/api\/analytics\/live/,
  /^\/api\/analytics\/export/,
  /^\/api\/notifications\/stream/,
  /^\/api\/metrics$/,
];

export function strategyFor(method: string, url: URL, mode: RequestMode, origin: string): Strategy {
  if (method !== "GET" || url.origin !== origin) return "network";
  const path = url.pathname;
  if (path === "/v1" || path.startsWith("/v1/")) return "network";
  if (path.startsWith("/api/")) return API_PASSTHROUGH.some((re) => re.test(path)) ? "network" : "api";
  if (path === "/sw.js") return "network";
  return mode === "navigate" ? "page" : "asset";
}

export const API_CACHE = "aggregator-api";
export const SHELL_CACHE_PREFIX = "aggregator-shell-";
export const CACHE_HEADER = "x-sw-cache";
