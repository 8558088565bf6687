import { Sparkline } from "../../components/chart/Sparkline";
import { formatMoneyBrief } from "../../i18n/format";
import { t } from "../../i18n";
import { cumulative, requestsPerSecond, WINDOW_SECONDS } from "../../lib/liveWindow";
import { LiveBadge } from "../../components/LiveBadge";
import type { Usage } from "./useUsage";

const rpsFormat = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

/** Requests per second and today's spend, second by second, from the live feed. */
export function LiveActivity({ usage }: { usage: Usage }) {
  const { recent, report, since } = usage;
  const rps = requestsPerSecond(recent);
  const spentNow = (report?.totals.cost_micros ?? 0) + since.cost_micros;
  const spend = cumulative(recent.cost, spentNow);
  return (
    <section class="card" aria-labelledby="live-heading">
      <div class="card-header">
        <h2 id="live-heading">{t("dashboard.live")}</h2>
        <LiveBadge />
      </div>
      <div class="live-figures">
        <div class="live-figure">
          <p class="label">{t("dashboard.rps")}</p>
          <p class="value" data-testid="live-rps">
            {rpsFormat(rps)}
          </p>
          <Sparkline values={recent.requests} label={t("dashboard.rpsChart", { seconds: WINDOW_SECONDS })} />
        </div>
        <div class="live-figure">
          <p class="label">{t("dashboard.spendToday")}</p>
          <p class="value" data-testid="live-spend">
            {formatMoneyBrief(spentNow, usage.billing?.currency)}
          </p>
          <Sparkline values={spend} label={t("dashboard.spendChart", { seconds: WINDOW_SECONDS })} />
        </div>
      </div>
      <p class="hint">{t("dashboard.liveHint")}</p>
    </section>
  );
}
