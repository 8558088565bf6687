import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import { theme } from "../../stores/settings";
import { chartTheme } from "./theme";
import type { ChartHandle } from "./uplotChart";

export interface ChartLine {
  label: string;
  values: readonly (number | null)[];
}

export interface AnalyticsChartProps {
  /** Epoch seconds. */
  x: readonly number[];
  lines: readonly ChartLine[];
  /** What the chart shows, for its accessible name. */
  title: string;
  formatValue: (value: number) => string;
  formatTick: (seconds: number) => string;
  formatTime: (seconds: number) => string;
  height?: number;
}

const loadChart = () => import("./uplotChart");

/** The OS colour scheme, re-read when it changes (the "system" theme follows it). */
function useSchemeChanges(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (typeof matchMedia !== "function") return;
    const query = matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => setVersion((v) => v + 1);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  return version;
}

/** A time-series chart on uPlot (loaded on first use), with its numbers also available as a table. */
export function AnalyticsChart({ x, lines, title, formatValue, formatTick, formatTime, height = 280 }: AnalyticsChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<ChartHandle | null>(null);
  const [failed, setFailed] = useState(false);
  const [tableOpen, setTableOpen] = useState(false);
  const scheme = useSchemeChanges();
  const labelsKey = lines.map((l) => l.label).join("\u0000");
  const latest = useRef({ x, lines, formatValue, formatTick, formatTime });
  latest.current = { x, lines, formatValue, formatTick, formatTime };

  // (Re)built when the set of lines, the theme or the height changes; data alone only updates it.
  useEffect(() => {
    let disposed = false;
    loadChart().then(
      ({ createChart }) => {
        const el = host.current;
        if (disposed || !el) return;
        const now = latest.current;
        try {
          chart.current = createChart(
            el,
            now.x,
            now.lines.map((l) => l.values),
            {
              width: Math.max(200, el.clientWidth),
              height,
              labels: now.lines.map((l) => l.label),
              timeLabel: t("chart.time"),
              theme: chartTheme(el),
              formatValue: (v) => latest.current.formatValue(v),
              formatTick: (s) => latest.current.formatTick(s),
              formatTime: (s) => latest.current.formatTime(s),
            },
          );
        } catch {
          setFailed(true); // no canvas (very old browser, or a test DOM): the table still has the numbers
        }
      },
      () => setFailed(true),
    );
    return () => {
      disposed = true;
      chart.current?.destroy();
      chart.current = null;
    };
  }, [labelsKey, theme.value, scheme, height]);

  useEffect(() => {
    chart.current?.setData(
      x,
      lines.map((l) => l.values),
    );
  }, [x, lines]);

  useEffect(() => {
    const el = host.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => chart.current?.setSize(Math.max(200, el.clientWidth), height));
    observer.observe(el);
    return () => observer.disconnect();
  }, [height]);

  const summary = t("chart.summary", { title, points: x.length, lines: lines.length });
  return (
    <figure class="chart">
      <div ref={host} class="chart-canvas" role="img" aria-label={summary} style={{ minHeight: `${height + 40}px` }} />
      {failed && <p class="alert">{t("chart.failed")}</p>}
      <details class="chart-table" onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary>{t("chart.showTable")}</summary>
        {tableOpen && (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("chart.time")}</th>
                  {lines.map((l) => (
                    <th key={l.label} scope="col" class="num">
                      {l.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {x.map((s, i) => (
                  <tr key={s}>
                    <th scope="row">{formatTime(s)}</th>
                    {lines.map((l) => {
                      const v = l.values[i];
                      return (
                        <td key={l.label} class="num">
                          {v === null || v === undefined ? "—" : formatValue(v)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </figure>
  );
}
