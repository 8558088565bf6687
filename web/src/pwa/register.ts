import { signal } from "@preact/signals";
import { API_CACHE } from "./swRoutes";

/** A new version is installed and waiting; the page offers "reload to update". */
export const updateReady = signal(false);

let waiting: ServiceWorker | null = null;
let reloading = false;

function offer(worker: ServiceWorker): void {
  waiting = worker;
  updateReady.value = true;
}

function watch(worker: ServiceWorker): void {
  worker.addEventListener("statechange", () => {
    // With a controller this is an update, not the first install.
    if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
  });
}

export async function registerServiceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js").catch(() => undefined);
  if (!registration) return;
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    if (registration.installing) watch(registration.installing);
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => undefined);
  });
}

/** The user agreed: let the waiting worker take over, then reload into the new version. */
export function applyUpdate(): void {
  if (!waiting) return;
  reloading = true;
  waiting.postMessage({ type: "SKIP_WAITING" });
}

/** Forget cached API answers (another user or tenant must never see them). */
export async function clearApiCache(): Promise<void> {
  if (typeof caches !== "undefined") await caches.delete(API_CACHE).catch(() => false);
}
