import { useMemo } from "preact/hooks";
import type { AnalyticsReport } from "../../api/types";
import { AnalyticsChart } from "../../components/chart/AnalyticsChart";
import { formatCompact, formatDateTime, formatDollars, formatNumber, formatTick } from "../../i18n/format";
import { t } from "../../i18n";
import { OTHER, toChartData } from "./chartData";
import { GROUPS, type Metric } from "./range";

export function valueFormatter(metric: Metric): (value: number) => string {
  if (metric === "cost") return (v) => formatDollars(v);
  if (metric === "latency") return (v) => `${formatNumber(Math.round(v))} ms`;
  return (v) => formatCompact(v);
}

/** The report's series for the chosen metric, one line per group. */
export function UsageChart({ report, metric }: { report: AnalyticsReport; metric: Metric }) {
  const metricLabel = t(`analytics.metric.${metric}`);
  const data = useMemo(() => toChartData(report, metric, metricLabel), [report, metric, metricLabel]);
  const lines = useMemo(() => data.series.map((s) => ({ label: s.label === OTHER ? t("analytics.other") : s.label, values: s.values })), [data]);
  const span = Date.parse(report.to) - Date.parse(report.from);
  const group = GROUPS.find((g) => g === report.group_by);
  const title = group ? t("analytics.chartTitleGrouped", { metric: metricLabel, group: t(`analytics.group.${group}`) }) : metricLabel;
  return (
    <AnalyticsChart
      x={data.x}
      lines={lines}
      title={title}
      formatValue={valueFormatter(metric)}
      formatTick={(s) => formatTick(s * 1000, report.interval, span)}
      formatTime={(s) => formatDateTime(new Date(s * 1000).toISOString())}
    />
  );
}
