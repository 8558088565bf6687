import { t } from "../i18n";
import { Field } from "./Field";
import { BUDGET_PERIODS, type ScopeLimitErrors, type ScopeLimitValues, toBudgetPeriod } from "./modelLimits";

interface ScopeLimitsFieldsProps {
  values: ScopeLimitValues;
  errors: ScopeLimitErrors;
  onChange: (values: ScopeLimitValues) => void;
  labels: { rpm: string; tpm: string; budget: string; period: string };
  /** Under each of RPM, TPM and the budget. */
  emptyHint: string;
  readOnly?: boolean;
}

/** Requests and tokens per minute and a budget with its period (an end user's, or their defaults). */
export function ScopeLimitsFields({ values, errors, onChange, labels, emptyHint, readOnly = false }: ScopeLimitsFieldsProps) {
  const set = <K extends keyof ScopeLimitValues>(key: K, value: ScopeLimitValues[K]) => onChange({ ...values, [key]: value });
  const message = (key: keyof ScopeLimitErrors) => {
    const found = errors[key];
    return found ? t(found) : null;
  };
  return (
    <div class="field-grid">
      <Field label={labels.rpm} hint={emptyHint} error={message("rpm")}>
        {(a11y) => <input {...a11y} type="number" min={1} value={values.rpm} readOnly={readOnly} onInput={(e) => set("rpm", e.currentTarget.value)} />}
      </Field>
      <Field label={labels.tpm} hint={emptyHint} error={message("tpm")}>
        {(a11y) => <input {...a11y} type="number" min={1} value={values.tpm} readOnly={readOnly} onInput={(e) => set("tpm", e.currentTarget.value)} />}
      </Field>
      <Field label={labels.budget} hint={emptyHint} error={message("budget")}>
        {(a11y) => (
          <input {...a11y} type="text" inputMode="decimal" value={values.budget} readOnly={readOnly} onInput={(e) => set("budget", e.currentTarget.value)} />
        )}
      </Field>
      <Field label={labels.period} hint={t("limits.periodHint")}>
        {(a11y) => (
          <select {...a11y} value={values.period} disabled={readOnly} onChange={(e) => set("period", toBudgetPeriod(e.currentTarget.value))}>
            {BUDGET_PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`limits.period.${p}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
