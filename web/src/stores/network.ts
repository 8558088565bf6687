import { signal } from "@preact/signals";

/** The browser's idea of connectivity. */
export const online = signal(typeof navigator === "undefined" ? true : navigator.onLine);
/** The last API answer came from the service worker's cache, not the network. */
export const showingCachedData = signal(false);

export function watchConnectivity(): () => void {
  const update = () => {
    online.value = navigator.onLine;
  };
  addEventListener("online", update);
  addEventListener("offline", update);
  return () => {
    removeEventListener("online", update);
    removeEventListener("offline", update);
  };
}
