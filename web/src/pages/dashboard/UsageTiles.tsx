import { ErrorAlert } from "../../components/ErrorAlert";
import { formatMoneyBrief, formatNumber, formatPercent } from "../../i18n/format";
import { t } from "../../i18n";
import type { Usage } from "./useUsage";

function Tile({ label, value, href, testId }: { label: string; value: string | null; href?: string; testId?: string }) {
  const content = (
    <>
      <span class="value" data-testid={testId}>
        {value ?? "…"}
      </span>
      <span class="label">{label}</span>
    </>
  );
  return <li class="stat">{href ? <a href={href}>{content}</a> : <div>{content}</div>}</li>;
}

/** Today's requests, tokens and spend, this month's spend, the balance and today's error rate. */
export function UsageTiles({ usage }: { usage: Usage }) {
  const { report, billing, since } = usage;
  const totals = report?.totals;
  const requests = totals ? totals.requests + since.requests : null;
  const errors = totals ? totals.errors + since.errors : null;
  const tokens = totals ? totals.input_tokens + totals.output_tokens + since.input_tokens + since.output_tokens : null;
  const spentToday = totals ? totals.cost_micros + since.cost_micros : null;
  const spentMonth = report ? report.budget.spent_micros + since.cost_micros : null;
  const balance = billing ? billing.balance_micros - since.cost_micros : null;
  const currency = billing?.currency;
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading" class="visually-hidden">
        {t("dashboard.usage")}
      </h2>
      <ul class="stats">
        <Tile
          label={t("dashboard.requestsToday")}
          value={requests === null ? null : formatNumber(requests)}
          href="/analytics?range=24h"
          testId="requests-today"
        />
        <Tile label={t("dashboard.tokensToday")} value={tokens === null ? null : formatNumber(tokens)} href="/analytics?range=24h&metric=tokens" />
        <Tile
          label={t("dashboard.spendToday")}
          value={spentToday === null ? null : formatMoneyBrief(spentToday, currency)}
          href="/analytics?range=24h&metric=cost"
        />
        <Tile
          label={t("dashboard.spendMonth")}
          value={spentMonth === null ? null : formatMoneyBrief(spentMonth, currency)}
          href="/analytics?range=30d&metric=cost"
        />
        {billing && (
          <Tile label={t("dashboard.balance")} value={balance === null ? null : formatMoneyBrief(balance, currency)} href="/billing" testId="balance" />
        )}
        <Tile
          label={t("dashboard.errorRate")}
          value={requests === null || errors === null ? null : formatPercent(requests > 0 ? errors / requests : null)}
          href="/analytics?range=24h&group=status"
        />
      </ul>
      <ErrorAlert error={usage.error} />
    </section>
  );
}
