import type { ComponentChildren } from "preact";
import { OfflineBanner, UpdateBanner } from "../components/Banners";
import { NotificationCenter } from "../components/NotificationCenter";
import { t } from "../i18n";
import { AppNav } from "./AppNav";

/** Signed-in shell: navigation plus the page. */
export function MainLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="main-layout">
      <a class="skip-link" href="#content">
        {t("nav.skip")}
      </a>
      <AppNav />
      <main id="content" class="content" tabIndex={-1}>
        <UpdateBanner />
        <OfflineBanner />
        {children}
      </main>
      <NotificationCenter />
    </div>
  );
}
