import { useState } from "preact/hooks";
import { getAuditEntry, parseConflict, rollback } from "../../api/audit";
import { isApiError } from "../../api/error";
import type { AuditEntry, RollbackResult } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatDateTime } from "../../i18n/format";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { DiffTable } from "./DiffTable";
import { RollbackConflictView } from "./RollbackConflictView";

interface EntryDetailsProps {
  id: string;
  onRolledBack: (result: RollbackResult) => void;
  onClose: () => void;
}

/** One entry: who, what, when, the readable diff; rollback with confirmation and the 409 path. */
export function EntryDetails({ id, onRolledBack, onClose }: EntryDetailsProps) {
  const { state } = useAsync((signal) => getAuditEntry(id, signal), [id]);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<RollbackResult | null>(null);
  const action = useAction(rollback);
  const conflict = isApiError(action.error) && action.error.code === "rollback_conflict" ? action.error : null;

  async function run(force: boolean) {
    const result = await action.run(id, force);
    setConfirming(false);
    if (result) {
      setDone(result);
      onRolledBack(result);
    }
  }

  return (
    <AsyncView state={state}>
      {(entry: AuditEntry) => (
        <div class="stack">
          <dl class="facts">
            <dt>{t("audit.when")}</dt>
            <dd>{formatDateTime(entry.created_at)}</dd>
            <dt>{t("audit.action")}</dt>
            <dd>
              <span class="badge accent">{entry.action}</span>
            </dd>
            <dt>{t("audit.entity")}</dt>
            <dd class="mono">
              {entry.entity_type} · {entry.entity_id}
            </dd>
            <dt>{t("audit.actor")}</dt>
            <dd class="mono">{entry.actor_id ?? "—"}</dd>
            {entry.ip && (
              <>
                <dt>{t("audit.ip")}</dt>
                <dd class="mono">{entry.ip}</dd>
              </>
            )}
            {entry.rollback_of && (
              <>
                <dt>{t("audit.rollbackOf")}</dt>
                <dd class="mono">{entry.rollback_of}</dd>
              </>
            )}
          </dl>
          <h3>{t("audit.changes")}</h3>
          <DiffTable diff={entry.diff ?? []} caption={t("audit.changes")} />
          {done && (
            <p class="success" role="status">
              {t("audit.rolledBack", { id: done.audit_id })}
            </p>
          )}
          {conflict && (
            <RollbackConflictView conflict={parseConflict(conflict.details)} message={conflict.message} busy={action.busy} onForce={() => run(true)} />
          )}
          {!conflict && <ErrorAlert error={action.error} />}
          {confirming && (
            <div class="notice stack-sm" role="alert">
              <p>{t("audit.confirmRollback")}</p>
              <div class="row">
                <button class="button" type="button" onClick={() => setConfirming(false)} disabled={action.busy}>
                  {t("common.cancel")}
                </button>
                <button class="button danger solid" type="button" onClick={() => run(false)} disabled={action.busy} aria-busy={action.busy}>
                  {t("audit.rollback")}
                </button>
              </div>
            </div>
          )}
          <div class="row end">
            {can("audit:rollback") && !confirming && !done && !conflict && (
              <button class="button danger" type="button" onClick={() => setConfirming(true)}>
                {t("audit.rollback")}
              </button>
            )}
            <button class="button" type="button" onClick={onClose}>
              {t("common.close")}
            </button>
          </div>
        </div>
      )}
    </AsyncView>
  );
}
