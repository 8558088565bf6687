import { call } from '../../api/client';
import { AsyncView } from '../../components/AsyncView';
import { EmptyState } from '../../components/EmptyState';
import { useAsync } from '../../hooks/useAsync';
import { t } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { describeNotification, notificationsVersion } from '../../stores/notifications';

const load = (signal: AbortSignal) => call('get', '/api/notifications', { query: { limit: 10 }, signal });

/** The latest alerts (budget thresholds, low balance); reloads when one is pushed. */
export function NotificationsCard() {
  const { state } = useAsync(load, [notificationsVersion.value]);
  return (
    <section class="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">{t('billing.notifications')}</h2>
      <AsyncView state={state}>
        {(list) =>
          list.data.length === 0 ? (
            <EmptyState>{t('billing.noNotifications')}</EmptyState>
          ) : (
            <ul class="stack-sm list-plain">
              {list.data.map((n) => {
                const { title, body, tone } = describeNotification(n);
                return (
                  <li key={n.id} class="notification">
                    <span class={`badge ${tone === 'danger' ? 'bad' : tone}`}>{title}</span>
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
