import { signal } from "@preact/signals";
import { openNotificationStream } from "../api/notifications";
import type { AppNotification } from "../api/types";
import { t } from "../i18n";
import { formatMicros } from "../i18n/format";
import { readItem, writeItem } from "./storage";
import { showToast, type ToastTone } from "./toasts";

/** Bumped on every pushed alert, so lists of notifications can reload. */
export const notificationsVersion = signal(0);

const seqKey = (tenantId: string) => `aggregator.notifications.seq.${tenantId}`;

const num = (value: number | string | undefined): number => (typeof value === "number" ? value : Number(value ?? 0));

export interface DescribedNotification {
  title: string;
  body: string;
  tone: ToastTone;
  /** The page to open about it, and the link's words. */
  href: string;
  linkLabel: string;
}

const billingLink = () => ({ href: "/billing", linkLabel: t("toasts.open") });
const providersLink = () => ({ href: "/providers", linkLabel: t("toasts.openProviders") });

/** `503` → `HTTP 503`; timeout, network and protocol in words. */
function reasonText(reason: string): string {
  if (/^\d{3}$/.test(reason)) return t("notify.reason.http", { status: reason });
  if (reason === "timeout") return t("notify.reason.timeout");
  if (reason === "network") return t("notify.reason.network");
  if (reason === "protocol") return t("notify.reason.protocol");
  return reason;
}

/** An alert in the reader's language (the server's English `message` is the fallback). */
export function describeNotification(n: AppNotification): DescribedNotification {
  const provider = String(n.data.provider_name ?? "");
  switch (n.type) {
    case "budget.threshold_crossed":
      return {
        title: t("notify.budget.title", { percent: num(n.data.threshold_percent) }),
        body: t("notify.budget.body", { spent: formatMicros(num(n.data.month_spend_micros)), budget: formatMicros(num(n.data.monthly_budget_micros)) }),
        tone: num(n.data.threshold_percent) >= 100 ? "danger" : "warn",
        ...billingLink(),
      };
    case "balance.low":
      return {
        title: t("notify.lowBalance.title"),
        body: t("notify.lowBalance.body", { balance: formatMicros(num(n.data.balance_micros)), threshold: formatMicros(num(n.data.threshold_micros)) }),
        tone: "danger",
        ...billingLink(),
      };
    case "provider.down":
      return {
        title: t("notify.providerDown.title", { provider }),
        body: t("notify.providerDown.body", {
          failures: num(n.data.failures),
          samples: num(n.data.samples),
          reason: reasonText(String(n.data.reason ?? "")),
        }),
        tone: "danger",
        ...providersLink(),
      };
    case "provider.recovered":
      return { title: t("notify.providerRecovered.title", { provider }), body: t("notify.providerRecovered.body"), tone: "success", ...providersLink() };
    default:
      return { title: t("notify.generic"), body: n.message, tone: "info", ...billingLink() };
  }
}

/** A provider's alerts share one toast: its recovery replaces the outage's. */
const toastId = (n: AppNotification) =>
  n.type === "provider.down" || n.type === "provider.recovered" ? `provider-${String(n.data.provider_id ?? n.id)}` : n.id;

/**
 * Listens to the tenant's alerts while signed in with billing:read and shows each as a toast.
 * The last seq seen is kept per tab, so a reload shows what was raised in between, once.
 */
export function startNotifications(tenantId: string): () => void {
  const saved = readItem("session", seqKey(tenantId));
  const stream = openNotificationStream({
    afterSeq: saved && /^\d+$/.test(saved) ? Number(saved) : null,
    onNotification: (n) => {
      writeItem("session", seqKey(tenantId), String(n.seq));
      const { title, body, tone, href, linkLabel } = describeNotification(n);
      // Alerts calling for action (no money left, a provider down) stay until dismissed; the rest go by themselves.
      showToast({ id: toastId(n), tone, title, body, href, linkLabel }, tone === "danger" ? 0 : undefined);
      notificationsVersion.value += 1;
    },
  });
  return () => stream.close();
}
