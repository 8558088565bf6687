import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { call } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { describeLimits, type ScopeLimitValues, scopeLimitsBody } from "../../components/modelLimits";
import { ScopeLimitsFields } from "../../components/ScopeLimitsFields";
import { useAction } from "../../hooks/useAction";
import { t } from "../../i18n";
import { type EndUser, type EndUserErrors, endUserFormFrom, validateEndUser } from "./endUserForm";

const putLimits = (user: string, limits: ScopeLimitValues) => call("put", "/api/end-users/{user}", { path: { user }, body: scopeLimitsBody(limits) });
const removeLimits = (user: string) => call("delete", "/api/end-users/{user}", { path: { user } });

interface LimitsFormProps {
  /** null: a user typed by name (not in the list yet). */
  user: EndUser | null;
  onSaved: () => void;
  onCancel: () => void;
}

function LimitsForm({ user, onSaved, onCancel }: LimitsFormProps) {
  const [values, setValues] = useState(() => endUserFormFrom(user));
  const [errors, setErrors] = useState<EndUserErrors>({});
  const save = useAction(putLimits);
  const remove = useAction(removeLimits);
  const busy = save.busy || remove.busy;
  const defaultsApply = user !== null && user.own_limits === null;

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validateEndUser(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    remove.reset();
    if (await save.run(values.name.trim(), values.limits)) onSaved();
  };

  const onRemove = async () => {
    if (!user) return;
    save.reset();
    if (await remove.run(user.end_user)) onSaved();
  };

  return (
    <form class="stack" onSubmit={submit} noValidate>
      {user === null && (
        <Field label={t("endUsers.form.name")} hint={t("endUsers.form.nameHint")} error={errors.name ? t(errors.name) : null}>
          {(a11y) => (
            <input
              {...a11y}
              value={values.name}
              maxLength={128}
              spellcheck={false}
              autocomplete="off"
              onInput={(e) => {
                const name = e.currentTarget.value;
                setValues((v) => ({ ...v, name }));
              }}
            />
          )}
        </Field>
      )}
      {user !== null && (
        <p class="muted">
          {defaultsApply
            ? user.limits
              ? t("endUsers.form.defaultsApply", { limits: describeLimits(user.limits) })
              : t("endUsers.form.noneApply")
            : t("endUsers.form.ownApply")}
        </p>
      )}
      <ScopeLimitsFields
        values={values.limits}
        errors={errors.limits ?? {}}
        onChange={(limits) => setValues((v) => ({ ...v, limits }))}
        labels={{ rpm: t("endUsers.form.rpm"), tpm: t("endUsers.form.tpm"), budget: t("endUsers.form.budget"), period: t("endUsers.form.period") }}
        emptyHint={t("endUsers.form.noLimit")}
      />
      <ErrorAlert error={save.error ?? remove.error} />
      <div class="row end">
        {user?.own_limits && (
          <button class="button danger" type="button" onClick={onRemove} disabled={busy} aria-busy={remove.busy}>
            {t("endUsers.form.remove")}
          </button>
        )}
        <button class="button" type="button" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </button>
        <button class="button primary" type="submit" disabled={busy} aria-busy={save.busy}>
          {t("common.save")}
        </button>
      </div>
    </form>
  );
}

/** Set, change or remove one end user's own limits (over the tenant's defaults for end users). */
export function EndUserLimitsDialog({ target, onClose, onSaved }: { target: EndUser | "new" | null; onClose: () => void; onSaved: () => void }) {
  const user = target === "new" ? null : target;
  const title = user ? t("endUsers.editTitle", { name: user.end_user }) : t("endUsers.newTitle");
  return (
    <Dialog open={target !== null} title={title} onClose={onClose}>
      {target !== null && <LimitsForm user={user} onSaved={onSaved} onCancel={onClose} />}
    </Dialog>
  );
}
