// The end users who spent most over the range (calls that named one: `user`, `metadata.user_id`
// or the x-aggregator-user header).
import type { AnalyticsReport } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { t } from "../../i18n";
import { formatDateTime, formatMicros, formatNumber } from "../../i18n/format";

export function TopUsers({ report }: { report: AnalyticsReport }) {
  return (
    <section class="card" aria-labelledby="top-users-heading">
      <h2 id="top-users-heading">{t("analytics.topUsers")}</h2>
      {report.top_users.length === 0 ? (
        <EmptyState>{t("analytics.noEndUsers")}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("analytics.endUser")}</th>
                <th scope="col" class="num">
                  {t("analytics.metric.requests")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.metric.tokens")}
                </th>
                <th scope="col" class="num">
                  {t("analytics.metric.cost")}
                </th>
                <th scope="col">{t("analytics.lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {report.top_users.map((u) => (
                <tr key={u.end_user}>
                  <th scope="row" class="cell-name">
                    {u.end_user}
                  </th>
                  <td class="num">{formatNumber(u.requests)}</td>
                  <td class="num">{formatNumber(u.input_tokens + u.output_tokens)}</td>
                  <td class="num">{formatMicros(u.cost_micros)}</td>
                  <td>{formatDateTime(u.last_seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">{t("analytics.topUsersHint")}</p>
    </section>
  );
}
