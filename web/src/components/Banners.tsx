import { t } from "../i18n";
import { applyUpdate, updateReady } from "../pwa/register";
import { online, showingCachedData } from "../stores/network";

/** Offline, or showing what the service worker saved last time. */
export function OfflineBanner() {
  if (online.value && !showingCachedData.value) return null;
  return (
    <div class="banner" role="status">
      {showingCachedData.value ? t("pwa.offlineCached") : t("pwa.offline")}
    </div>
  );
}

/** A new version is installed; reloading switches to it. */
export function UpdateBanner() {
  if (!updateReady.value) return null;
  return (
    <div class="banner update" role="status">
      <span>{t("pwa.updateReady")}</span>
      <button class="button small primary" type="button" onClick={applyUpdate}>
        {t("pwa.reload")}
      </button>
    </div>
  );
}
