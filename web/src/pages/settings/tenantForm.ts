import type { TenantSettings, TenantUpdateBody } from "../../api/types";
import {
  hasModelLimitErrors,
  isEmptyScope,
  type ModelLimitErrors,
  type ModelLimitValues,
  modelLimitsBody,
  modelLimitsFrom,
  type ScopeLimitErrors,
  type ScopeLimitValues,
  scopeLimitsBody,
  scopeLimitsFrom,
  validateModelLimits,
  validateScopeLimits,
} from "../../components/modelLimits";
import type { MessageKey } from "../../i18n";
import { optionalInt } from "../../lib/form";
import { microsToDollars, parseDollarsToMicros } from "../../lib/money";

// Mirrors worker/api/tenant.ts (and worker/api/limit-fields.ts for end users and model caps).
export interface TenantFormValues {
  name: string;
  rpm: string;
  tpm: string;
  concurrency: string;
  /** Dollars, '' for no budget. */
  budget: string;
  /** Comma-separated percentages, ascending. */
  thresholds: string;
  billingEnabled: boolean;
  gateShards: string;
  markupBps: string;
  /** IANA name; daily, weekly and monthly budgets reset at its midnight. */
  timeZone: string;
  /** Limits for every end user without their own; all empty: none. */
  endUserDefaults: ScopeLimitValues;
  modelLimits: ModelLimitValues[];
}

/** The fields typed as text, each with one message. */
export type TenantTextField = "name" | "rpm" | "tpm" | "concurrency" | "budget" | "thresholds" | "gateShards" | "markupBps" | "timeZone";

export type TenantErrors = Partial<Record<TenantTextField, MessageKey>> & { endUserDefaults?: ScopeLimitErrors; modelLimits?: ModelLimitErrors };

const text = (value: number | null) => (value === null ? "" : String(value));

export const tenantFormFrom = (tenant: TenantSettings): TenantFormValues => ({
  name: tenant.name,
  rpm: text(tenant.rpm_limit),
  tpm: text(tenant.tpm_limit),
  concurrency: text(tenant.concurrency_limit),
  budget: tenant.monthly_budget_micros === null ? "" : microsToDollars(tenant.monthly_budget_micros),
  thresholds: (tenant.alert_thresholds ?? []).join(", "),
  billingEnabled: tenant.billing_enabled,
  gateShards: String(tenant.gate_shards),
  markupBps: text(tenant.markup_bps),
  timeZone: tenant.time_zone,
  endUserDefaults: scopeLimitsFrom(tenant.end_user_defaults),
  modelLimits: modelLimitsFrom(tenant.model_limits),
});

/** Whether the runtime knows the zone (as the API checks it). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zones to offer: the tenant's own first, then UTC and every zone the browser knows. */
export function timeZoneChoices(current: string): string[] | null {
  const supported = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  if (supported.length === 0) return null;
  return [...new Set([current, "UTC", ...supported])].filter(Boolean);
}

const within = (value: number | null, min: number, max: number) => value === null || (Number.isInteger(value) && value >= min && value <= max);

export function parseThresholds(input: string): number[] | null {
  const parts = input.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return [];
  const numbers = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  const ok = numbers.length <= 10 && numbers.every((n, i) => n >= 1 && n <= 100 && (i === 0 || n > numbers[i - 1]!));
  return ok ? numbers : null;
}

export function validateTenant(v: TenantFormValues, operator: boolean): TenantErrors {
  const errors: TenantErrors = {};
  const name = v.name.trim();
  if (name.length < 1 || name.length > 100) errors.name = "settings.tenant.nameInvalid";
  if (!within(optionalInt(v.rpm), 1, 100_000_000)) errors.rpm = "settings.tenant.limitInvalid";
  if (!within(optionalInt(v.tpm), 1, 100_000_000)) errors.tpm = "settings.tenant.limitInvalid";
  if (!within(optionalInt(v.concurrency), 1, 100_000)) errors.concurrency = "settings.tenant.concurrencyInvalid";
  if (v.budget.trim() !== "") {
    const micros = parseDollarsToMicros(v.budget);
    if (micros === null || micros > 1_000_000_000_000_000) errors.budget = "settings.tenant.budgetInvalid";
  }
  if (parseThresholds(v.thresholds) === null) errors.thresholds = "settings.tenant.thresholdsInvalid";
  if (operator) {
    const shards = optionalInt(v.gateShards);
    if (shards === null || !within(shards, 1, 64)) errors.gateShards = "settings.tenant.shardsInvalid";
    if (!within(optionalInt(v.markupBps), 0, 100_000)) errors.markupBps = "settings.tenant.markupInvalid";
  }
  if (!isTimeZone(v.timeZone.trim())) errors.timeZone = "settings.tenant.timeZoneInvalid";
  const defaults = validateScopeLimits(v.endUserDefaults);
  if (Object.keys(defaults).length > 0) errors.endUserDefaults = defaults;
  const caps = validateModelLimits(v.modelLimits);
  if (hasModelLimitErrors(caps)) errors.modelLimits = caps;
  return errors;
}

export function tenantBody(v: TenantFormValues, operator: boolean): TenantUpdateBody {
  const thresholds = parseThresholds(v.thresholds) ?? [];
  const body: TenantUpdateBody = {
    name: v.name.trim(),
    rpm_limit: optionalInt(v.rpm),
    tpm_limit: optionalInt(v.tpm),
    concurrency_limit: optionalInt(v.concurrency),
    monthly_budget_micros: v.budget.trim() === "" ? null : parseDollarsToMicros(v.budget),
    alert_thresholds: thresholds.length ? thresholds : null,
    time_zone: v.timeZone.trim(),
    end_user_defaults: isEmptyScope(v.endUserDefaults) ? null : scopeLimitsBody(v.endUserDefaults),
    model_limits: modelLimitsBody(v.modelLimits),
  };
  if (operator) {
    body.billing_enabled = v.billingEnabled;
    body.gate_shards = optionalInt(v.gateShards) ?? 1;
    body.markup_bps = optionalInt(v.markupBps);
  }
  return body;
}
