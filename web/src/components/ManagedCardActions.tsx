import { useState } from "preact/hooks";
import { t } from "../i18n";
import { ConfirmDialog } from "./ConfirmDialog";

/** An async step's state as useAction gives it. */
interface Step {
  busy: boolean;
  error: unknown;
  reset?: () => void;
}

interface ManagedCardActionsProps {
  /** May test, enable/disable, edit and delete it; otherwise only the delete dialog is kept (closed). */
  canWrite: boolean;
  enabled: boolean;
  labels: { test: string; testing: string; enable: string; disable: string; deleteTitle: string; deleteBody: string };
  test: Step;
  toggle: Step;
  remove: Step;
  onTest: () => void;
  onToggle: () => void;
  onEdit: () => void;
  /** Resolves true once deleted: the dialog then closes. */
  onDelete: () => Promise<boolean>;
}

/** A managed item's card actions (providers, MCP servers): test, enable or disable, edit, and delete after a confirmation. */
export function ManagedCardActions(p: ManagedCardActionsProps) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      {p.canWrite && (
        <div class="card-actions">
          <button class="button small" type="button" onClick={p.onTest} disabled={p.test.busy} aria-busy={p.test.busy}>
            {p.test.busy ? p.labels.testing : p.labels.test}
          </button>
          <button class="button small" type="button" onClick={p.onToggle} disabled={p.toggle.busy}>
            {p.enabled ? p.labels.disable : p.labels.enable}
          </button>
          <button class="button small" type="button" onClick={p.onEdit}>
            {t("common.edit")}
          </button>
          <button class="button small danger" type="button" onClick={() => setConfirming(true)}>
            {t("common.delete")}
          </button>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={p.labels.deleteTitle}
        confirmLabel={t("common.delete")}
        onConfirm={async () => {
          if (await p.onDelete()) setConfirming(false);
        }}
        onCancel={() => {
          setConfirming(false);
          p.remove.reset?.();
        }}
        busy={p.remove.busy}
        error={p.remove.error}
      >
        <p>{p.labels.deleteBody}</p>
      </ConfirmDialog>
    </>
  );
}
