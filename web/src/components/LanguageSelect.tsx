import { type Language, LANGUAGE_NAMES, LANGUAGES } from "../stores/settings";
import { Field } from "./Field";

interface LanguageSelectProps {
  label: string;
  hint?: string;
  value: Language;
  onChange: (language: Language) => void;
}

/** A labelled picker of the languages the dashboard and alerts are written in, each named in itself. */
export function LanguageSelect({ label, hint, value, onChange }: LanguageSelectProps) {
  return (
    <Field label={label} hint={hint}>
      {(a11y) => (
        <select
          {...a11y}
          class="input-auto"
          value={value}
          onChange={(e) => {
            const next = LANGUAGES.find((l) => l === e.currentTarget.value);
            if (next) onChange(next);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
