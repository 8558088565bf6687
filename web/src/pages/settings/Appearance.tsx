import { LanguageSelect } from "../../components/LanguageSelect";
import { changeLanguage, t } from "../../i18n";
import { language, setTheme, theme, THEMES } from "../../stores/settings";

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
      <LanguageSelect label={t("settings.language")} value={language.value} onChange={(next) => void changeLanguage(next)} />
    </div>
  );
}
