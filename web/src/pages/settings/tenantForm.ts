import type { TenantSettings, TenantUpdateBody } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { optionalInt } from "../../lib/form";
import { microsToDollars, parseDollarsToMicros } from "../../lib/money";

// Mirrors worker/api/tenant.ts.
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
}

export type TenantErrors = Partial<Record<keyof TenantFormValues, MessageKey>>;

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
});

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
  };
  if (operator) {
    body.billing_enabled = v.billingEnabled;
    body.gate_shards = optionalInt(v.gateShards) ?? 1;
    body.markup_bps = optionalInt(v.markupBps);
  }
  return body;
}
