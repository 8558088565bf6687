import type { TargetedSubmitEvent } from "preact";
import { useId, useState } from "preact/hooks";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { ModelLimitsEditor } from "../../components/ModelLimitsEditor";
import { BUDGET_MODES, BUDGET_PERIODS, toBudgetMode, toBudgetPeriod } from "../../components/modelLimits";
import { t } from "../../i18n";
import { callableModels } from "../../stores/providers";
import { CaptureField } from "./CaptureField";
import { type KeyErrors, type KeyFormValues, type KeyTextField, validateKey } from "./keyForm";

interface KeyFormProps {
  initial: KeyFormValues;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (values: KeyFormValues) => void;
  onCancel: () => void;
}

/** Name, limits, budget, allowed models, caps per model, capture and expiry — for creating and for editing a key. */
export function KeyForm({ initial, submitLabel, busy, error, onSubmit, onCancel }: KeyFormProps) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<KeyErrors>({});
  const modelsHintId = useId();
  const set = <K extends keyof KeyFormValues>(key: K, value: KeyFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const message = (key: KeyTextField) => {
    const found = errors[key];
    return found ? t(found) : null;
  };

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validateKey(values);
    setErrors(found);
    if (Object.keys(found).length === 0) onSubmit(values);
  };

  return (
    <form class="stack" onSubmit={submit} noValidate>
      <Field label={t("keys.form.name")} error={message("name")}>
        {(a11y) => <input {...a11y} value={values.name} onInput={(e) => set("name", e.currentTarget.value)} maxLength={100} autocomplete="off" />}
      </Field>
      <div class="field-grid">
        <Field label={t("keys.form.rpm")} hint={t("keys.form.noLimit")} error={message("rpm")}>
          {(a11y) => <input {...a11y} type="number" min={1} value={values.rpm} onInput={(e) => set("rpm", e.currentTarget.value)} />}
        </Field>
        <Field label={t("keys.form.tpm")} hint={t("keys.form.noLimit")} error={message("tpm")}>
          {(a11y) => <input {...a11y} type="number" min={1} value={values.tpm} onInput={(e) => set("tpm", e.currentTarget.value)} />}
        </Field>
      </div>
      <div class="field-grid">
        <Field label={t("keys.form.budget")} hint={t("keys.form.budgetHint")} error={message("budget")}>
          {(a11y) => <input {...a11y} type="text" inputMode="decimal" value={values.budget} onInput={(e) => set("budget", e.currentTarget.value)} />}
        </Field>
        <Field label={t("keys.form.budgetPeriod")} hint={t("limits.periodHint")}>
          {(a11y) => (
            <select {...a11y} value={values.budgetPeriod} onChange={(e) => set("budgetPeriod", toBudgetPeriod(e.currentTarget.value))}>
              {BUDGET_PERIODS.map((p) => (
                <option key={p} value={p}>
                  {t(`limits.period.${p}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("keys.form.budgetMode")} hint={t(`keys.form.budgetMode.${values.budgetMode}.hint`)}>
          {(a11y) => (
            <select {...a11y} value={values.budgetMode} onChange={(e) => set("budgetMode", toBudgetMode(e.currentTarget.value))}>
              {BUDGET_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`keys.form.budgetMode.${m}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label={t("keys.form.models")} hint={t("keys.form.modelsHint")} error={message("models")}>
        {(a11y) => <textarea {...a11y} value={values.models} onInput={(e) => set("models", e.currentTarget.value)} spellcheck={false} />}
      </Field>
      {callableModels.value.length > 0 && (
        <p class="hint" id={modelsHintId}>
          {t("keys.form.available")} <span class="mono">{callableModels.value.join(", ")}</span>
        </p>
      )}
      <ModelLimitsEditor rows={values.modelLimits} errors={errors.modelLimits ?? {}} onChange={(rows) => set("modelLimits", rows)} />
      <label class="check">
        <input type="checkbox" checked={values.promptCache === "auto"} onChange={(e) => set("promptCache", e.currentTarget.checked ? "auto" : "off")} />
        {t("keys.form.promptCache")}
      </label>
      <p class="hint">{t("keys.form.promptCacheHint")}</p>
      <CaptureField value={values.capture} onChange={(mode) => set("capture", mode)} />
      <Field label={t("keys.form.mcpTools")} hint={t("keys.form.mcpToolsHint")} error={message("mcpTools")}>
        {(a11y) => <textarea {...a11y} value={values.mcpTools} onInput={(e) => set("mcpTools", e.currentTarget.value)} spellcheck={false} />}
      </Field>
      <Field label={t("keys.form.expires")} hint={t("keys.form.expiresHint")} error={message("expires")}>
        {(a11y) => <input {...a11y} type="datetime-local" value={values.expires} onInput={(e) => set("expires", e.currentTarget.value)} />}
      </Field>
      <ErrorAlert error={error} />
      <div class="row end">
        <button class="button" type="button" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </button>
        <button class="button primary" type="submit" disabled={busy} aria-busy={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
