// A link may name the tenant it is about (`?tenant=`: an alert's notification to a person in
// several tenants): the dashboard switches to that tenant when the user is a member of it, then
// drops the parameter, so the page opens on the data the alert spoke of.
import { useEffect, useRef } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { currentTenant, currentUser, memberships } from "../stores/auth";
import { changeTenant } from "../stores/session";

export function useTenantFromLink(): void {
  const { path, query, route } = useLocation();
  const wanted = query.tenant;
  const current = currentUser.value?.tenant_id;
  const loaded = currentTenant.value !== null; // memberships come with /api/auth/me
  const isMember = memberships.value.some((m) => m.id === wanted);
  const switching = useRef(false);

  useEffect(() => {
    if (!wanted || !current || switching.current) return;
    const rest = new URLSearchParams(query);
    rest.delete("tenant");
    const dropParameter = () => route(rest.size ? `${path}?${rest}` : path, true);
    if (wanted === current || (loaded && !isMember)) return dropParameter();
    if (!loaded) return;
    switching.current = true;
    changeTenant(wanted)
      .catch(() => undefined)
      .finally(() => {
        switching.current = false;
        dropParameter();
      });
  }, [wanted, current, loaded, isMember, path, query, route]);
}
