import { useId } from "preact/hooks";
import { t } from "../../i18n";
import { callableModels } from "../../stores/providers";
import { MAX_TARGETS, type RouteErrors, type TargetValues } from "./routeForm";

interface TargetsEditorProps {
  targets: TargetValues[];
  weighted: boolean;
  errors: RouteErrors;
  onChange: (targets: TargetValues[]) => void;
}

/** The ordered target list: model (suggested from the providers), weight, reorder, remove. */
export function TargetsEditor({ targets, weighted, errors, onChange }: TargetsEditorProps) {
  const listId = useId();
  const update = (i: number, change: Partial<TargetValues>) => onChange(targets.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...targets];
    const [item] = next.splice(i, 1);
    if (item) next.splice(i + by, 0, item);
    onChange(next);
  };
  return (
    <fieldset>
      <legend>{t("routes.form.targets")}</legend>
      <p class="hint">{t("routes.form.targetsHint")}</p>
      <datalist id={listId}>
        {callableModels.value.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <ol class="stack-sm">
        {targets.map((target, i) => {
          const error = errors.target?.[i];
          const errorId = `${listId}-error-${i}`;
          return (
            <li key={i} class="stack-sm">
              <div class="row">
                <label class="visually-hidden" for={`${listId}-model-${i}`}>
                  {t("routes.form.targetModel", { n: i + 1 })}
                </label>
                <input
                  id={`${listId}-model-${i}`}
                  list={listId}
                  value={target.model}
                  placeholder="provider/model"
                  spellcheck={false}
                  autocomplete="off"
                  aria-invalid={error ? "true" : undefined}
                  aria-describedby={error ? errorId : undefined}
                  onInput={(e) => update(i, { model: e.currentTarget.value })}
                />
                {weighted && (
                  <>
                    <label class="visually-hidden" for={`${listId}-weight-${i}`}>
                      {t("routes.form.targetWeight", { n: i + 1 })}
                    </label>
                    <input
                      id={`${listId}-weight-${i}`}
                      class="input-narrow"
                      type="number"
                      min={1}
                      max={1000}
                      placeholder="1"
                      value={target.weight}
                      onInput={(e) => update(i, { weight: e.currentTarget.value })}
                    />
                  </>
                )}
                <button class="button small" type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t("routes.form.moveUp", { n: i + 1 })}>
                  ↑
                </button>
                <button
                  class="button small"
                  type="button"
                  onClick={() => move(i, 1)}
                  disabled={i === targets.length - 1}
                  aria-label={t("routes.form.moveDown", { n: i + 1 })}
                >
                  ↓
                </button>
                <button
                  class="button small danger"
                  type="button"
                  onClick={() => onChange(targets.filter((_, j) => j !== i))}
                  disabled={targets.length === 1}
                  aria-label={t("routes.form.removeTarget", { n: i + 1 })}
                >
                  ✕
                </button>
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
      {errors.targets && <p class="field-error">{t(errors.targets)}</p>}
      <button class="button small" type="button" onClick={() => onChange([...targets, { model: "", weight: "" }])} disabled={targets.length >= MAX_TARGETS}>
        {t("routes.form.addTarget")}
      </button>
    </fieldset>
  );
}
