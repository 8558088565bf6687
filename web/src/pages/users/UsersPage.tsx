import { call } from "../../api/client";
import type { Invitation } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { InvitationItem } from "./InvitationItem";
import { InviteForm } from "./InviteForm";
import { MemberItem } from "./MemberItem";

const loadMembers = async (signal: AbortSignal) => (await call("get", "/api/users", { signal })).data;
const loadInvitations = async (signal: AbortSignal) => (await call("get", "/api/users/invitations", { signal })).data;

export default function UsersPage() {
  const members = useAsync(loadMembers);
  const invitations = useAsync(loadInvitations);
  const addInvitation = (invitation: Invitation) => invitations.update((list) => [invitation, ...list]);

  return (
    <>
      <PageHeader title={t("users.title")} description={t("users.description")} />
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">{t("users.members")}</h2>
        <AsyncView state={members.state}>
          {(list) => (
            <ul class="list">
              {list.map((m) => (
                <MemberItem
                  key={m.user_id}
                  member={m}
                  onChanged={(updated) => members.update((all) => all.map((x) => (x.user_id === updated.user_id ? updated : x)))}
                  onRemoved={(id) => members.update((all) => all.filter((x) => x.user_id !== id))}
                />
              ))}
            </ul>
          )}
        </AsyncView>
      </section>
      {can("members:write") && (
        <div class="section">
          <InviteForm onInvited={({ link: _link, ...invitation }) => addInvitation(invitation)} />
        </div>
      )}
      <section class="section" aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">{t("users.invitations")}</h2>
        <AsyncView state={invitations.state}>
          {(list) =>
            list.length === 0 ? (
              <EmptyState>{t("users.noInvitations")}</EmptyState>
            ) : (
              <ul class="list">
                {list.map((inv) => (
                  <InvitationItem key={inv.id} invitation={inv} onRevoked={(id) => invitations.update((all) => all.filter((x) => x.id !== id))} />
                ))}
              </ul>
            )
          }
        </AsyncView>
      </section>
    </>
  );
}
