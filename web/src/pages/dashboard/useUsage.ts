import { useCallback, useEffect, useState } from "preact/hooks";
import { call } from "../../api/client";
import type { LiveMessage, LiveSums } from "../../api/live";
import type { AnalyticsReport, BillingStatus } from "../../api/types";
import { useAsync } from "../../hooks/useAsync";
import { useLive } from "../../hooks/useLive";
import { advance, emptyWindow, type LiveWindow, record } from "../../lib/liveWindow";
import { can } from "../../stores/permissions";

export interface Usage {
  report: AnalyticsReport | null;
  billing: BillingStatus | null;
  error: unknown;
  /** Live deltas received since the report was loaded. */
  since: LiveSums;
  recent: LiveWindow;
}

const ZERO: LiveSums = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0, latency_ms_sum: 0, latency_ms_avg: null };

/** Local midnight, as the start of "today" (at least a minute ago, so the range is never empty). */
export const startOfToday = (now = Date.now()): number => {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return Math.min(d.getTime(), now - 60_000);
};

async function loadUsage(signal: AbortSignal): Promise<{ report: AnalyticsReport; billing: BillingStatus | null }> {
  const from = new Date(startOfToday()).toISOString();
  const [report, billing] = await Promise.all([
    call("get", "/api/analytics", { query: { from, interval: "hour" }, signal }),
    can("billing:read") ? call("get", "/api/billing", { signal }).catch(() => null) : Promise.resolve(null),
  ]);
  return { report, billing };
}

const add = (a: LiveSums, b: LiveSums): LiveSums => ({
  ...a,
  requests: a.requests + b.requests,
  errors: a.errors + b.errors,
  input_tokens: a.input_tokens + b.input_tokens,
  output_tokens: a.output_tokens + b.output_tokens,
  cost_micros: a.cost_micros + b.cost_micros,
});

/** Today's usage and the balance, kept moving by the live feed (a 1 s clock slides the window). */
export function useUsage(): Usage {
  const { state } = useAsync(loadUsage);
  const [since, setSince] = useState<LiveSums>(ZERO);
  const [recent, setRecent] = useState(() => emptyWindow(Date.now()));
  const ready = state.status === "ready";

  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.type !== "update") return;
      const totals = message.delta.totals;
      setRecent((w) => record(w, Date.now(), totals.requests, totals.cost_micros));
      // Before the report is in, its totals will include these events already.
      if (ready) setSince((s) => add(s, totals));
    },
    [ready],
  );
  useLive(onMessage);

  useEffect(() => {
    const timer = setInterval(() => setRecent((w) => advance(w, Date.now())), 1000);
    return () => clearInterval(timer);
  }, []);

  return {
    report: ready ? state.data.report : null,
    billing: ready ? state.data.billing : null,
    error: state.status === "error" ? state.error : null,
    since,
    recent,
  };
}
