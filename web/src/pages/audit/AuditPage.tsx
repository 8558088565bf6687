import { useState } from "preact/hooks";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime } from "../../i18n/format";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { AuditFilters, type Filters, NO_FILTERS } from "./AuditFilters";
import { EntryDetails } from "./EntryDetails";
import { useAuditLog } from "./useAuditLog";

export default function AuditPage() {
  if (!can("audit:read")) {
    return (
      <>
        <PageHeader title={t("audit.title")} />
        <p class="notice">{t("common.notAllowed")}</p>
      </>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [openId, setOpenId] = useState<string | null>(null);
  const log = useAuditLog(filters);

  return (
    <>
      <PageHeader title={t("audit.title")} description={t("audit.description")} />
      <AuditFilters value={filters} onChange={setFilters} />
      <section class="section" aria-labelledby="audit-entries" aria-busy={log.loading}>
        <h2 id="audit-entries" class="visually-hidden">
          {t("audit.entries")}
        </h2>
        <ErrorAlert error={log.error} />
        {!log.loading && !log.error && log.entries.length === 0 && <EmptyState>{t("audit.empty")}</EmptyState>}
        <ul class="list">
          {log.entries.map((entry) => (
            <li key={entry.id} class="list-item">
              <div class="main">
                <p class="row">
                  <span class="badge accent">{entry.action}</span>
                  <strong class="mono">{entry.entity_type}</strong>
                  <span class="mono small break">{entry.entity_id}</span>
                </p>
                <p class="small muted">
                  {formatDateTime(entry.created_at)} · {t("audit.by", { actor: entry.actor_id ?? "—" })}
                </p>
              </div>
              <button class="button small" type="button" onClick={() => setOpenId(entry.id)}>
                {t("audit.details")}
                <span class="visually-hidden">
                  {" "}
                  {entry.action} {entry.entity_type} {entry.entity_id}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {log.loading && <Loading />}
        {log.hasMore && !log.loading && (
          <p class="row">
            <button class="button" type="button" onClick={log.loadMore}>
              {t("audit.loadMore")}
            </button>
          </p>
        )}
      </section>
      <Dialog open={openId !== null} wide title={t("audit.entryTitle")} onClose={() => setOpenId(null)}>
        {openId && <EntryDetails id={openId} onRolledBack={log.reload} onClose={() => setOpenId(null)} />}
      </Dialog>
    </>
  );
}
