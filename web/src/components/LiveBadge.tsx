import { t } from "../i18n";
import { liveStatus } from "../stores/live";

/** Where the live connection stands; announced politely when it changes. */
export function LiveBadge() {
  const status = liveStatus.value;
  const tone = status === "open" ? "ok" : status === "closed" ? "" : "warn";
  return (
    <span class={`badge ${tone}`} role="status" data-testid="live-status">
      <span class={`dot ${status === "open" ? "live" : ""}`} aria-hidden="true" />
      {t(`live.${status}`)}
    </span>
  );
}
