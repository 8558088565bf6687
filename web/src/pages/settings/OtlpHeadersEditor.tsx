import { useId } from "preact/hooks";
import { type MessageKey, t } from "../../i18n";
import { emptyHeader, type HeaderValues, MAX_HEADERS, type RowErrors } from "./logsForm";

interface OtlpHeadersEditorProps {
  /** The names the API reports (never the values). */
  stored: readonly string[];
  rows: HeaderValues[];
  remove: boolean;
  errors: RowErrors<MessageKey>;
  /** The API's 400 about the headers. */
  server: string | null;
  readOnly: boolean;
  onRows: (rows: HeaderValues[]) => void;
  onRemove: (remove: boolean) => void;
}

/** The collector's headers, write-only: the stored ones by name; new name/value pairs replace them all. */
export function OtlpHeadersEditor({ stored, rows, remove, errors, server, readOnly, onRows, onRemove }: OtlpHeadersEditorProps) {
  const id = useId();
  const update = (i: number, change: Partial<HeaderValues>) => onRows(rows.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const editing = !readOnly && !remove;
  return (
    <fieldset>
      <legend>{t("settings.logs.otlpHeaders")}</legend>
      <p class="hint">{t("settings.logs.otlpHeadersHint")}</p>
      <p class="small">
        {stored.length > 0 ? (
          <>
            {t("settings.logs.otlpHeadersStored")} <span class="mono">{stored.join(", ")}</span>
          </>
        ) : (
          t("settings.logs.otlpHeadersNone")
        )}
      </p>
      {editing && stored.length > 0 && <p class="hint">{t("settings.logs.otlpHeadersReplace")}</p>}
      {editing && rows.length > 0 && (
        <ol class="stack-sm">
          {rows.map((row, i) => {
            const n = i + 1;
            const error = errors.row?.[i];
            const errorId = `${id}-error-${i}`;
            const a11y = { "aria-invalid": error ? ("true" as const) : undefined, "aria-describedby": error ? errorId : undefined };
            return (
              <li key={i} class="stack-sm">
                <div class="row">
                  <label class="visually-hidden" for={`${id}-name-${i}`}>
                    {t("settings.logs.headerName", { n })}
                  </label>
                  <input
                    id={`${id}-name-${i}`}
                    value={row.name}
                    placeholder="x-honeycomb-team"
                    spellcheck={false}
                    autocomplete="off"
                    {...a11y}
                    onInput={(e) => update(i, { name: e.currentTarget.value })}
                  />
                  <label class="visually-hidden" for={`${id}-value-${i}`}>
                    {t("settings.logs.headerValue", { n })}
                  </label>
                  <input
                    id={`${id}-value-${i}`}
                    type="password"
                    autocomplete="off"
                    value={row.value}
                    {...a11y}
                    onInput={(e) => update(i, { value: e.currentTarget.value })}
                  />
                  <button
                    class="button small danger"
                    type="button"
                    onClick={() => onRows(rows.filter((_, j) => j !== i))}
                    aria-label={t("settings.logs.headerRemove", { n })}
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
      )}
      {editing && errors.list && <p class="field-error">{t(errors.list)}</p>}
      {server && <p class="field-error">{server}</p>}
      {editing && (
        <button class="button small" type="button" onClick={() => onRows([...rows, emptyHeader()])} disabled={rows.length >= MAX_HEADERS}>
          {t("settings.logs.headerAdd")}
        </button>
      )}
      {!readOnly && stored.length > 0 && (
        <label class="check">
          <input type="checkbox" checked={remove} onChange={(e) => onRemove(e.currentTarget.checked)} />
          {t("settings.logs.removeHeaders")}
        </label>
      )}
    </fieldset>
  );
}
