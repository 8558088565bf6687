import { useEffect } from "preact/hooks";
import lazy from "preact-iso/lazy";
import { Route, Router, useLocation } from "preact-iso/router";
import { Loading } from "../components/Loading";
import { Redirect } from "../components/Redirect";
import { useTenantFromLink } from "../hooks/useTenantFromLink";
import { t } from "../i18n";
import { currentUser, isSignedIn, restoringSession } from "../stores/auth";
import { loadMe } from "../stores/session";
import { MainLayout } from "./MainLayout";
import { NAV_ITEMS } from "./navItems";

// One lazy chunk per page.
const Dashboard = lazy(() => import("../pages/dashboard/DashboardPage"));
const Analytics = lazy(() => import("../pages/analytics/AnalyticsPage"));
const EndUsers = lazy(() => import("../pages/end-users/EndUsersPage"));
const Billing = lazy(() => import("../pages/billing/BillingPage"));
const Providers = lazy(() => import("../pages/providers/ProvidersPage"));
const Tools = lazy(() => import("../pages/tools/ToolsPage"));
const Models = lazy(() => import("../pages/models/ModelsPage"));
const Keys = lazy(() => import("../pages/keys/KeysPage"));
const Audit = lazy(() => import("../pages/audit/AuditPage"));
const Logs = lazy(() => import("../pages/logs/LogsPage"));
const Users = lazy(() => import("../pages/users/UsersPage"));
const Settings = lazy(() => import("../pages/settings/SettingsPage"));
const Diagnostics = lazy(() => import("../pages/diagnostics/DiagnosticsPage"));
const NotFound = lazy(() => import("../pages/NotFound"));

const isKnownPage = (path: string) => NAV_ITEMS.some((item) => item.href === path);

/** After navigation, move focus to the page so screen readers start at its content. */
const focusContent = () => document.getElementById("content")?.focus({ preventScroll: true });

/** Everything behind sign-in: the layout, /api/auth/me, and the pages. */
export default function PrivateArea() {
  const { path, url } = useLocation();
  const tenantId = currentUser.value?.tenant_id;
  useTenantFromLink();

  useEffect(() => {
    if (!tenantId) return;
    const controller = new AbortController();
    loadMe(controller.signal).catch(() => undefined); // a 401 signs out in the client; the rest can wait
    return () => controller.abort();
  }, [tenantId]);

  if (restoringSession.value) return <Loading label={t("auth.restoring")} />;
  if (!isSignedIn.value) {
    if (!isKnownPage(path)) return <NotFound />;
    return <Redirect to={path === "/dashboard" ? "/login" : `/login?next=${encodeURIComponent(url)}`} />;
  }
  return (
    <MainLayout>
      {/* Keyed by tenant: switching tenants remounts the pages, which load the new tenant's data. */}
      <Router key={tenantId} onRouteChange={focusContent}>
        <Route path="/dashboard" component={Dashboard} />
        <Route path="/analytics" component={Analytics} />
        <Route path="/end-users" component={EndUsers} />
        <Route path="/billing" component={Billing} />
        <Route path="/providers" component={Providers} />
        <Route path="/tools" component={Tools} />
        <Route path="/models" component={Models} />
        <Route path="/keys" component={Keys} />
        <Route path="/audit" component={Audit} />
        <Route path="/logs" component={Logs} />
        <Route path="/users" component={Users} />
        <Route path="/settings" component={Settings} />
        <Route path="/diagnostics" component={Diagnostics} />
        <Route default component={NotFound} />
      </Router>
    </MainLayout>
  );
}
