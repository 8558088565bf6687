import { BudgetMeter } from "../../components/BudgetUse";
import { formatBudget } from "../../components/modelLimits";
import { t } from "../../i18n";
import { formatMicros, formatPercent } from "../../i18n/format";
import type { EndUser } from "./endUserForm";

/** Spent in the current budget period against the budget that applies, as a meter; "—" without one. */
export function BudgetBar({ user }: { user: EndUser }) {
  const budget = user.limits?.budget_micros ?? null;
  if (!user.limits || budget === null) return <span class="muted">{t("endUsers.noBudget")}</span>;
  const spent = user.budget_spent_micros ?? 0;
  const ratio = budget > 0 ? spent / budget : null;
  return (
    <div class="stack-sm">
      <span class="small nowrap">
        {t("endUsers.spentOf", { spent: formatMicros(spent), budget: formatBudget(budget, user.limits.budget_period), percent: formatPercent(ratio, 0) })}
      </span>
      <BudgetMeter spent={spent} budget={budget} label={t("endUsers.budgetUseOf", { name: user.end_user })} />
    </div>
  );
}
