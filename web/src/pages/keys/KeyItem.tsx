import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { ApiKey } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Dialog } from "../../components/Dialog";
import { describeLimits, formatBudget } from "../../components/modelLimits";
import { useAction } from "../../hooks/useAction";
import { formatDateTime, formatNumber, formatRelative } from "../../i18n/format";
import { t } from "../../i18n";
import { keyBody, keyFormFrom, type KeyFormValues, keyStatus } from "./keyForm";
import { KeyForm } from "./KeyForm";

const revokeKey = (id: string) => call("delete", "/api/keys/{id}", { path: { id } });
const updateKey = (id: string, values: KeyFormValues) => call("patch", "/api/keys/{id}", { path: { id }, body: keyBody(values) });

const STATUS_CLASS = { active: "badge ok", revoked: "badge bad", expired: "badge warn" } as const;

export function KeyItem({ apiKey, canWrite, onChanged }: { apiKey: ApiKey; canWrite: boolean; onChanged: (key: ApiKey) => void }) {
  const [dialog, setDialog] = useState<"none" | "edit" | "revoke">("none");
  const revoke = useAction(revokeKey);
  const edit = useAction(updateKey);
  const status = keyStatus(apiKey);
  const close = () => {
    setDialog("none");
    revoke.reset();
    edit.reset();
  };
  const limit = (value: number | null) => (value === null ? t("keys.unlimited") : formatNumber(value));

  return (
    <li class="list-item">
      <div class="main">
        <h3 class="row">
          <span class="break">{apiKey.name}</span> <span class={STATUS_CLASS[status]}>{t(`keys.status.${status}`)}</span>
        </h3>
        <dl class="facts small">
          <dt>{t("keys.prefix")}</dt>
          <dd class="mono">{apiKey.prefix}…</dd>
          <dt>{t("keys.limits")}</dt>
          <dd>
            {apiKey.rpm_limit === null && apiKey.tpm_limit === null
              ? t("keys.noLimits")
              : t("keys.limitsValue", { rpm: limit(apiKey.rpm_limit), tpm: limit(apiKey.tpm_limit) })}
          </dd>
          <dt>{t("keys.budget")}</dt>
          <dd>
            {apiKey.budget_micros === null
              ? t("keys.noBudget")
              : t("keys.budgetValue", { budget: formatBudget(apiKey.budget_micros, apiKey.budget_period), mode: t(`keys.budgetMode.${apiKey.budget_mode}`) })}
          </dd>
          {apiKey.model_limits?.length ? (
            <>
              <dt>{t("keys.modelLimits")}</dt>
              <dd>
                <ul class="list-plain">
                  {apiKey.model_limits.map((cap) => (
                    <li key={cap.model} class="break">
                      <span class="mono">{cap.model}</span>: {describeLimits(cap)}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          ) : null}
          {apiKey.capture !== "none" && (
            <>
              <dt>{t("keys.capture")}</dt>
              <dd>{t(`keys.form.capture.${apiKey.capture}`)}</dd>
            </>
          )}
          <dt>{t("keys.models")}</dt>
          <dd class="break">{apiKey.models?.length ? <span class="mono">{apiKey.models.join(", ")}</span> : t("keys.allModels")}</dd>
          <dt>{t("keys.expires")}</dt>
          <dd>{apiKey.expires_at ? formatDateTime(apiKey.expires_at) : t("keys.never")}</dd>
          <dt>{t("keys.lastUsed")}</dt>
          <dd>{apiKey.last_used_at ? <time dateTime={apiKey.last_used_at}>{formatRelative(apiKey.last_used_at)}</time> : t("keys.neverUsed")}</dd>
          <dt>{t("keys.created")}</dt>
          <dd>{formatDateTime(apiKey.created_at)}</dd>
        </dl>
      </div>
      {canWrite && status !== "revoked" && (
        <div class="row">
          <button class="button small" type="button" onClick={() => setDialog("edit")} aria-label={t("keys.editNamed", { name: apiKey.name })}>
            {t("common.edit")}
          </button>
          <button class="button small danger" type="button" onClick={() => setDialog("revoke")} aria-label={t("keys.revokeNamed", { name: apiKey.name })}>
            {t("keys.revoke")}
          </button>
        </div>
      )}
      <Dialog open={dialog === "edit"} wide title={t("keys.editTitle", { name: apiKey.name })} onClose={close}>
        <KeyForm
          initial={keyFormFrom(apiKey)}
          submitLabel={t("common.save")}
          busy={edit.busy}
          error={edit.error}
          onCancel={close}
          onSubmit={async (values) => {
            const updated = await edit.run(apiKey.id, values);
            if (updated) {
              onChanged(updated);
              close();
            }
          }}
        />
      </Dialog>
      <ConfirmDialog
        open={dialog === "revoke"}
        title={t("keys.revokeTitle", { name: apiKey.name })}
        confirmLabel={t("keys.revoke")}
        busy={revoke.busy}
        error={revoke.error}
        onCancel={close}
        onConfirm={async () => {
          const revoked = await revoke.run(apiKey.id);
          if (revoked) {
            onChanged(revoked);
            close();
          }
        }}
      >
        <p>{t("keys.revokeBody")}</p>
      </ConfirmDialog>
    </li>
  );
}
