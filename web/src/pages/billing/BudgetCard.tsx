import { call } from "../../api/client";
import type { NotificationSettings, TenantSettings } from "../../api/types";
import { FormEnd } from "../../components/FormEnd";
import { LoadedCard } from "../../components/LoadedCard";
import { Field } from "../../components/Field";
import { useSettingsForm } from "../../hooks/useSettingsForm";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { can } from "../../stores/permissions";
import { budgetFrom, type BudgetValues, lowBalanceMicros, tenantPatch, validateBudget } from "./budgetForm";

interface Loaded {
  tenant: TenantSettings;
  alerts: NotificationSettings | null;
}

const load = async (signal: AbortSignal): Promise<Loaded> => {
  const [tenant, alerts] = await Promise.all([
    call("get", "/api/tenant", { signal }),
    can("tenant:write") ? call("get", "/api/notifications/settings", { signal }) : Promise.resolve(null),
  ]);
  return { tenant, alerts };
};

async function save(values: BudgetValues, before: Loaded): Promise<Loaded> {
  const tenant = await call("patch", "/api/tenant", { body: tenantPatch(values) });
  const low = lowBalanceMicros(values);
  const alerts =
    before.alerts && low !== before.alerts.low_balance_micros
      ? await call("put", "/api/notifications/settings", { body: { low_balance_micros: low } })
      : before.alerts;
  return { tenant, alerts };
}

function BudgetForm({ loaded, onSaved }: { loaded: Loaded; onSaved: (next: Loaded) => void }) {
  const { values, set, error, saved, action, onSubmit } = useSettingsForm({
    initial: () => budgetFrom(loaded.tenant, loaded.alerts),
    validate: validateBudget,
    save: (v: BudgetValues) => save(v, loaded),
    onSaved,
  });
  const readOnly = !can("tenant:write");
  const defaultLow = loaded.alerts ? formatMicros(loaded.alerts.default_low_balance_micros) : null;

  return (
    <form class="stack" onSubmit={onSubmit} noValidate>
      {readOnly && <p class="notice">{t("settings.tenant.readOnly")}</p>}
      <div class="field-grid">
        <Field label={t("settings.tenant.budget")} hint={t("settings.tenant.budgetHint")} error={error("budget")}>
          {(a11y) => (
            <input {...a11y} type="text" inputMode="decimal" value={values.budget} readOnly={readOnly} onInput={(e) => set("budget", e.currentTarget.value)} />
          )}
        </Field>
        <Field label={t("settings.tenant.thresholds")} hint={t("billing.thresholdsHint")} error={error("thresholds")}>
          {(a11y) => <input {...a11y} type="text" value={values.thresholds} readOnly={readOnly} onInput={(e) => set("thresholds", e.currentTarget.value)} />}
        </Field>
        {loaded.alerts && (
          <Field label={t("billing.lowBalance")} hint={t("billing.lowBalanceHint", { amount: defaultLow ?? "" })} error={error("lowBalance")}>
            {(a11y) => (
              <input
                {...a11y}
                type="text"
                inputMode="decimal"
                value={values.lowBalance}
                readOnly={readOnly}
                onInput={(e) => set("lowBalance", e.currentTarget.value)}
              />
            )}
          </Field>
        )}
      </div>
      <FormEnd action={action} saved={saved} submit={readOnly ? undefined : t("billing.saveBudget")} />
    </form>
  );
}

/** The monthly budget, its alert thresholds and the low-balance alert. */
export function BudgetCard({ onSaved }: { onSaved: () => void }) {
  return (
    <LoadedCard title={t("billing.budgetAlerts")} headingId="budget-form-heading" load={load}>
      {(loaded, replace) => (
        <BudgetForm
          loaded={loaded}
          onSaved={(next) => {
            replace(next);
            onSaved();
          }}
        />
      )}
    </LoadedCard>
  );
}
