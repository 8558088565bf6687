import { useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveBadge } from "../../components/LiveBadge";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { t } from "../../i18n";
import { can } from "../../stores/permissions";
import { LogFilters } from "./LogFilters";
import { type LogFilters as Filters, NO_FILTERS } from "./query";
import { RequestDetails } from "./RequestDetails";
import { RequestList } from "./RequestList";
import { useLiveTail } from "./useLiveTail";
import { useRequestLog } from "./useRequestLog";

export default function LogsPage() {
  if (!can("analytics:read")) {
    return (
      <>
        <PageHeader title={t("logs.title")} />
        <p class="notice">{t("common.notAllowed")}</p>
      </>
    );
  }
  return <RequestLog />;
}

/** ?request_id=req_… names the call that is open (a deep link opens straight to it). */
export function linkedRequest(query: Readonly<Record<string, string | undefined>>): string | null {
  const id = query.request_id;
  return id && /^req_[A-Za-z0-9_-]+$/.test(id) ? id : null;
}

function RequestLog() {
  const { query, route } = useLocation();
  const openId = linkedRequest(query);
  const [filters, setFilters] = useState<Filters>(() => (openId ? { ...NO_FILTERS, search: openId } : NO_FILTERS));
  const [follow, setFollow] = useState(false);
  const log = useRequestLog(filters);
  useLiveTail(follow, log.tail);

  // The open call lives in the address, so it can be shared and reloaded.
  const open = (id: string) => route(`/logs?request_id=${encodeURIComponent(id)}`, true);
  const close = () => route("/logs", true);

  return (
    <>
      <PageHeader title={t("logs.title")} description={t("logs.description")}>
        <label class="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          {t("logs.follow")}
        </label>
        {follow && <LiveBadge />}
      </PageHeader>
      <LogFilters value={filters} onChange={setFilters} />
      <section class="section stack" aria-labelledby="logs-rows" aria-busy={log.loading}>
        <h2 id="logs-rows" class="visually-hidden">
          {t("logs.calls")}
        </h2>
        <p class="visually-hidden" role="status">
          {follow && log.added > 0 ? t("logs.newCalls", { n: log.added }) : ""}
        </p>
        <ErrorAlert error={log.error} />
        {!log.loading && !log.error && log.rows.length === 0 && <EmptyState>{t("logs.empty")}</EmptyState>}
        <RequestList rows={log.rows} onOpen={open} />
        {log.loading && <Loading />}
        {log.hasMore && !log.loading && (
          <p class="row">
            <button class="button" type="button" onClick={log.loadMore}>
              {t("logs.loadMore")}
            </button>
          </p>
        )}
      </section>
      <Dialog open={openId !== null} wide title={t("logs.callTitle")} onClose={close}>
        {openId && <RequestDetails id={openId} />}
      </Dialog>
    </>
  );
}
