import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { TenantSettings } from "../../api/types";
import { FormEnd } from "../../components/FormEnd";
import { Field } from "../../components/Field";
import { ModelLimitsEditor } from "../../components/ModelLimitsEditor";
import { ScopeLimitsFields } from "../../components/ScopeLimitsFields";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { currentTenant } from "../../stores/auth";
import { can, isOperator } from "../../stores/permissions";
import { tenantBody, type TenantErrors, type TenantFormValues, tenantFormFrom, type TenantTextField, timeZoneChoices, validateTenant } from "./tenantForm";

const saveTenant = (values: TenantFormValues, operator: boolean) => call("patch", "/api/tenant", { body: tenantBody(values, operator) });

/**
 * PATCH /api/tenant: name, limits, budget and alerts, the time zone budgets reset in, limits for
 * end users and caps per model; billing, shards and markup for the operator.
 */
export function TenantSettingsForm({ tenant, onSaved }: { tenant: TenantSettings; onSaved: (tenant: TenantSettings) => void }) {
  const [values, setValues] = useState(() => tenantFormFrom(tenant));
  const [errors, setErrors] = useState<TenantErrors>({});
  const [saved, setSaved] = useState(false);
  const action = useAction(saveTenant);
  const operator = isOperator();
  const readOnly = !can("tenant:write");
  const [zones] = useState(() => timeZoneChoices(tenant.time_zone));
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const set = <K extends keyof TenantFormValues>(key: K, value: TenantFormValues[K]) => {
    setSaved(false);
    setValues((v) => ({ ...v, [key]: value }));
  };
  const message = (key: TenantTextField) => {
    const found = errors[key];
    return found ? t(found) : null;
  };

  async function onSubmit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateTenant(values, operator);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const updated = await action.run(values, operator);
    if (updated) {
      setSaved(true);
      onSaved(updated);
      if (currentTenant.value) currentTenant.value = { ...currentTenant.value, name: updated.name };
    }
  }

  const input = (key: TenantTextField, label: string, hint: string, kind: "number" | "text" | "decimal" = "number") => (
    <Field label={label} hint={hint} error={message(key)}>
      {(a11y) =>
        kind === "number" ? (
          <input {...a11y} type="number" value={values[key]} readOnly={readOnly} onInput={(e) => set(key, e.currentTarget.value)} />
        ) : (
          <input
            {...a11y}
            type="text"
            inputMode={kind === "decimal" ? "decimal" : "text"}
            value={values[key]}
            readOnly={readOnly}
            onInput={(e) => set(key, e.currentTarget.value)}
          />
        )
      }
    </Field>
  );

  return (
    <form class="stack" onSubmit={onSubmit} noValidate aria-labelledby="tenant-heading">
      {readOnly && <p class="notice">{t("settings.tenant.readOnly")}</p>}
      {input("name", t("settings.tenant.name"), "", "text")}
      <div class="field-grid">
        {input("rpm", t("settings.tenant.rpm"), t("settings.tenant.noLimit"))}
        {input("tpm", t("settings.tenant.tpm"), t("settings.tenant.noLimit"))}
        {input("concurrency", t("settings.tenant.concurrency"), t("settings.tenant.noLimit"))}
      </div>
      <div class="field-grid">
        {input("budget", t("settings.tenant.budget"), t("settings.tenant.budgetHint"), "decimal")}
        {input("thresholds", t("settings.tenant.thresholds"), t("settings.tenant.thresholdsHint"), "text")}
      </div>
      <Field label={t("settings.tenant.timeZone")} hint={t("settings.tenant.timeZoneHint", { zone: browserZone })} error={message("timeZone")}>
        {(a11y) =>
          zones ? (
            <select {...a11y} value={values.timeZone} disabled={readOnly} onChange={(e) => set("timeZone", e.currentTarget.value)}>
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          ) : (
            <input
              {...a11y}
              type="text"
              value={values.timeZone}
              readOnly={readOnly}
              spellcheck={false}
              autocomplete="off"
              onInput={(e) => set("timeZone", e.currentTarget.value)}
            />
          )
        }
      </Field>
      <fieldset class="stack-sm">
        <legend>{t("settings.tenant.endUsers")}</legend>
        <p class="hint">{t("settings.tenant.endUsersHint")}</p>
        <ScopeLimitsFields
          values={values.endUserDefaults}
          errors={errors.endUserDefaults ?? {}}
          onChange={(next) => set("endUserDefaults", next)}
          labels={{
            rpm: t("settings.tenant.endUserRpm"),
            tpm: t("settings.tenant.endUserTpm"),
            budget: t("settings.tenant.endUserBudget"),
            period: t("settings.tenant.endUserPeriod"),
          }}
          emptyHint={t("settings.tenant.noLimit")}
          readOnly={readOnly}
        />
      </fieldset>
      <ModelLimitsEditor rows={values.modelLimits} errors={errors.modelLimits ?? {}} onChange={(rows) => set("modelLimits", rows)} readOnly={readOnly} />
      {operator && (
        <fieldset class="stack">
          <legend>{t("settings.tenant.operator")}</legend>
          <label class="check">
            <input type="checkbox" checked={values.billingEnabled} onChange={(e) => set("billingEnabled", e.currentTarget.checked)} />
            {t("settings.tenant.billing")}
          </label>
          <div class="field-grid">
            {input("gateShards", t("settings.tenant.shards"), t("settings.tenant.shardsHint"))}
            {input("markupBps", t("settings.tenant.markup"), t("settings.tenant.markupHint"))}
          </div>
        </fieldset>
      )}
      <FormEnd action={action} saved={saved} submit={readOnly ? undefined : t("common.save")} />
    </form>
  );
}
