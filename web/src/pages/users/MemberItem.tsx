import { useState } from "preact/hooks";
import { call } from "../../api/client";
import type { Member, Role } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { t } from "../../i18n";
import { currentUser } from "../../stores/auth";
import { can, isOwner } from "../../stores/permissions";
import { grantableRoles, isRole } from "./roles";

const changeRole = (userId: string, role: Role) => call("patch", "/api/users/{userId}", { path: { userId }, body: { role } });
/** 204 has no body: resolve true so success and failure can be told apart. */
async function removeMember(userId: string): Promise<true> {
  await call("delete", "/api/users/{userId}", { path: { userId } });
  return true;
}

export function MemberItem({ member, onChanged, onRemoved }: { member: Member; onChanged: (m: Member) => void; onRemoved: (id: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const roleAction = useAction(changeRole);
  const removeAction = useAction(removeMember);
  // An owner's membership is only an owner's to touch.
  const mayManage = can("members:write") && (member.role !== "owner" || isOwner());
  const selectId = `role-${member.user_id}`;
  const isMe = currentUser.value?.id === member.user_id;

  const onRole = async (value: string) => {
    if (!isRole(value) || value === member.role) return;
    const updated = await roleAction.run(member.user_id, value);
    if (updated) onChanged(updated);
  };

  return (
    <li class="list-item">
      <div class="main">
        <h3 class="break">
          {member.name} {isMe && <span class="badge">{t("users.you")}</span>}
        </h3>
        <p class="muted small break">
          {member.email} · {t("users.joined", { date: formatDateTime(member.joined_at) })}
        </p>
        <ErrorAlert error={roleAction.error} />
      </div>
      {mayManage ? (
        <div class="row">
          <label class="visually-hidden" for={selectId}>
            {t("users.roleOf", { name: member.name })}
          </label>
          <select id={selectId} class="input-auto" value={member.role} disabled={roleAction.busy} onChange={(e) => void onRole(e.currentTarget.value)}>
            {grantableRoles().map((role) => (
              <option key={role} value={role}>
                {t(`roles.${role}`)}
              </option>
            ))}
          </select>
          <button class="button small danger" type="button" onClick={() => setConfirming(true)} aria-label={t("users.removeNamed", { name: member.name })}>
            {t("users.remove")}
          </button>
        </div>
      ) : (
        <span class="badge accent">{t(`roles.${member.role}`)}</span>
      )}
      <ConfirmDialog
        open={confirming}
        title={t("users.removeTitle", { name: member.name })}
        confirmLabel={t("users.remove")}
        busy={removeAction.busy}
        error={removeAction.error}
        onCancel={() => {
          setConfirming(false);
          removeAction.reset();
        }}
        onConfirm={async () => {
          if (await removeAction.run(member.user_id)) {
            setConfirming(false);
            onRemoved(member.user_id);
          }
        }}
      >
        <p>{t("users.removeBody", { email: member.email })}</p>
      </ConfirmDialog>
    </li>
  );
}
