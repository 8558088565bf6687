import { useCallback, useMemo } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { call } from "../../api/client";
import type { LiveMessage } from "../../api/live";
import { AsyncView } from "../../components/AsyncView";
import { PageHeader } from "../../components/PageHeader";
import { useAsync } from "../../hooks/useAsync";
import { useLive } from "../../hooks/useLive";
import { t } from "../../i18n";
import { Budget, ErrorsByType, Latency, TopModels, Totals } from "./Breakdowns";
import { Controls } from "./Controls";
import { ExportCard } from "./ExportCard";
import { TokenClasses } from "./TokenClasses";
import { TopUsers } from "./TopUsers";
import { LiveBadge } from "../../components/LiveBadge";
import { applyLive } from "./liveMerge";
import { type Selection, selectionFromSearch, selectionToSearch, toQuery, validateSelection } from "./range";
import { UsageChart } from "./UsageChart";

export default function AnalyticsPage() {
  const { query, route } = useLocation();
  const search = new URLSearchParams(query).toString();
  // The URL is the state: links can be shared and the back button works.
  const selection = useMemo(() => selectionFromSearch(query), [search]);
  const invalid = validateSelection(selection);
  const apiQuery = useMemo(() => toQuery(selection), [selection]);
  const queryKey = JSON.stringify(apiQuery);

  const load = useCallback(
    (signal: AbortSignal) => (invalid ? Promise.reject(new Error(invalid)) : call("get", "/api/analytics", { query: apiQuery, signal })),
    [queryKey, invalid],
  );
  const { state, reload, update } = useAsync(load, [queryKey, invalid]);

  const onLive = useCallback((message: LiveMessage) => update((report) => applyLive(report, message)), [update]);
  useLive(onLive, selection.live && state.status === "ready");

  const onChange = (next: Selection) => route(`/analytics?${selectionToSearch(next)}`, true);

  return (
    <>
      <PageHeader title={t("analytics.title")} description={t("analytics.description")}>
        {selection.live ? (
          <LiveBadge />
        ) : (
          <button class="button" type="button" onClick={reload}>
            {t("analytics.refresh")}
          </button>
        )}
      </PageHeader>
      <div class="stack">
        <section class="card" aria-labelledby="chart-heading">
          <h2 id="chart-heading" class="visually-hidden">
            {t("analytics.chart")}
          </h2>
          <Controls value={selection} onChange={onChange} />
          {invalid ? (
            <p class="alert" role="alert">
              {t(invalid)}
            </p>
          ) : (
            <AsyncView state={state}>{(report) => <UsageChart report={report} metric={selection.metric} />}</AsyncView>
          )}
        </section>
        {state.status === "ready" && !invalid && (
          <>
            <Totals report={state.data} />
            <div class="dashboard-grid">
              <TopModels report={state.data} />
              <ErrorsByType report={state.data} />
              <Latency report={state.data} />
              <Budget report={state.data} />
              <TokenClasses report={state.data} />
              <TopUsers report={state.data} />
            </div>
          </>
        )}
        <ExportCard selection={selection} />
      </div>
    </>
  );
}
