import type { RequestRow } from "../../api/types";
import { t } from "../../i18n";
import { formatMicros, formatMs } from "../../i18n/format";
import { formatCallTime, formatUsage, statusTone } from "./format";

/** One call as a card: status and model first, then where it went and what it took. */
function CallItem({ row, onOpen }: { row: RequestRow; onOpen: (id: string) => void }) {
  return (
    <li class="list-item" data-request-id={row.id} data-status={row.status}>
      <div class="main">
        <p class="row">
          <span class={`badge ${statusTone(row.status)}`}>{row.status}</span>
          <strong class="mono break">{row.model ?? row.endpoint}</strong>
          {row.error_type && <span class="small mono break">{row.error_type}</span>}
          {row.has_bodies && <span class="badge accent">{t("logs.bodiesBadge")}</span>}
        </p>
        <p class="small muted">
          <time dateTime={row.created_at}>{formatCallTime(row.created_at)}</time> · {row.provider ?? "—"} · <span class="mono">{row.endpoint}</span>
          {row.stream ? ` · ${t("logs.stream")}` : ""}
          <br />
          <span>
            {formatMs(row.latency_ms)} · {formatUsage(row)} · {formatMicros(row.cost_micros)}
          </span>
        </p>
      </div>
      <button class="button small" type="button" onClick={() => onOpen(row.id)}>
        {t("logs.open")}
        <span class="visually-hidden"> {row.id}</span>
      </button>
    </li>
  );
}

/** The calls found, newest first. */
export function RequestList({ rows, onOpen }: { rows: readonly RequestRow[]; onOpen: (id: string) => void }) {
  return (
    <ul class="list" aria-label={t("logs.calls")}>
      {rows.map((row) => (
        <CallItem key={row.id} row={row} onOpen={onOpen} />
      ))}
    </ul>
  );
}
