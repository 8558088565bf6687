// Budgets and caps shared by keys, the tenant and end users; mirrors worker/api/limit-fields.ts:
// requests and tokens per minute 1–100,000,000, a budget in micro-dollars per period, and caps
// per model (`provider/model`) or per provider (`provider/*`), at most 50, each model once.
import type { ApiKey, TenantSettings } from "../api/types";
import { type MessageKey, t } from "../i18n";
import { formatMicros, formatNumber } from "../i18n/format";
import { optionalInt } from "../lib/form";
import { microsToDollars, parseDollarsToMicros } from "../lib/money";
import { MODEL_ID, PROVIDER_NAME } from "../pages/providers/providerForm";

export type ModelLimit = NonNullable<TenantSettings["model_limits"]>[number];
export type ScopeLimits = NonNullable<TenantSettings["end_user_defaults"]>;
export type BudgetPeriod = ScopeLimits["budget_period"];
export type BudgetMode = ApiKey["budget_mode"];

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ["daily", "weekly", "monthly", "total"];
export const BUDGET_MODES: readonly BudgetMode[] = ["hard", "soft"];
export const MAX_MODEL_LIMITS = 50;
const MAX_PER_MINUTE = 100_000_000;
const MAX_MICROS = 1_000_000_000_000_000;

export const toBudgetPeriod = (value: string): BudgetPeriod => BUDGET_PERIODS.find((p) => p === value) ?? "monthly";
export const toBudgetMode = (value: string): BudgetMode => BUDGET_MODES.find((m) => m === value) ?? "hard";

/** '' → null, a whole number from 1 to 100,000,000 → it, anything else → undefined (invalid). */
export function perMinute(text: string): number | null | undefined {
  const value = optionalInt(text);
  if (value === null) return null;
  return Number.isInteger(value) && value >= 1 && value <= MAX_PER_MINUTE ? value : undefined;
}

/** Dollars typed by people → micro-dollars: '' → null, not an amount → undefined. */
export function budgetMicros(text: string): number | null | undefined {
  if (text.trim() === "") return null;
  const micros = parseDollarsToMicros(text);
  return micros === null || micros > MAX_MICROS ? undefined : micros;
}

export const countText = (value: number | null): string => (value === null ? "" : String(value));
export const dollarsText = (micros: number | null): string => (micros === null ? "" : microsToDollars(micros));

// ---------- Limits of one scope (an end user, or the defaults for every end user) ----------

export interface ScopeLimitValues {
  rpm: string;
  tpm: string;
  /** Dollars, '' for no budget. */
  budget: string;
  period: BudgetPeriod;
}

export type ScopeLimitErrors = Partial<Record<"rpm" | "tpm" | "budget", MessageKey>>;

export const scopeLimitsFrom = (limits: ScopeLimits | null): ScopeLimitValues => ({
  rpm: countText(limits?.rpm_limit ?? null),
  tpm: countText(limits?.tpm_limit ?? null),
  budget: dollarsText(limits?.budget_micros ?? null),
  period: limits?.budget_period ?? "monthly",
});

/** No limit and no budget typed: nothing to set. */
export const isEmptyScope = (v: ScopeLimitValues): boolean => v.rpm.trim() === "" && v.tpm.trim() === "" && v.budget.trim() === "";

export function validateScopeLimits(v: ScopeLimitValues): ScopeLimitErrors {
  const errors: ScopeLimitErrors = {};
  if (perMinute(v.rpm) === undefined) errors.rpm = "limits.limitInvalid";
  if (perMinute(v.tpm) === undefined) errors.tpm = "limits.limitInvalid";
  if (budgetMicros(v.budget) === undefined) errors.budget = "limits.budgetInvalid";
  return errors;
}

export const scopeLimitsBody = (v: ScopeLimitValues): ScopeLimits => ({
  rpm_limit: perMinute(v.rpm) ?? null,
  tpm_limit: perMinute(v.tpm) ?? null,
  budget_micros: budgetMicros(v.budget) ?? null,
  budget_period: v.period,
});

// ---------- Caps per model or provider ----------

export interface ModelLimitValues extends ScopeLimitValues {
  /** `provider/model` or `provider/*`. */
  model: string;
}

export interface ModelLimitErrors {
  /** About the list as a whole. */
  list?: MessageKey;
  /** Per row: the first problem found in it. */
  row?: Record<number, MessageKey>;
}

export const emptyModelLimit = (): ModelLimitValues => ({ model: "", rpm: "", tpm: "", budget: "", period: "monthly" });

export const modelLimitsFrom = (caps: readonly ModelLimit[] | null): ModelLimitValues[] =>
  (caps ?? []).map((cap) => ({ model: cap.model, ...scopeLimitsFrom(cap) }));

export function isCapModel(model: string): boolean {
  const slash = model.indexOf("/");
  const name = model.slice(slash + 1);
  return slash > 0 && model.length <= 320 && PROVIDER_NAME.test(model.slice(0, slash)) && (name === "*" || MODEL_ID.test(name));
}

export function validateModelLimits(rows: readonly ModelLimitValues[]): ModelLimitErrors {
  const errors: ModelLimitErrors = {};
  if (rows.length > MAX_MODEL_LIMITS) errors.list = "limits.caps.tooMany";
  const row: Record<number, MessageKey> = {};
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const model = r.model.trim();
    const scope = validateScopeLimits(r);
    const problem = scope.rpm ?? scope.tpm ?? scope.budget;
    if (!isCapModel(model)) row[i] = "limits.caps.modelInvalid";
    else if (seen.has(model)) row[i] = "limits.caps.duplicate";
    else if (problem) row[i] = problem;
    else if (isEmptyScope(r)) row[i] = "limits.caps.empty";
    seen.add(model);
  });
  if (Object.keys(row).length > 0) errors.row = row;
  return errors;
}

export const hasModelLimitErrors = (errors: ModelLimitErrors): boolean => errors.list !== undefined || errors.row !== undefined;

/** The body's `model_limits`: null when there are none. */
export const modelLimitsBody = (rows: readonly ModelLimitValues[]): ModelLimit[] | null =>
  rows.length === 0 ? null : rows.map((r) => ({ model: r.model.trim(), ...scopeLimitsBody(r) }));

// ---------- Display ----------

/** 20_000_000, daily → "$20.00 / day". */
export const formatBudget = (micros: number, period: BudgetPeriod): string => t(`limits.budget.${period}`, { amount: formatMicros(micros) });

/** "60 req/min · $5.00 / month", or "No limits". */
export function describeLimits(limits: ScopeLimits): string {
  const parts: string[] = [];
  if (limits.rpm_limit !== null) parts.push(t("limits.rpmValue", { n: formatNumber(limits.rpm_limit) }));
  if (limits.tpm_limit !== null) parts.push(t("limits.tpmValue", { n: formatNumber(limits.tpm_limit) }));
  if (limits.budget_micros !== null) parts.push(formatBudget(limits.budget_micros, limits.budget_period));
  return parts.length > 0 ? parts.join(" · ") : t("limits.none");
}
