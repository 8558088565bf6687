import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { Invitation } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { t } from "../../i18n";
import { can, isOwner } from "../../stores/permissions";

const revoke = (id: string) => call("delete", "/api/users/invitations/{id}", { path: { id } });

export function InvitationItem({ invitation, onRevoked }: { invitation: Invitation; onRevoked: (id: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction(revoke);
  const mayRevoke = can("members:write") && (invitation.role !== "owner" || isOwner());
  return (
    <li class="list-item">
      <div class="main">
        <h3 class="break">{invitation.email}</h3>
        <p class="muted small">
          {t(`roles.${invitation.role}`)} · {t("users.expires", { date: formatDateTime(invitation.expires_at) })}
        </p>
      </div>
      {mayRevoke && (
        <button class="button small danger" type="button" onClick={() => setConfirming(true)} aria-label={t("users.revokeNamed", { email: invitation.email })}>
          {t("users.revoke")}
        </button>
      )}
      <ConfirmDialog
        open={confirming}
        title={t("users.revokeTitle", { email: invitation.email })}
        confirmLabel={t("users.revoke")}
        busy={action.busy}
        error={action.error}
        onCancel={() => {
          setConfirming(false);
          action.reset();
        }}
        onConfirm={async () => {
          if (await action.run(invitation.id)) {
            setConfirming(false);
            onRevoked(invitation.id);
          }
        }}
      >
        <p>{t("users.revokeBody")}</p>
      </ConfirmDialog>
    </li>
  );
}
