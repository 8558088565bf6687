// The service worker (built to /sw.js by build/pwa-plugin.ts, which fills in the precache list).
// - precaches the app shell and every built asset; pages fall back to the shell when offline
// - GET /api: network first; the last good answer is kept and served, marked, when offline
// - a new version waits until the page asks it to take over ("reload to update")
// - shows pushed alerts and opens their page on a click (pushNotification.ts)
import { notificationFor, safePath } from "./pushNotification";
import { API_CACHE, CACHE_HEADER, SHELL_CACHE_PREFIX, strategyFor } from "./swRoutes";

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface MessageEventLike extends ExtendableEvent {
  readonly data: unknown;
}
interface PushEventLike extends ExtendableEvent {
  readonly data: { text(): string } | null;
}
interface NotificationClickLike extends ExtendableEvent {
  readonly notification: { close(): void; readonly data: unknown };
}
interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  readonly location: Location;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<readonly WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  readonly registration: { showNotification(title: string, options: object): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: MessageEventLike) => void): void;
  addEventListener(type: "push", listener: (event: PushEventLike) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationClickLike) => void): void;
}

declare const self: WorkerScope;
/** Replaced at build time. */
declare const __PRECACHE_MANIFEST__: { version: string; urls: string[] };

const { version, urls } = __PRECACHE_MANIFEST__;
const SHELL_CACHE = `${SHELL_CACHE_PREFIX}${version}`;
const SHELL_URL = "/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(urls.map((url) => new Request(url, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(SHELL_CACHE_PREFIX) && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data;
  if (typeof data === "object" && data !== null && "type" in data && data.type === "SKIP_WAITING") void self.skipWaiting();
});

const offlineAnswer = () =>
  new Response(JSON.stringify({ error: { code: "offline", message: "You are offline, and this data has not been loaded before." } }), {
    status: 503,
    headers: { "content-type": "application/json; charset=utf-8", [CACHE_HEADER]: "miss" },
  });

async function apiNetworkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) await cache.put(request.url, response.clone());
    return response;
  } catch {
    const cached = await cache.match(request.url, { ignoreVary: true });
    if (!cached) return offlineAnswer();
    const headers = new Headers(cached.headers);
    headers.set(CACHE_HEADER, "hit");
    return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
  }
}

async function pageNetworkFirst(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch {
    return (await caches.match(SHELL_URL, { cacheName: SHELL_CACHE })) ?? Response.error();
  }
}

async function assetCacheFirst(request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: SHELL_CACHE })) ?? fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const strategy = strategyFor(request.method, new URL(request.url), request.mode, self.location.origin);
  if (strategy === "api") event.respondWith(apiNetworkFirst(request));
  else if (strategy === "page") event.respondWith(pageNetworkFirst(request));
  else if (strategy === "asset") event.respondWith(assetCacheFirst(request));
});

// Alerts pushed by the gateway (issue 20): shown at once; a click opens their page.
self.addEventListener("push", (event) => {
  const { title, options } = notificationFor(event.data?.text() ?? null);
  event.waitUntil(self.registration.showNotification(title, options));
});

async function openPage(path: string): Promise<void> {
  const target = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    await open.navigate(target);
    await open.focus();
  } else await self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  event.waitUntil(openPage(safePath(data?.url)));
});
