import type { NotificationSettings, TenantSettings, TenantUpdateBody } from "../../api/types";
import type { FormErrors } from "../../hooks/useSettingsForm";
import { microsToDollars, parseDollarsToMicros } from "../../lib/money";
import { parseThresholds } from "../settings/tenantForm";

export interface BudgetValues {
  /** Dollars; '' for no budget. */
  budget: string;
  /** Percentages, ascending; '' for the defaults. */
  thresholds: string;
  /** Dollars; '' for the platform default, 0 for never. */
  lowBalance: string;
}

export type BudgetErrors = FormErrors<keyof BudgetValues>;

const MAX_MICROS = 1_000_000_000_000;

export const budgetFrom = (tenant: TenantSettings, alerts: NotificationSettings | null): BudgetValues => ({
  budget: tenant.monthly_budget_micros === null ? "" : microsToDollars(tenant.monthly_budget_micros),
  thresholds: (tenant.alert_thresholds ?? []).join(", "),
  lowBalance: alerts?.low_balance_micros == null ? "" : microsToDollars(alerts.low_balance_micros),
});

const optionalMicros = (text: string): number | null | undefined => (text.trim() === "" ? null : (parseDollarsToMicros(text) ?? undefined));

export function validateBudget(v: BudgetValues): BudgetErrors {
  const errors: BudgetErrors = {};
  const budget = optionalMicros(v.budget);
  if (budget === undefined || (budget !== null && budget > MAX_MICROS)) errors.budget = "settings.tenant.budgetInvalid";
  if (parseThresholds(v.thresholds) === null) errors.thresholds = "settings.tenant.thresholdsInvalid";
  const low = optionalMicros(v.lowBalance);
  if (low === undefined || (low !== null && low > MAX_MICROS)) errors.lowBalance = "billing.lowBalanceInvalid";
  return errors;
}

export function tenantPatch(v: BudgetValues): TenantUpdateBody {
  const thresholds = parseThresholds(v.thresholds) ?? [];
  return { monthly_budget_micros: optionalMicros(v.budget) ?? null, alert_thresholds: thresholds.length ? thresholds : null };
}

export const lowBalanceMicros = (v: BudgetValues): number | null => optionalMicros(v.lowBalance) ?? null;
