// uPlot behind a small interface; this module (and uPlot with its CSS) is loaded only when a
// chart is first shown, so pages without charts never download it.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartTheme {
  text: string;
  grid: string;
  lines: readonly string[];
  /** Under a single line. */
  fill: string;
}

export interface ChartSetup {
  width: number;
  height: number;
  labels: readonly string[];
  /** The x value's name in the legend. */
  timeLabel: string;
  theme: ChartTheme;
  /** A y value for the axis and the legend. */
  formatValue: (value: number) => string;
  /** An x value (epoch seconds) for the axis ticks. */
  formatTick: (seconds: number) => string;
  /** An x value for the legend. */
  formatTime: (seconds: number) => string;
}

export interface ChartHandle {
  setData: (x: readonly number[], columns: readonly (readonly (number | null)[])[]) => void;
  setSize: (width: number, height: number) => void;
  destroy: () => void;
}

const aligned = (x: readonly number[], columns: readonly (readonly (number | null)[])[]): uPlot.AlignedData => [[...x], ...columns.map((c) => [...c])];

export function createChart(host: HTMLElement, x: readonly number[], columns: readonly (readonly (number | null)[])[], setup: ChartSetup): ChartHandle {
  const { theme } = setup;
  const axisBase = { stroke: theme.text, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
  const single = setup.labels.length === 1;
  const options: uPlot.Options = {
    width: setup.width,
    height: setup.height,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    series: [
      { label: setup.timeLabel, value: (_u, v) => (v === null ? "—" : setup.formatTime(v)) },
      ...setup.labels.map((label, i) => {
        const stroke = theme.lines[i % theme.lines.length] ?? theme.text;
        return {
          label,
          stroke,
          width: 2,
          ...(single ? { fill: theme.fill } : {}),
          points: { show: false },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : setup.formatValue(v)),
        };
      }),
    ],
    axes: [
      { ...axisBase, space: 70, values: (_u, splits) => splits.map((s) => setup.formatTick(s)) },
      { ...axisBase, size: 64, values: (_u, splits) => splits.map((s) => setup.formatValue(s)) },
    ],
  };
  const plot = new uPlot(options, aligned(x, columns), host);
  return {
    setData: (nextX, nextColumns) => plot.setData(aligned(nextX, nextColumns)),
    setSize: (width, height) => plot.setSize({ width, height }),
    destroy: () => plot.destroy(),
  };
}
