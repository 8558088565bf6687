import { changeLanguage, t } from "../../i18n";
import { LANGUAGE_NAMES, language, LANGUAGES, setTheme, theme, THEMES } from "../../stores/settings";

export function Appearance() {
  return (
    <div class="stack">
      <fieldset>
        <legend>{t("settings.theme")}</legend>
        <div class="row">
          {THEMES.map((value) => (
            <label key={value} class="check">
              <input type="radio" name="theme" value={value} checked={theme.value === value} onChange={() => setTheme(value)} />
              {t(`settings.theme.${value}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for="language">{t("settings.language")}</label>
        <select
          id="language"
          class="input-auto"
          value={language.value}
          onChange={(e) => {
            const next = LANGUAGES.find((l) => l === e.currentTarget.value);
            if (next) void changeLanguage(next);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
