import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { describeNotification, notificationsVersion } from "../../stores/notifications";
import type { ToastTone } from "../../stores/toasts";

const load = (signal: AbortSignal) => call("get", "/api/notifications", { query: { limit: 10 }, signal });
const BADGE: Record<ToastTone, string> = { danger: "bad", warn: "warn", success: "ok", info: "info" };

/** The latest alerts (budget thresholds, low balance, providers down and back); reloads when one is pushed. */
export function NotificationsCard() {
  const { state } = useAsync(load, [notificationsVersion.value]);
  return (
    <section class="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">{t("billing.notifications")}</h2>
      <AsyncView state={state}>
        {(list) =>
          list.data.length === 0 ? (
            <EmptyState>{t("billing.noNotifications")}</EmptyState>
          ) : (
            <ul class="stack-sm list-plain">
              {list.data.map((n) => {
                const { title, body, tone } = describeNotification(n);
                return (
                  <li key={n.id} class="notification">
                    <span class={`badge ${BADGE[tone]}`}>{title}</span>
                    <p class="small">{body}</p>
                    <p class="small muted">{formatDateTime(n.created_at)}</p>
                  </li>
                );
              })}
            </ul>
          )
        }
      </AsyncView>
    </section>
  );
}
