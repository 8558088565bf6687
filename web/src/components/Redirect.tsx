import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso/router";

/** Replaces the current history entry with `to` once mounted. */
export function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => {
    route(to, true);
  }, [to]);
  return null;
}
