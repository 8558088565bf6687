import { t } from "../i18n";

export function Loading({ label }: { label?: string }) {
  return (
    <p class="muted" role="status">
      {label ?? t("common.loading")}
    </p>
  );
}
