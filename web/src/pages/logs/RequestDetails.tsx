import { getRequest } from "../../api/requests";
import type { RequestDetail } from "../../api/types";
import { AsyncView } from "../../components/AsyncView";
import { useAsync } from "../../hooks/useAsync";
import { t } from "../../i18n";
import { formatDateTime, formatMicros } from "../../i18n/format";

type Timings = NonNullable<RequestDetail["detail"]>["timings"];

/** Queue, admission, upstream and the rest of the answer as one bar, each part to scale. */
function TimingBar({ timings }: { timings: Timings }) {
  const ttfb = timings.ttfbMs ?? timings.totalMs;
  const parts = [
    { key: "queue", ms: timings.queueMs },
    { key: "admission", ms: timings.admissionMs },
    { key: "upstream", ms: Math.max(0, ttfb - timings.queueMs - timings.admissionMs) },
    { key: "stream", ms: Math.max(0, timings.totalMs - ttfb) },
  ] as const;
  const total = Math.max(1, timings.totalMs);
  return (
    <figure class="stack">
      <div class="timing-bar" role="img" aria-label={parts.map((p) => `${t(`logs.timing.${p.key}`)} ${p.ms} ms`).join(", ")}>
        {parts.map((p) => (
          <span key={p.key} class={`timing-${p.key}`} style={{ width: `${(100 * p.ms) / total}%` }} />
        ))}
      </div>
      <figcaption class="small muted">
        {parts.map((p) => `${t(`logs.timing.${p.key}`)} ${p.ms} ms`).join(" · ")} · {t("logs.timing.total")} {timings.totalMs} ms
      </figcaption>
    </figure>
  );
}

const statusClass = (outcome: string) => (outcome === "ok" ? "badge ok" : "badge bad");

function Attempts({ detail }: { detail: NonNullable<RequestDetail["detail"]> }) {
  return (
    <ol class="list" aria-label={t("logs.attempts")}>
      {detail.attempts.map((a) => (
        <li key={`${a.spanId ?? ""}${a.startMs}`} class="list-item stack">
          <p class="row">
            <span class={statusClass(a.outcome)}>{a.outcome}</span>
            <strong class="mono break">{a.target}</strong>
            <span class="small muted">
              +{a.startMs} ms · {a.ms} ms
            </span>
          </p>
          {a.headers && (
            <details>
              <summary class="small">{t("logs.headers")}</summary>
              <pre class="code-block small">
                {Object.entries(a.headers)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join("\n")}
              </pre>
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}

function Bodies({ call }: { call: RequestDetail }) {
  if (call.bodies) {
    return (
      <div class="stack">
        <details open>
          <summary>{t("logs.request")}</summary>
          <pre class="code-block small">{JSON.stringify(call.bodies.request, null, 2)}</pre>
        </details>
        <details open>
          <summary>{t("logs.response")}</summary>
          <pre class="code-block small">{JSON.stringify(call.bodies.response, null, 2)}</pre>
        </details>
        <p class="small muted">{t("logs.redactions", { n: String(call.bodies.redactions) })}</p>
      </div>
    );
  }
  if (call.bodies_hidden) return <p class="notice">{t("logs.bodiesHidden")}</p>;
  if (call.bodies_expired) return <p class="notice">{t("logs.bodiesExpired")}</p>;
  return <p class="small muted">{t("logs.noBodies")}</p>;
}

const COSTS = [
  "input_cost_micros",
  "cached_input_cost_micros",
  "cache_write_cost_micros",
  "output_cost_micros",
  "reasoning_cost_micros",
  "units_cost_micros",
] as const;

function Summary({ call }: { call: RequestDetail }) {
  return (
    <dl class="facts">
      <dt>{t("logs.when")}</dt>
      <dd>{formatDateTime(call.created_at)}</dd>
      <dt>{t("logs.status")}</dt>
      <dd>
        <span class={call.status < 400 ? "badge ok" : "badge bad"}>{call.status}</span> {call.error_type ?? ""}
      </dd>
      <dt>{t("logs.model")}</dt>
      <dd class="mono break">{call.model ?? "—"}</dd>
      <dt>{t("logs.endpoint")}</dt>
      <dd class="mono">{call.endpoint}</dd>
      <dt>{t("logs.tokens")}</dt>
      <dd>
        {call.input_tokens} → {call.output_tokens} ({t("logs.cached")} {call.cached_tokens}, {t("logs.reasoning")} {call.reasoning_tokens})
      </dd>
      <dt>{t("logs.cost")}</dt>
      <dd>
        {formatMicros(call.cost_micros)}
        <span class="small muted">
          {" "}
          (
          {COSTS.filter((c) => call[c] > 0)
            .map((c) => `${c.replace("_cost_micros", "")} ${formatMicros(call[c])}`)
            .join(", ") || "—"}
          )
        </span>
      </dd>
      {call.detail?.cache && (
        <>
          <dt>{t("logs.cache")}</dt>
          <dd>{call.detail.cache}</dd>
        </>
      )}
      <dt>{t("logs.ids")}</dt>
      <dd class="mono small break">
        {call.id}
        {call.trace_id ? ` · ${call.trace_id}` : ""}
      </dd>
    </dl>
  );
}

/** One call: what it was, where the time went, each attempt, and the bodies when captured and allowed. */
export function RequestDetails({ id }: { id: string }) {
  const { state } = useAsync((signal) => getRequest(id, signal), [id]);
  return (
    <AsyncView state={state}>
      {(call) => (
        <div class="stack">
          <Summary call={call} />
          {call.detail && (
            <>
              <h3>{t("logs.timings")}</h3>
              <TimingBar timings={call.detail.timings} />
              <h3>{t("logs.attempts")}</h3>
              <Attempts detail={call.detail} />
            </>
          )}
          <h3>{t("logs.bodies")}</h3>
          <Bodies call={call} />
        </div>
      )}
    </AsyncView>
  );
}
