import { signal } from '@preact/signals';
import { openNotificationStream } from '../api/notifications';
import type { AppNotification } from '../api/types';
import { t } from '../i18n';
import { formatMicros } from '../i18n/format';
import { readItem, writeItem } from './storage';
import { showToast, type ToastTone } from './toasts';

/** Bumped on every pushed alert, so lists of notifications can reload. */
export const notificationsVersion = signal(0);

const seqKey = (tenantId: string) => `aggregator.notifications.seq.${tenantId}`;

const num = (value: number | string | undefined): number => (typeof value === 'number' ? value : Number(value ?? 0));

/** An alert in the reader's language (the server's English `message` is the fallback). */
export function describeNotification(n: AppNotification): { title: string; body: string; tone: ToastTone } {
  if (n.type === 'budget.threshold_crossed') {
    return {
      title: t('notify.budget.title', { percent: num(n.data['threshold_percent']) }),
      body: t('notify.budget.body', { spent: formatMicros(num(n.data['month_spend_micros'])), budget: formatMicros(num(n.data['monthly_budget_micros'])) }),
      tone: num(n.data['threshold_percent']) >= 100 ? 'danger' : 'warn',
    };
  }
  if (n.type === 'balance.low') {
    return {
      title: t('notify.lowBalance.title'),
      body: t('notify.lowBalance.body', { balance: formatMicros(num(n.data['balance_micros'])), threshold: formatMicros(num(n.data['threshold_micros'])) }),
      tone: 'danger',
    };
  }
  return { title: t('notify.generic'), body: n.message, tone: 'info' };
}

/**
 * Listens to the tenant's alerts while signed in with billing:read and shows each as a toast.
 * The last seq seen is kept per tab, so a reload shows what was raised in between, once.
 */
export function startNotifications(tenantId: string): () => void {
  const saved = readItem('session', seqKey(tenantId));
  const stream = openNotificationStream({
    afterSeq: saved && /^\d+$/.test(saved) ? Number(saved) : null,
    onNotification: (n) => {
      writeItem('session', seqKey(tenantId), String(n.seq));
      const { title, body, tone } = describeNotification(n);
      // Alerts about money stay until dismissed; the rest go by themselves.
      showToast({ id: n.id, tone, title, body, href: '/billing' }, tone === 'danger' ? 0 : undefined);
      notificationsVersion.value += 1;
    },
  });
  return () => stream.close();
}
