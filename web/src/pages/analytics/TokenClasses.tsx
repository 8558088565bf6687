// Spend by token class over the range, and what the provider's prompt cache saved.
import type { AnalyticsReport } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { t } from "../../i18n";
import { formatMicros, formatMoneyBrief, formatNumber, formatPercent } from "../../i18n/format";
import type { MessageKey } from "../../i18n";

type Totals = AnalyticsReport["totals"];

export interface ClassRow {
  label: MessageKey;
  /** null: billed per unit (images, seconds, characters…), not per token. */
  tokens: number | null;
  spend: number;
}

/** Cached and cache-write tokens are part of input tokens, reasoning part of output: the rows split them out. */
export function classRows(x: Totals): ClassRow[] {
  return [
    { label: "analytics.class.input", tokens: Math.max(0, x.input_tokens - x.cached_tokens - x.cache_write_tokens), spend: x.input_cost_micros },
    { label: "analytics.class.cachedInput", tokens: x.cached_tokens, spend: x.cached_input_cost_micros },
    { label: "analytics.class.cacheWrite", tokens: x.cache_write_tokens, spend: x.cache_write_cost_micros },
    { label: "analytics.class.output", tokens: Math.max(0, x.output_tokens - x.reasoning_tokens), spend: x.output_cost_micros },
    { label: "analytics.class.reasoning", tokens: x.reasoning_tokens, spend: x.reasoning_cost_micros },
    ...(x.units_cost_micros > 0 ? [{ label: "analytics.class.units" as const, tokens: null, spend: x.units_cost_micros }] : []),
  ];
}

export function TokenClasses({ report }: { report: AnalyticsReport }) {
  const rows = classRows(report.totals);
  const spent = rows.reduce((n, r) => n + r.spend, 0);
  return (
    <section class="card" aria-labelledby="classes-heading">
      <h2 id="classes-heading">{t("analytics.spendByClass")}</h2>
      {report.totals.requests === 0 ? (
        <EmptyState>{t("analytics.noData")}</EmptyState>
      ) : (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("analytics.class")}</th>
                  <th scope="col" class="num">
                    {t("analytics.metric.tokens")}
                  </th>
                  <th scope="col" class="num">
                    {t("analytics.metric.cost")}
                  </th>
                  <th scope="col" class="num">
                    {t("analytics.share")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.label}>
                    <th scope="row" class="cell-name">
                      {t(r.label)}
                    </th>
                    <td class="num">{r.tokens === null ? "—" : formatNumber(r.tokens)}</td>
                    <td class="num">{formatMicros(r.spend)}</td>
                    <td class="num">{formatPercent(spent > 0 ? r.spend / spent : null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="hint" data-testid="cache-saved">
            {t("analytics.cacheSaved", { amount: formatMoneyBrief(report.totals.cache_saved_micros) })}
          </p>
        </>
      )}
    </section>
  );
}
