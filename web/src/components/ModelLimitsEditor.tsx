import { useId } from "preact/hooks";
import { t } from "../i18n";
import { callableModels, providers } from "../stores/providers";
import { BUDGET_PERIODS, emptyModelLimit, MAX_MODEL_LIMITS, type ModelLimitErrors, type ModelLimitValues, toBudgetPeriod } from "./modelLimits";

interface ModelLimitsEditorProps {
  rows: ModelLimitValues[];
  errors: ModelLimitErrors;
  onChange: (rows: ModelLimitValues[]) => void;
  readOnly?: boolean;
}

/** Caps per model or provider (a key's or the tenant's): pattern, RPM, TPM, budget and its period. */
export function ModelLimitsEditor({ rows, errors, onChange, readOnly = false }: ModelLimitsEditorProps) {
  const listId = useId();
  const update = (i: number, change: Partial<ModelLimitValues>) => onChange(rows.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const suggestions = [...new Set([...(providers.value ?? []).filter((p) => p.enabled).map((p) => `${p.name}/*`), ...callableModels.value])];
  return (
    <fieldset>
      <legend>{t("limits.caps.title")}</legend>
      <p class="hint">{t("limits.caps.hint")}</p>
      <datalist id={listId}>
        {suggestions.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      {rows.length === 0 ? (
        <p class="muted small">{t("limits.caps.none")}</p>
      ) : (
        <ol class="stack-sm">
          {rows.map((cap, i) => {
            const n = i + 1;
            const error = errors.row?.[i];
            const errorId = `${listId}-error-${i}`;
            return (
              <li key={i} class="stack-sm">
                <div class="row">
                  <label class="visually-hidden" for={`${listId}-model-${i}`}>
                    {t("limits.caps.model", { n })}
                  </label>
                  <input
                    id={`${listId}-model-${i}`}
                    list={listId}
                    value={cap.model}
                    placeholder="provider/model"
                    spellcheck={false}
                    autocomplete="off"
                    readOnly={readOnly}
                    aria-invalid={error ? "true" : undefined}
                    aria-describedby={error ? errorId : undefined}
                    onInput={(e) => update(i, { model: e.currentTarget.value })}
                  />
                  <label class="visually-hidden" for={`${listId}-rpm-${i}`}>
                    {t("limits.caps.rpm", { n })}
                  </label>
                  <input
                    id={`${listId}-rpm-${i}`}
                    class="input-narrow"
                    type="number"
                    min={1}
                    placeholder={t("limits.caps.rpmShort")}
                    value={cap.rpm}
                    readOnly={readOnly}
                    onInput={(e) => update(i, { rpm: e.currentTarget.value })}
                  />
                  <label class="visually-hidden" for={`${listId}-tpm-${i}`}>
                    {t("limits.caps.tpm", { n })}
                  </label>
                  <input
                    id={`${listId}-tpm-${i}`}
                    class="input-narrow"
                    type="number"
                    min={1}
                    placeholder={t("limits.caps.tpmShort")}
                    value={cap.tpm}
                    readOnly={readOnly}
                    onInput={(e) => update(i, { tpm: e.currentTarget.value })}
                  />
                  <label class="visually-hidden" for={`${listId}-budget-${i}`}>
                    {t("limits.caps.budget", { n })}
                  </label>
                  <input
                    id={`${listId}-budget-${i}`}
                    class="input-narrow"
                    type="text"
                    inputMode="decimal"
                    placeholder={t("limits.caps.budgetShort")}
                    value={cap.budget}
                    readOnly={readOnly}
                    onInput={(e) => update(i, { budget: e.currentTarget.value })}
                  />
                  <label class="visually-hidden" for={`${listId}-period-${i}`}>
                    {t("limits.caps.period", { n })}
                  </label>
                  <select
                    id={`${listId}-period-${i}`}
                    class="input-auto"
                    value={cap.period}
                    disabled={readOnly}
                    onChange={(e) => update(i, { period: toBudgetPeriod(e.currentTarget.value) })}
                  >
                    {BUDGET_PERIODS.map((p) => (
                      <option key={p} value={p}>
                        {t(`limits.period.${p}`)}
                      </option>
                    ))}
                  </select>
                  {!readOnly && (
                    <button
                      class="button small danger"
                      type="button"
                      onClick={() => onChange(rows.filter((_, j) => j !== i))}
                      aria-label={t("limits.caps.remove", { n })}
                    >
                      ✕
                    </button>
                  )}
                </div>
                {error && (
                  <p class="field-error" id={errorId}>
                    {t(error)}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {errors.list && <p class="field-error">{t(errors.list)}</p>}
      {!readOnly && (
        <button class="button small" type="button" onClick={() => onChange([...rows, emptyModelLimit()])} disabled={rows.length >= MAX_MODEL_LIMITS}>
          {t("limits.caps.add")}
        </button>
      )}
    </fieldset>
  );
}
