import { useEffect, useRef } from "preact/hooks";
import { useLive } from "../../hooks/useLive";

/**
 * The feed says calls happened as the hub takes them; the log has them once the hub has written
 * them (about a second later, more under load). So after news the log is read 2 s later and once
 * more at 5 s; news arriving meanwhile rides along. Reads are never closer than 2 s apart.
 */
export const TAIL_AFTER_MS = [2_000, 5_000] as const;

/** While `enabled`: `onTail` once at the start, then after each burst of live news (throttled). */
export function useLiveTail(enabled: boolean, onTail: () => void): void {
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  const latest = useRef(onTail);
  latest.current = onTail;

  useLive((message) => {
    if (message.type !== "update" || timers.current.length > 0) return;
    timers.current = TAIL_AFTER_MS.map((ms, i) =>
      setTimeout(() => {
        if (i === TAIL_AFTER_MS.length - 1) timers.current = [];
        latest.current();
      }, ms),
    );
  }, enabled);

  useEffect(() => {
    if (!enabled) return;
    latest.current(); // what came while not following
    return () => {
      for (const timer of timers.current) clearTimeout(timer);
      timers.current = [];
    };
  }, [enabled]);
}
