import { t } from "../i18n";
import { formatMicros, formatPercent } from "../i18n/format";

/** This month's spend against the budget (a meter), or a pointer to set one. */
export function BudgetUse({ spent, budget, href }: { spent: number; budget: number | null; href?: string | undefined }) {
  if (budget === null) {
    return (
      <p class="muted">
        {t("billing.noBudget", { spent: formatMicros(spent) })} {href && <a href={href}>{t("billing.setBudget")}</a>}
      </p>
    );
  }
  const ratio = budget > 0 ? spent / budget : null;
  return (
    <div class="stack-sm">
      <p>{t("billing.spentOf", { spent: formatMicros(spent), budget: formatMicros(budget), percent: formatPercent(ratio, 0) })}</p>
      <BudgetMeter spent={spent} budget={budget} label={t("billing.budgetUse")} />
    </div>
  );
}

/** Spend against a budget as a meter: amber from 80 %, red from 95 %. */
export function BudgetMeter({ spent, budget, label }: { spent: number; budget: number; label: string }) {
  return (
    <meter
      class="meter"
      min={0}
      max={Math.max(budget, 1)}
      low={budget * 0.8}
      high={budget * 0.95}
      optimum={0}
      value={Math.min(spent, budget)}
      aria-label={label}
    />
  );
}
