import type { TargetedSubmitEvent } from "preact";
import { Field } from "../../components/Field";
import { t } from "../../i18n";
import { field } from "../../lib/form";
import { type LogFilters as Filters, NO_FILTERS } from "./useRequestLog";

const RANGES = ["1h", "24h", "7d", "30d"] as const;
const STATUSES = ["", "2xx", "4xx", "5xx", "error"] as const;

/** The explorer's filters: the common ones in view, the rest under "More filters". */
export function LogFilters({ value, onChange }: { value: Filters; onChange: (filters: Filters) => void }) {
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const read = Object.fromEntries(Object.keys(NO_FILTERS).map((name) => [name, field(form, name)])) as unknown as Filters;
    onChange(read);
  };
  const text = (name: keyof Filters, label: string, extra: Record<string, string> = {}) => (
    <Field label={label}>{(a11y) => <input {...a11y} {...extra} name={name} defaultValue={value[name]} />}</Field>
  );
  return (
    <form class="card stack" onSubmit={submit} aria-label={t("logs.filters")}>
      {text("search", t("logs.search"), { placeholder: "req_… / trace id", autocomplete: "off" })}
      <div class="field-grid">
        <Field label={t("logs.range")}>
          {(a11y) => (
            <select {...a11y} name="last">
              {RANGES.map((r) => (
                <option key={r} value={r} selected={r === value.last}>
                  {t(`logs.range.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("logs.status")}>
          {(a11y) => (
            <select {...a11y} name="status">
              {STATUSES.map((s) => (
                <option key={s} value={s} selected={s === value.status}>
                  {s === "" ? t("logs.any") : s === "error" ? t("logs.errors") : s}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("model", t("logs.model"), { placeholder: "openai/gpt-4o-mini" })}
      </div>
      <details>
        <summary>{t("logs.moreFilters")}</summary>
        <div class="field-grid">
          {text("key_id", t("logs.key"), { placeholder: "key_…" })}
          {text("provider", t("logs.provider"))}
          {text("endpoint", t("logs.endpoint"), { placeholder: "chat.completions" })}
          {text("end_user", t("logs.endUser"))}
          {text("min_cost_micros", t("logs.minCost"), { inputmode: "numeric" })}
          {text("max_latency_ms", t("logs.maxLatency"), { inputmode: "numeric" })}
        </div>
      </details>
      <div class="row">
        <button class="button primary" type="submit">
          {t("logs.apply")}
        </button>
        <button class="button" type="reset" onClick={() => onChange(NO_FILTERS)}>
          {t("logs.reset")}
        </button>
      </div>
    </form>
  );
}
