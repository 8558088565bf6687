import { describe, expect, it } from "vitest";
import { MAX_LINES, OTHER, toChartData } from "./chartData";
import { point, report } from "./fixtures";

const T0 = "2026-11-24T10:00:00.000Z";
const T1 = "2026-11-24T10:01:00.000Z";
const T2 = "2026-11-24T10:02:00.000Z";

describe("chart data", () => {
  it("maps an ungrouped series to one line, x in seconds", () => {
    const data = toChartData(report(), "requests", "Requests");
    expect(data.x).toEqual([T0, T1, T2].map((t) => Date.parse(t) / 1000));
    expect(data.series).toEqual([{ label: "Requests", values: [1, 0, 5] }]);
    expect(toChartData(report(), "cost", "Spend").series[0]?.values).toEqual([0.001, 0, 0.005]);
    expect(toChartData(report(), "tokens", "Tokens").series[0]?.values).toEqual([5, 0, 25]);
    expect(toChartData(report(), "latency", "p95").series[0]?.values).toEqual([20, null, 20]);
  });

  it("pivots a grouped series into a line per group, zero-filled, busiest first", () => {
    const r = report({ group_by: "model", series: [point(T0, 1, { group: "a" }), point(T2, 4, { group: "b" }), point(T1, 2, { group: "a" })] });
    const data = toChartData(r, "requests", "Requests");
    expect(data.x).toHaveLength(3);
    expect(data.series).toEqual([
      { label: "b", values: [0, 0, 4] },
      { label: "a", values: [1, 2, 0] },
    ]);
  });

  it('sums the groups beyond the first few into "other"', () => {
    const groups = Array.from({ length: MAX_LINES + 2 }, (_, i) => `g${i}`);
    const r = report({ group_by: "key", series: groups.map((g, i) => point(T0, 100 - i, { group: g })) });
    const data = toChartData(r, "requests", "Requests");
    expect(data.series).toHaveLength(MAX_LINES);
    expect(data.series.at(-1)?.label).toBe(OTHER);
    expect(data.series.at(-1)?.values[0]).toBe(95 + 94 + 93);
    // Latency cannot be summed: the busiest groups only, gaps stay gaps.
    const latency = toChartData(r, "latency", "p95");
    expect(latency.series.map((s) => s.label)).not.toContain(OTHER);
    expect(latency.series[0]?.values).toEqual([20, null, null]);
  });
});
