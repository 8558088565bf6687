import type { BillingStatus } from "../../api/types";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { BudgetUse } from "../../components/BudgetUse";

export function BalanceCard({ billing }: { billing: BillingStatus }) {
  const money = (micros: number) => formatMicros(micros, billing.currency);
  return (
    <section class="card" aria-labelledby="balance-heading">
      <h2 id="balance-heading">{t("billing.balance")}</h2>
      <p class="big-figure" data-testid="billing-balance">
        {money(billing.balance_micros)}
      </p>
      <dl class="facts">
        <dt>{t("billing.available")}</dt>
        <dd>{money(billing.available_micros)}</dd>
        <dt>{t("billing.reserved")}</dt>
        <dd>{money(billing.reserved_micros)}</dd>
        <dt>{t("billing.monthSpend")}</dt>
        <dd>{money(billing.month_spend_micros)}</dd>
      </dl>
      {!billing.billing_enabled && <p class="notice small">{t("billing.disabled")}</p>}
      <h3>{t("analytics.budget")}</h3>
      <BudgetUse spent={billing.month_spend_micros} budget={billing.monthly_budget_micros} />
    </section>
  );
}
