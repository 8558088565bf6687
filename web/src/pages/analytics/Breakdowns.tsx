import type { AnalyticsReport } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { formatMicros, formatMoneyBrief, formatMs, formatNumber, formatPercent } from "../../i18n/format";
import { t } from "../../i18n";
import { BudgetUse } from "../../components/BudgetUse";

type Props = { report: AnalyticsReport };

export function TopModels({ report }: Props) {
  return (
    <section class="card" aria-labelledby="top-models-heading">
      <h2 id="top-models-heading">{t("analytics.topModels")}</h2>
      {report.top_models.length === 0 ? (
        <EmptyState>{t("analytics.noData")}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("analytics.model")}</th>
                <th scope="col" class="num">
                  {t("analytics.metric.requests")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.metric.errors")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.metric.tokens")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.metric.cost")}
                </th>
                <th scope="col" class="num">
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {report.top_models.map((m) => (
                <tr key={m.model}>
                  <th scope="row" class="cell-name">
                    {m.model}
                  </th>
                  <td class="num">{formatNumber(m.requests)}</td>
                  <td class="num">{formatNumber(m.errors)}</td>
                  <td class="num">{formatNumber(m.input_tokens + m.output_tokens)}</td>
                  <td class="num">{formatMicros(m.cost_micros)}</td>
                  <td class="num">{formatMs(m.latency_ms_p95)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ErrorsByType({ report }: Props) {
  return (
    <section class="card" aria-labelledby="errors-heading">
      <h2 id="errors-heading">{t("analytics.errorsByType")}</h2>
      {report.errors_by_type.length === 0 ? (
        <EmptyState>{t("analytics.noErrors")}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("analytics.errorType")}</th>
                <th scope="col" class="num">
                  {t("analytics.status")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.count")}
                </th>
              </tr>
            </thead>
            <tbody>
              {report.errors_by_type.map((e) => (
                <tr key={`${e.error_type ?? ""}-${e.status}`}>
                  <th scope="row" class="cell-name">
                    {e.error_type ?? t("analytics.unknownError")}
                  </th>
                  <td class="num">{e.status}</td>
                  <td class="num">{formatNumber(e.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function Latency({ report }: Props) {
  const l = report.latency;
  return (
    <section class="card" aria-labelledby="latency-heading">
      <h2 id="latency-heading">{t("analytics.latency")}</h2>
      <dl class="facts">
        <dt>{t("analytics.avg")}</dt>
        <dd>{formatMs(l.avg_ms)}</dd>
        <dt>p50</dt>
        <dd>{formatMs(l.p50_ms)}</dd>
        <dt>p95</dt>
        <dd>{formatMs(l.p95_ms)}</dd>
        <dt>p99</dt>
        <dd>{formatMs(l.p99_ms)}</dd>
      </dl>
      <p class="hint">{t("analytics.latencyHint")}</p>
    </section>
  );
}

export function Budget({ report }: Props) {
  const b = report.budget;
  return (
    <section class="card" aria-labelledby="budget-heading">
      <h2 id="budget-heading">{t("analytics.budget")}</h2>
      <BudgetUse spent={b.spent_micros} budget={b.monthly_budget_micros} />
    </section>
  );
}

export function Totals({ report }: Props) {
  const x = report.totals;
  return (
    <section aria-labelledby="totals-heading">
      <h2 id="totals-heading" class="visually-hidden">
        {t("analytics.totals")}
      </h2>
      <ul class="stats">
        <li class="stat">
          <span class="value" data-testid="total-requests">
            {formatNumber(x.requests)}
          </span>
          <span class="label">{t("analytics.metric.requests")}</span>
        </li>
        <li class="stat">
          <span class="value">{formatPercent(x.error_rate)}</span>
          <span class="label">{t("analytics.errorRate")}</span>
        </li>
        <li class="stat">
          <span class="value">{formatNumber(x.input_tokens + x.output_tokens)}</span>
          <span class="label">{t("analytics.metric.tokens")}</span>
        </li>
        <li class="stat">
          <span class="value">{formatMoneyBrief(x.cost_micros)}</span>
          <span class="label">{t("analytics.metric.cost")}</span>
        </li>
      </ul>
    </section>
  );
}
