import type { RollbackConflict } from "../../api/audit";
import { t } from "../../i18n";
import { DiffTable } from "./DiffTable";

/** 409 rollback_conflict: the entity changed after the entry; show how, and offer to force. */
export function RollbackConflictView({
  conflict,
  message,
  busy,
  onForce,
}: {
  conflict: RollbackConflict;
  message: string;
  busy: boolean;
  onForce: () => void;
}) {
  return (
    <section class="stack" aria-labelledby="conflict-heading">
      <div class="notice" role="alert">
        <h3 id="conflict-heading">{t("audit.conflict.title")}</h3>
        <p>{message}</p>
      </div>
      <h4>{t("audit.conflict.changes")}</h4>
      <DiffTable diff={conflict.diff} caption={t("audit.conflict.changes")} beforeLabel={t("audit.conflict.logged")} afterLabel={t("audit.conflict.now")} />
      <details>
        <summary>{t("audit.conflict.current")}</summary>
        <pre>{conflict.current === null ? t("audit.conflict.gone") : JSON.stringify(conflict.current, null, 2)}</pre>
      </details>
      <p>{t("audit.conflict.forceExplain")}</p>
      <div class="row end">
        <button class="button danger solid" type="button" onClick={onForce} disabled={busy} aria-busy={busy}>
          {t("audit.conflict.force")}
        </button>
      </div>
    </section>
  );
}
