// What an alert says to a person, in English or Russian: a title and a body for a notification,
// the dashboard page it links to, and a tag per alert kind and subject (so a repeat replaces
// the last notification instead of stacking). A person in several tenants is told which one:
// its name in the title, its id in the tag and in the link (the dashboard switches to it).

import type { AlertLanguage, NotificationType } from "../core/alert-types.ts";

export interface AlertNotice {
  id: string;
  type: NotificationType;
  message: string;
  data: Record<string, number | string>;
}

export type Locale = AlertLanguage;

export interface AlertText {
  title: string;
  body: string;
  /** Absolute: the dashboard page to open. */
  url: string;
  tag: string;
}

const money = (micros: unknown, locale: Locale) => {
  const dollars = (Number(micros) || 0) / 1_000_000;
  return locale === "ru" ? `${dollars.toFixed(2).replace(".", ",")} $` : `$${dollars.toFixed(2)}`;
};

const text = (value: unknown) => String(value ?? "");

type Builder = (n: AlertNotice, locale: Locale) => Omit<AlertText, "url">;

const BUILDERS: Record<AlertNotice["type"], Builder> = {
  "balance.low": (n, l) => ({
    title: l === "ru" ? "Баланс на исходе" : "Balance is low",
    body:
      l === "ru"
        ? `Баланс ${money(n.data.balance_micros, l)} — ниже порога ${money(n.data.threshold_micros, l)}. Пополните его, чтобы вызовы не остановились.`
        : `The balance is ${money(n.data.balance_micros, l)}, below ${money(n.data.threshold_micros, l)}. Top up so calls keep running.`,
    tag: "balance.low",
  }),
  "budget.threshold_crossed": (n, l) => {
    const percent = text(n.data.threshold_percent);
    const spent = n.data.spent_micros ?? n.data.month_spend_micros;
    const budget = n.data.budget_micros ?? n.data.monthly_budget_micros;
    return {
      title: l === "ru" ? `Бюджет израсходован на ${percent}%` : `Budget ${percent}% spent`,
      body: l === "ru" ? `Потрачено ${money(spent, l)} из ${money(budget, l)}.` : `${money(spent, l)} of ${money(budget, l)} spent.`,
      tag: `budget:${text(n.data.scope ?? n.data.month ?? "month")}`,
    };
  },
  "provider.down": (n, l) => ({
    title: l === "ru" ? `Провайдер ${text(n.data.provider_name)} не отвечает` : `${text(n.data.provider_name)} is failing`,
    body:
      l === "ru"
        ? `${text(n.data.failures)} из ${text(n.data.samples)} последних вызовов завершились ошибкой (${text(n.data.reason)}). Вызовы идут на резервные маршруты.`
        : `${text(n.data.failures)} of ${text(n.data.samples)} recent calls failed (${text(n.data.reason)}). Calls go to fallbacks until it recovers.`,
    tag: `provider:${text(n.data.provider_id)}`,
  }),
  "provider.recovered": (n, l) => ({
    title: l === "ru" ? `Провайдер ${text(n.data.provider_name)} снова работает` : `${text(n.data.provider_name)} recovered`,
    body: l === "ru" ? "Вызовы снова идут к нему." : "Calls go to it again.",
    tag: `provider:${text(n.data.provider_id)}`,
  }),
};

const PAGE: Record<AlertNotice["type"], string> = {
  "balance.low": "/billing",
  "budget.threshold_crossed": "/billing",
  "provider.down": "/diagnostics",
  "provider.recovered": "/diagnostics",
};

/** The tenant an alert is about, named only to people who belong to more than one. */
export interface AlertTenant {
  id: string;
  name: string;
}

export function alertMessage(n: AlertNotice, locale: Locale, dashboardUrl: string, tenant?: AlertTenant): AlertText {
  const built = (BUILDERS[n.type] ?? ((x: AlertNotice) => ({ title: "AI Aggregator", body: x.message, tag: x.type })))(n, locale);
  const url = new URL(PAGE[n.type] ?? "/dashboard", dashboardUrl);
  if (!tenant) return { ...built, url: url.href };
  url.searchParams.set("tenant", tenant.id);
  return { title: `${built.title} · ${tenant.name}`, body: built.body, tag: `${tenant.id}:${built.tag}`, url: url.href };
}
