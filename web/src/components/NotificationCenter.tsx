import { useEffect } from "preact/hooks";
import { currentUser } from "../stores/auth";
import { startNotifications } from "../stores/notifications";
import { can } from "../stores/permissions";
import { clearToasts } from "../stores/toasts";
import { Toasts } from "./Toasts";

/** Alerts for the signed-in tenant (owners and admins: billing:read) as toasts. */
export function NotificationCenter() {
  const tenantId = currentUser.value?.tenant_id ?? null;
  const allowed = can("billing:read");
  useEffect(() => {
    if (!tenantId || !allowed) return;
    let stop: (() => void) | null = startNotifications(tenantId);
    // Close the stream before the page goes (an unfinished body cut by unload is logged as an
    // error), and open it again if the page comes back from the back/forward cache.
    const onHide = () => {
      stop?.();
      stop = null;
    };
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted && !stop) stop = startNotifications(tenantId);
    };
    addEventListener("pagehide", onHide);
    addEventListener("pageshow", onShow);
    return () => {
      removeEventListener("pagehide", onHide);
      removeEventListener("pageshow", onShow);
      stop?.();
      clearToasts();
    };
  }, [tenantId, allowed]);
  return <Toasts />;
}
