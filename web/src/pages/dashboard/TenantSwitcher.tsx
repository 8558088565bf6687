import type { TargetedSubmitEvent } from "preact";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { field } from "../../lib/form";
import { currentUser, memberships } from "../../stores/auth";
import { changeTenant } from "../../stores/session";

/** POST /api/auth/switch: a new token for another of the user's tenants. */
export function TenantSwitcher() {
  const action = useAction(changeTenant);
  const current = currentUser.value?.tenant_id;
  const onSubmit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const id = field(new FormData(event.currentTarget), "tenant");
    if (id && id !== current) void action.run(id);
  };
  return (
    <form class="stack-sm" onSubmit={onSubmit}>
      <Field label={t("dashboard.switchTenant")}>
        {(a11y) => (
          <select {...a11y} name="tenant">
            {memberships.value.map((m) => (
              <option key={m.id} value={m.id} selected={m.id === current}>
                {m.name} ({m.role})
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorAlert error={action.error} />
      <div>
        <button class="button" type="submit" disabled={action.busy}>
          {t("dashboard.switch")}
        </button>
      </div>
    </form>
  );
}
