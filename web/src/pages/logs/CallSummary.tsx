import type { RequestDetail } from "../../api/types";
import { t } from "../../i18n";
import { formatMs, formatNumber } from "../../i18n/format";
import { formatCallTime, statusTone } from "./format";

const bytes = (n: number | null): string => (n === null ? "—" : `${formatNumber(n)} B`);

/** What the call was: when, how it ended, which model, key and end user, and its ids. */
export function CallSummary({ call }: { call: RequestDetail }) {
  return (
    <dl class="facts">
      <dt>{t("logs.when")}</dt>
      <dd>
        <time dateTime={call.created_at}>{formatCallTime(call.created_at)}</time>
      </dd>
      <dt>{t("logs.status")}</dt>
      <dd class="row">
        <span class={`badge ${statusTone(call.status)}`}>{call.status}</span>
        {call.error_type && <span class="mono break">{call.error_type}</span>}
      </dd>
      <dt>{t("logs.model")}</dt>
      <dd class="mono break">{call.model ?? "—"}</dd>
      <dt>{t("logs.provider")}</dt>
      <dd>{call.provider ?? "—"}</dd>
      <dt>{t("logs.endpoint")}</dt>
      <dd>
        <span class="mono">{call.endpoint}</span>
        {call.stream ? ` · ${t("logs.stream")}` : ""}
      </dd>
      <dt>{t("logs.latency")}</dt>
      <dd>{formatMs(call.latency_ms)}</dd>
      <dt>{t("logs.key")}</dt>
      <dd class="mono break">{call.key_id ?? "—"}</dd>
      {call.end_user && (
        <>
          <dt>{t("logs.endUser")}</dt>
          <dd class="mono break">{call.end_user}</dd>
        </>
      )}
      {call.detail?.cache && (
        <>
          <dt>{t("logs.cache")}</dt>
          <dd>{call.detail.cache}</dd>
        </>
      )}
      {(call.request_bytes !== null || call.response_bytes !== null) && (
        <>
          <dt>{t("logs.size")}</dt>
          <dd>
            {bytes(call.request_bytes)} → {bytes(call.response_bytes)}
          </dd>
        </>
      )}
      <dt>{t("logs.requestId")}</dt>
      <dd class="mono small break">{call.id}</dd>
      {call.trace_id && (
        <>
          <dt>{t("logs.traceId")}</dt>
          <dd class="mono small break">{call.trace_id}</dd>
        </>
      )}
    </dl>
  );
}
