import { Fragment } from "preact";
import { useId } from "preact/hooks";
import { t } from "../../i18n";
import { emptyPattern, MAX_PATTERNS, type PatternErrors, type PatternValues, type RowErrors, type ServerFieldError } from "./logsForm";

interface PatternsEditorProps {
  rows: PatternValues[];
  errors: RowErrors<PatternErrors>;
  /** The API's 400 about the patterns: at the row it names, else under the list. */
  server: ServerFieldError | null;
  readOnly: boolean;
  onChange: (rows: PatternValues[]) => void;
}

const FIELDS = ["name", "pattern", "flags"] as const;

/** The tenant's own redaction patterns: name, regular expression and flags, one row each. */
export function PatternsEditor({ rows, errors, server, readOnly, onChange }: PatternsEditorProps) {
  const id = useId();
  const update = (i: number, change: Partial<PatternValues>) => onChange(rows.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const labels = { name: "settings.logs.patternName", pattern: "settings.logs.patternText", flags: "settings.logs.patternFlags" } as const;
  const placeholders = { name: "ticket", pattern: "TCK-[0-9]{6}", flags: "i" };
  return (
    <fieldset>
      <legend>{t("settings.logs.patterns")}</legend>
      <p class="hint">{t("settings.logs.patternsHint")}</p>
      {rows.length === 0 ? (
        <p class="muted small">{t("settings.logs.patternsNone")}</p>
      ) : (
        <ol class="stack-sm">
          {rows.map((row, i) => {
            const n = i + 1;
            const found = errors.row?.[i] ?? {};
            const messages = [...new Set(FIELDS.flatMap((f) => (found[f] ? [t(found[f])] : [])))];
            if (server?.row === i) messages.push(server.message);
            const errorId = `${id}-error-${i}`;
            return (
              <li key={i} class="stack-sm">
                <div class="row">
                  {FIELDS.map((f) => (
                    <Fragment key={f}>
                      <label class="visually-hidden" for={`${id}-${f}-${i}`}>
                        {t(labels[f], { n })}
                      </label>
                      <input
                        id={`${id}-${f}-${i}`}
                        class={f === "pattern" ? undefined : "input-narrow"}
                        value={row[f]}
                        placeholder={placeholders[f]}
                        spellcheck={false}
                        autocomplete="off"
                        readOnly={readOnly}
                        aria-invalid={found[f] || (f === "pattern" && server?.row === i) ? "true" : undefined}
                        aria-describedby={messages.length > 0 ? errorId : undefined}
                        onInput={(e) => update(i, { [f]: e.currentTarget.value })}
                      />
                    </Fragment>
                  ))}
                  {!readOnly && (
                    <button
                      class="button small danger"
                      type="button"
                      onClick={() => onChange(rows.filter((_, j) => j !== i))}
                      aria-label={t("settings.logs.patternRemove", { n })}
                    >
                      ✕
                    </button>
                  )}
                </div>
                {messages.length > 0 && (
                  <p class="field-error" id={errorId}>
                    {messages.join(" ")}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {errors.list && <p class="field-error">{t(errors.list)}</p>}
      {server && server.row === null && <p class="field-error">{server.message}</p>}
      {!readOnly && (
        <button class="button small" type="button" onClick={() => onChange([...rows, emptyPattern()])} disabled={rows.length >= MAX_PATTERNS}>
          {t("settings.logs.patternAdd")}
        </button>
      )}
    </fieldset>
  );
}
