import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatDateTime } from "../../i18n/format";
import { describeNotification, notificationsVersion } from "../../stores/notifications";
import type { ToastTone } from "../../stores/toasts";
import type { AlertDelivery } from "../../api/types";

const load = (signal: AbortSignal) => call("get", "/api/notifications", { query: { limit: 10 }, signal });
const BADGE: Record<ToastTone, string> = { danger: "bad", warn: "warn", success: "ok", info: "info" };
const DELIVERY_BADGE: Record<AlertDelivery["status"], string> = { delivered: "ok", pending: "info", failed: "bad" };

/** Where the alert was sent (each device, e-mail address and Slack) and how that went. */
function Deliveries({ list }: { list: AlertDelivery[] }) {
  return (
    <ul class="list-plain small" aria-label={t("billing.deliveries")}>
      {list.map((d) => (
        <li key={`${d.channel}:${d.label}`} title={d.last_error ?? undefined}>
          {t(`billing.delivery.${d.channel}`)} · <span class="break">{d.label}</span>{" "}
          <span class={`badge ${DELIVERY_BADGE[d.status]}`}>{t(`billing.delivery.${d.status}`)}</span>
          {d.status === "failed" && d.last_error && <span class="muted"> {d.last_error}</span>}
        </li>
      ))}
    </ul>
  );
}

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
                    {n.deliveries && n.deliveries.length > 0 && <Deliveries list={n.deliveries} />}
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
