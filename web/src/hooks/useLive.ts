import { useEffect, useRef } from "preact/hooks";
import type { LiveMessage } from "../api/live";
import { subscribeLive } from "../stores/live";

/** Calls `onMessage` for every live message while mounted and `enabled`. */
export function useLive(onMessage: (message: LiveMessage) => void, enabled = true): void {
  const latest = useRef(onMessage);
  latest.current = onMessage;
  useEffect(() => {
    if (!enabled) return;
    return subscribeLive((message) => latest.current(message));
  }, [enabled]);
}
