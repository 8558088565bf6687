import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { AlertPreferences } from "../../api/types";
import { FormEnd } from "../../components/FormEnd";
import { LoadedCard } from "../../components/LoadedCard";
import { Field } from "../../components/Field";
import { LanguageSelect } from "../../components/LanguageSelect";
import { useSettingsForm } from "../../hooks/useSettingsForm";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { ALERT_PERMISSION, ALERT_TYPES, PERSONAL_CHANNELS, preferencesBody, preferencesFrom, toggle, validatePreferences } from "./alertPreferencesForm";
import { timeZoneChoices } from "./tenantForm";

const load = (signal: AbortSignal) => call("get", "/api/notifications/preferences", { signal });
const save = (values: Parameters<typeof preferencesBody>[0]) => call("put", "/api/notifications/preferences", { body: preferencesBody(values) });

/** Which alerts reach the signed-in user on which channel, quiet hours and the alerts' language. */
export function AlertPreferencesCard() {
  return (
    <LoadedCard title={t("alerts.title")} headingId="alert-preferences-heading" load={load}>
      {(loaded, replace) => <PreferencesForm loaded={loaded} onSaved={replace} />}
    </LoadedCard>
  );
}

function PreferencesForm({ loaded, onSaved }: { loaded: AlertPreferences; onSaved: (next: AlertPreferences) => void }) {
  const form = useSettingsForm({
    initial: () => preferencesFrom(loaded, Intl.DateTimeFormat().resolvedOptions().timeZone),
    validate: validatePreferences,
    save,
    onSaved,
  });
  const { values, set, error, onSubmit } = form;
  const [zones] = useState(() => timeZoneChoices(values.timeZone));
  const types = ALERT_TYPES.filter((type) => can(ALERT_PERMISSION[type]));

  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      {types.length === 0 ? (
        <p class="notice">{t("alerts.noneForRole")}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t("alerts.matrix")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("alerts.type")}</th>
                {PERSONAL_CHANNELS.map((channel) => (
                  <th key={channel} scope="col">
                    {t(`alerts.channel.${channel}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {types.map((type) => (
                <tr key={type}>
                  <th scope="row">{t(`alerts.type.${type}`)}</th>
                  {PERSONAL_CHANNELS.map((channel) => (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        checked={values[channel].includes(type)}
                        aria-label={`${t(`alerts.type.${type}`)}: ${t(`alerts.channel.${channel}`)}`}
                        onChange={(e) => form.replace(toggle(values, channel, type, e.currentTarget.checked))}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">{t("alerts.emailHint")}</p>
      <label class="check">
        <input type="checkbox" checked={values.quiet} onChange={(e) => set("quiet", e.currentTarget.checked)} />
        {t("alerts.quiet")}
      </label>
      {values.quiet && (
        <div class="field-grid">
          <Field label={t("alerts.quietStart")} error={error("start")}>
            {(a11y) => <input {...a11y} type="time" value={values.start} onInput={(e) => set("start", e.currentTarget.value)} />}
          </Field>
          <Field label={t("alerts.quietEnd")} hint={t("alerts.quietHint")} error={error("end")}>
            {(a11y) => <input {...a11y} type="time" value={values.end} onInput={(e) => set("end", e.currentTarget.value)} />}
          </Field>
          <Field label={t("settings.tenant.timeZone")} error={error("timeZone")}>
            {(a11y) =>
              zones ? (
                <select {...a11y} value={values.timeZone} onChange={(e) => set("timeZone", e.currentTarget.value)}>
                  {zones.map((zone) => (
                    <option key={zone} value={zone}>
                      {zone}
                    </option>
                  ))}
                </select>
              ) : (
                <input {...a11y} type="text" value={values.timeZone} spellcheck={false} onInput={(e) => set("timeZone", e.currentTarget.value)} />
              )
            }
          </Field>
        </div>
      )}
      <LanguageSelect label={t("alerts.language")} value={values.language} onChange={(next) => set("language", next)} />
      <FormEnd action={form.action} saved={form.saved} submit={t("alerts.save")} />
    </form>
  );
}
