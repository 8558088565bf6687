import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { NotificationSettings, TenantSettings } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatMicros } from "../../i18n/format";
import { can } from "../../stores/permissions";
import { type BudgetErrors, budgetFrom, type BudgetValues, lowBalanceMicros, tenantPatch, validateBudget } from "./budgetForm";

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
  const [values, setValues] = useState(() => budgetFrom(loaded.tenant, loaded.alerts));
  const [errors, setErrors] = useState<BudgetErrors>({});
  const [saved, setSaved] = useState(false);
  const action = useAction(save);
  const readOnly = !can("tenant:write");
  const set = (key: keyof BudgetValues, value: string) => {
    setSaved(false);
    setValues((v) => ({ ...v, [key]: value }));
  };
  const error = (key: keyof BudgetValues) => {
    const found = errors[key];
    return found ? t(found) : null;
  };
  const onSubmit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validateBudget(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const next = await action.run(values, loaded);
    if (next) {
      setSaved(true);
      onSaved(next);
    }
  };
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
      <ErrorAlert error={action.error} />
      {saved && (
        <p class="success" role="status">
          {t("settings.saved")}
        </p>
      )}
      {!readOnly && (
        <div>
          <button class="button primary" type="submit" disabled={action.busy} aria-busy={action.busy}>
            {t("billing.saveBudget")}
          </button>
        </div>
      )}
    </form>
  );
}

/** The monthly budget, its alert thresholds and the low-balance alert. */
export function BudgetCard({ onSaved }: { onSaved: () => void }) {
  const { state, update } = useAsync(load);
  return (
    <section class="card" aria-labelledby="budget-form-heading">
      <h2 id="budget-form-heading">{t("billing.budgetAlerts")}</h2>
      <AsyncView state={state}>
        {(loaded) => (
          <BudgetForm
            loaded={loaded}
            onSaved={(next) => {
              update(() => next);
              onSaved();
            }}
          />
        )}
      </AsyncView>
    </section>
  );
}
