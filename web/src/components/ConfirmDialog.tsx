import type { ComponentChildren } from "preact";
import { t } from "../i18n";
import { Dialog } from "./Dialog";
import { ErrorAlert } from "./ErrorAlert";

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  error?: unknown;
  danger?: boolean;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, onConfirm, onCancel, busy = false, error, danger = true } = props;
  return (
    <Dialog open={open} title={title} onClose={onCancel}>
      <div>{children}</div>
      <ErrorAlert error={error} />
      <div class="row end">
        <button class="button" type="button" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </button>
        <button class={danger ? "button danger solid" : "button primary"} type="button" onClick={onConfirm} disabled={busy} aria-busy={busy}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
