import type { TargetedSubmitEvent } from "preact";
import { AUDIT_ACTIONS, ENTITY_TYPES } from "../../api/audit";
import { Field } from "../../components/Field";
import { t } from "../../i18n";
import { field } from "../../lib/form";

export interface Filters {
  entity_type: string;
  action: string;
  /** datetime-local values, '' for open-ended. */
  from: string;
  to: string;
}

export const NO_FILTERS: Filters = { entity_type: "", action: "", from: "", to: "" };

export function AuditFilters({ value, onChange }: { value: Filters; onChange: (filters: Filters) => void }) {
  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onChange({ entity_type: field(form, "entity_type"), action: field(form, "action"), from: field(form, "from"), to: field(form, "to") });
  };
  return (
    <form class="card stack" onSubmit={submit} aria-label={t("audit.filters")}>
      <div class="field-grid">
        <Field label={t("audit.entityType")}>
          {(a11y) => (
            <select {...a11y} name="entity_type">
              <option value="">{t("audit.any")}</option>
              {ENTITY_TYPES.map((type) => (
                <option key={type} value={type} selected={type === value.entity_type}>
                  {type}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("audit.action")}>
          {(a11y) => (
            <select {...a11y} name="action">
              <option value="">{t("audit.any")}</option>
              {AUDIT_ACTIONS.map((action) => (
                <option key={action} value={action} selected={action === value.action}>
                  {action}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("audit.from")}>{(a11y) => <input {...a11y} name="from" type="datetime-local" defaultValue={value.from} />}</Field>
        <Field label={t("audit.to")}>{(a11y) => <input {...a11y} name="to" type="datetime-local" defaultValue={value.to} />}</Field>
      </div>
      <div class="row">
        <button class="button primary" type="submit">
          {t("audit.apply")}
        </button>
        <button class="button" type="reset" onClick={() => onChange(NO_FILTERS)}>
          {t("audit.reset")}
        </button>
      </div>
    </form>
  );
}
