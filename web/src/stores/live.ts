import { signal } from "@preact/signals";
import type { LiveMessage } from "../api/live";
import { type LiveFeed, type LiveStatus, openLiveFeed } from "../api/liveSocket";

/** The state of the shared live connection (one per tab, whatever the number of widgets). */
export const liveStatus = signal<LiveStatus>("closed");

type Listener = (message: LiveMessage) => void;
const listeners = new Set<Listener>();
let feed: LiveFeed | null = null;

/** Receives live messages while subscribed; the first subscriber opens the feed, the last closes it. */
export function subscribeLive(listener: Listener): () => void {
  listeners.add(listener);
  feed ??= openLiveFeed({
    onMessage: (message) => {
      for (const each of listeners) each(message);
    },
    onStatus: (status) => {
      liveStatus.value = status;
    },
  });
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    feed?.close();
    feed = null;
    liveStatus.value = "closed";
  };
}
