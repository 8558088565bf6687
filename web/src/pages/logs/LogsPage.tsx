import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import type { RequestRow } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { useLive } from "../../hooks/useLive";
import { t } from "../../i18n";
import { formatDateTime, formatMicros } from "../../i18n/format";
import { can } from "../../stores/permissions";
import { LogFilters } from "./LogFilters";
import { RequestDetails } from "./RequestDetails";
import { type LogFilters as Filters, NO_FILTERS, useRequestLog } from "./useRequestLog";

/**
 * Live tail: the feed says calls happened as the hub takes them; the log has them once the hub
 * has written them (about a second later, more under load). So the first page is read again a
 * little after the news and once more after that; calls arriving meanwhile ride along.
 */
const TAIL_AFTER_MS = [1_500, 5_000];

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

/** ?request_id=req_… opens straight to that call. */
function linkedRequest(query: Record<string, string | undefined>): string | null {
  const id = query.request_id;
  return id && /^req_[A-Za-z0-9]+$/.test(id) ? id : null;
}

function RequestLog() {
  const { query } = useLocation();
  const linked = linkedRequest(query);
  const [filters, setFilters] = useState<Filters>(linked ? { ...NO_FILTERS, search: linked } : NO_FILTERS);
  const [openId, setOpenId] = useState<string | null>(linked);
  const [follow, setFollow] = useState(false);
  const log = useRequestLog(filters);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);

  useLive((message) => {
    if (message.type !== "update" || timers.current.length > 0) return;
    timers.current = TAIL_AFTER_MS.map((ms, i) =>
      setTimeout(() => {
        if (i === TAIL_AFTER_MS.length - 1) timers.current = [];
        log.refresh();
      }, ms),
    );
  }, follow);
  useEffect(
    () => () => {
      for (const timer of timers.current) clearTimeout(timer);
    },
    [],
  );

  return (
    <>
      <PageHeader title={t("logs.title")} description={t("logs.description")}>
        <label class="row">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          {t("logs.follow")}
        </label>
      </PageHeader>
      <LogFilters value={filters} onChange={setFilters} />
      <section class="section" aria-labelledby="logs-rows" aria-busy={log.loading}>
        <h2 id="logs-rows" class="visually-hidden">
          {t("logs.calls")}
        </h2>
        <ErrorAlert error={log.error} />
        {!log.loading && !log.error && log.rows.length === 0 && <EmptyState>{t("logs.empty")}</EmptyState>}
        <ul class="list">
          {log.rows.map((row) => (
            <CallItem key={row.id} row={row} onOpen={() => setOpenId(row.id)} />
          ))}
        </ul>
        {log.loading && <Loading />}
        {log.hasMore && !log.loading && (
          <p class="row">
            <button class="button" type="button" onClick={log.loadMore}>
              {t("logs.loadMore")}
            </button>
          </p>
        )}
      </section>
      <Dialog open={openId !== null} wide title={t("logs.callTitle")} onClose={() => setOpenId(null)}>
        {openId && <RequestDetails id={openId} />}
      </Dialog>
    </>
  );
}

function CallItem({ row, onOpen }: { row: RequestRow; onOpen: () => void }) {
  return (
    <li class="list-item" data-request-id={row.id}>
      <div class="main">
        <p class="row">
          <span class={row.status < 400 ? "badge ok" : "badge bad"}>{row.status}</span>
          <strong class="mono break">{row.model ?? row.endpoint}</strong>
          {row.has_bodies && <span class="badge accent">{t("logs.bodiesBadge")}</span>}
        </p>
        <p class="small muted">
          {formatDateTime(row.created_at)} · {row.endpoint} · {row.provider ?? "—"} · {row.latency_ms} ms · {row.input_tokens}→{row.output_tokens} ·{" "}
          {formatMicros(row.cost_micros)}
          {row.error_type ? ` · ${row.error_type}` : ""}
        </p>
      </div>
      <button class="button small" type="button" onClick={onOpen}>
        {t("logs.open")}
        <span class="visually-hidden"> {row.id}</span>
      </button>
    </li>
  );
}
