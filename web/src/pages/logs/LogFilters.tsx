import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { Field } from "../../components/Field";
import { type MessageKey, t } from "../../i18n";
import { KeyField } from "./KeyField";
import { advancedCount, type FilterErrors, filterErrors, type LogFilters as Filters, NO_FILTERS, RANGES } from "./query";

const STATUSES = ["", "2xx", "4xx", "5xx", "error"] as const;
const ENDPOINTS = [
  "chat.completions",
  "messages",
  "responses",
  "completions",
  "embeddings",
  "images",
  "audio.speech",
  "transcriptions",
  "moderations",
  "rerank",
  "batches",
  "mcp.tools.call",
];

const ERROR_TEXT: Record<NonNullable<FilterErrors[keyof FilterErrors]>, MessageKey> = {
  amount: "logs.invalidAmount",
  whole: "logs.invalidWhole",
  range: "logs.invalidRange",
};

type Props = { value: Filters; onChange: (filters: Filters) => void };

/** The explorer's filters: search, time, status, model and key in view; the rest under "More filters". Applied on submit. */
export function LogFilters({ value, onChange }: Props) {
  // The form is the only one to change the filters (apply, reset), so the draft starts from them and never needs syncing.
  const [draft, setDraft] = useState(value);
  const [errors, setErrors] = useState<FilterErrors>({});

  const set = (name: keyof Filters) => (next: string) => setDraft((d) => ({ ...d, [name]: next }));
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = filterErrors(draft);
    setErrors(found);
    if (Object.keys(found).length === 0) onChange(draft);
  };
  const reset = () => {
    setErrors({});
    setDraft(NO_FILTERS);
    onChange(NO_FILTERS);
  };
  const error = (name: keyof FilterErrors) => {
    const kind = errors[name];
    return kind ? t(ERROR_TEXT[kind]) : null;
  };
  const text = (name: keyof Filters, label: string, extra: Record<string, string> = {}) => (
    <Field label={label} error={name in errors ? error(name as keyof FilterErrors) : null}>
      {(a11y) => <input {...a11y} {...extra} name={name} value={draft[name]} onInput={(e) => set(name)(e.currentTarget.value)} autocomplete="off" />}
    </Field>
  );
  const select = (name: keyof Filters, label: string, options: readonly (readonly [string, string])[]) => (
    <Field label={label}>
      {(a11y) => (
        <select {...a11y} name={name} value={draft[name]} onChange={(e) => set(name)(e.currentTarget.value)}>
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const more = advancedCount(value);

  return (
    <form class="card stack" onSubmit={submit} aria-label={t("logs.filters")} noValidate>
      {text("search", t("logs.search"), { type: "search", placeholder: "req_… / 4bf92f35…", spellcheck: "false" })}
      <div class="field-grid">
        {select(
          "last",
          t("logs.range"),
          RANGES.map((r) => [r, t(`logs.range.${r}`)] as const),
        )}
        {draft.last === "custom" && (
          <>
            {text("from", t("logs.from"), { type: "datetime-local" })}
            {text("to", t("logs.to"), { type: "datetime-local" })}
          </>
        )}
        {select(
          "status",
          t("logs.status"),
          STATUSES.map((s) => [s, s === "" ? t("logs.any") : s === "error" ? t("logs.errors") : s] as const),
        )}
        {text("model", t("logs.model"), { placeholder: "openai/gpt-4o-mini", spellcheck: "false" })}
        <Field label={t("logs.key")}>{(a11y) => <KeyField a11y={a11y} value={draft.key_id} onChange={set("key_id")} />}</Field>
      </div>
      <details open={more > 0}>
        <summary>{more > 0 ? t("logs.moreFiltersSet", { n: more }) : t("logs.moreFilters")}</summary>
        <div class="field-grid">
          {text("provider", t("logs.provider"), { placeholder: "openai" })}
          {text("endpoint", t("logs.endpoint"), { placeholder: "chat.completions", list: "logs-endpoints" })}
          {text("end_user", t("logs.endUser"))}
          {text("error_type", t("logs.errorType"), { placeholder: "upstream_timeout" })}
          {text("min_cost", t("logs.minCost"), { inputmode: "decimal", placeholder: "0.01" })}
          {text("max_cost", t("logs.maxCost"), { inputmode: "decimal" })}
          {text("min_latency_ms", t("logs.minLatency"), { inputmode: "numeric" })}
          {text("max_latency_ms", t("logs.maxLatency"), { inputmode: "numeric" })}
        </div>
        <datalist id="logs-endpoints">
          {ENDPOINTS.map((e) => (
            <option key={e} value={e} />
          ))}
        </datalist>
      </details>
      <div class="row">
        <button class="button primary" type="submit">
          {t("logs.apply")}
        </button>
        <button class="button" type="button" onClick={reset}>
          {t("logs.reset")}
        </button>
      </div>
    </form>
  );
}
