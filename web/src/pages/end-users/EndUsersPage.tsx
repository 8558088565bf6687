import { useState } from "preact/hooks";
import { call } from "../../api/client";
import { AsyncView } from "../../components/AsyncView";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { EndUserLimitsDialog } from "./EndUserLimitsDialog";
import type { EndUser } from "./endUserForm";
import { EndUsersTable } from "./EndUsersTable";

const loadEndUsers = async (signal: AbortSignal) => (await call("get", "/api/end-users", { signal })).data;

/** The people the tenant's calls are made for: this month's top spenders and everyone with limits. */
export default function EndUsersPage() {
  const { state, reload } = useAsync(loadEndUsers);
  const [editing, setEditing] = useState<EndUser | "new" | null>(null);
  // Limits are the tenant's settings: owners and admins change them.
  const canWrite = can("tenant:write");

  return (
    <>
      <PageHeader title={t("endUsers.title")} description={t("endUsers.description")}>
        {canWrite && (
          <button class="button primary" type="button" onClick={() => setEditing("new")}>
            {t("endUsers.setLimits")}
          </button>
        )}
      </PageHeader>
      <section aria-labelledby="end-users-heading">
        <h2 id="end-users-heading" class="visually-hidden">
          {t("endUsers.listTitle")}
        </h2>
        <AsyncView state={state}>
          {(users) =>
            users.length === 0 ? <EmptyState>{t("endUsers.empty")}</EmptyState> : <EndUsersTable users={users} onEdit={canWrite ? setEditing : undefined} />
          }
        </AsyncView>
        <p class="hint">{t("endUsers.hint")}</p>
      </section>
      <EndUserLimitsDialog
        target={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          reload();
        }}
      />
    </>
  );
}
