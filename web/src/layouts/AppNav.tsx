import { useLocation } from "preact-iso/router";
import { Logo } from "../components/Logo";
import { SignOutIcon } from "../components/icons";
import { t } from "../i18n";
import { currentTenant } from "../stores/auth";
import { can } from "../stores/permissions";
import { endSession } from "../stores/session";
import { MoreMenu } from "./MoreMenu";
import { isCurrent, NAV_ITEMS } from "./navItems";

/** Sidebar on desktop; on phones (≤ 720 px, CSS) a bottom bar with the primary items and "More". */
export function AppNav() {
  const { path, route } = useLocation();
  const items = NAV_ITEMS.filter((item) => !item.permission || can(item.permission));
  const onSignOut = async () => {
    await endSession();
    route("/login", true);
  };
  return (
    <nav class="app-nav" aria-label={t("nav.main")}>
      <p class="brand">
        <Logo />
        <span>AI Aggregator</span>
      </p>
      <ul class="nav-list">
        {items.map(({ href, label, Icon, primary }) => (
          <li key={href} class={primary ? undefined : "nav-secondary"}>
            <a class="nav-link" href={href} aria-current={isCurrent(path, href) ? "page" : undefined}>
              <Icon />
              <span>{t(label)}</span>
            </a>
          </li>
        ))}
        <li class="nav-more">
          <MoreMenu items={items.filter((item) => !item.primary)} onSignOut={onSignOut} />
        </li>
      </ul>
      <div class="nav-footer">
        {currentTenant.value && <p class="nav-tenant">{currentTenant.value.name}</p>}
        <button class="nav-link" type="button" onClick={onSignOut}>
          <SignOutIcon />
          <span>{t("nav.signOut")}</span>
        </button>
      </div>
    </nav>
  );
}
