import { describe, expect, it } from "vitest";
import { parseLiveMessage } from "../../api/live";
import { hello, update } from "../../test/socket";
import { point, report } from "./fixtures";
import { applyLive, slideWindow } from "./liveMerge";

const message = (...args: Parameters<typeof update>) => {
  const m = parseLiveMessage(JSON.stringify(update(...args)));
  if (!m) throw new Error("bad fixture");
  return m;
};

describe("live merge", () => {
  it("adds an update to its bucket, the totals, the top models and the budget", () => {
    const next = applyLive(report(), message(3, "2026-11-24T10:02:30.000Z"));
    expect(next.series.map((p) => p.requests)).toEqual([1, 0, 8]);
    expect(next.totals.requests).toBe(9);
    expect(next.totals.error_rate).toBeCloseTo(1 / 9);
    expect(next.top_models[0]).toMatchObject({ model: "demo/echo", requests: 9 });
    expect(next.budget.spent_micros).toBe(9000);
    expect(next.budget.remaining_micros).toBe(10_000_000 - 9000);
  });

  it("ignores the greeting", () => {
    const r = report();
    const m = parseLiveMessage(JSON.stringify(hello()));
    expect(m && applyLive(r, m)).toBe(r);
  });

  it("slides a relative window forward, adding zero buckets and dropping old ones", () => {
    const next = applyLive(report(), message(2, "2026-11-24T10:04:10.000Z"));
    expect(next.from).toBe("2026-11-24T10:01:10.000Z");
    expect(next.series.map((p) => [p.t.slice(11, 16), p.requests])).toEqual([
      ["10:01", 0],
      ["10:02", 5],
      ["10:03", 0],
      ["10:04", 2],
    ]);
    expect(slideWindow(report(), Date.parse("2026-11-24T10:02:00.000Z")).series).toHaveLength(3);
  });

  it("splits an update by the grouping, including success and error", () => {
    const byModel = applyLive(
      report({ group_by: "model", series: [point("2026-11-24T10:02:00.000Z", 1, { group: "demo/echo" })] }),
      message(2, "2026-11-24T10:02:30.000Z", { model: "demo/lorem" }),
    );
    expect(byModel.series.map((p) => [p.group, p.requests])).toEqual([
      ["demo/echo", 1],
      ["demo/lorem", 2],
    ]);
    expect(byModel.top_models.map((m) => m.model)).toEqual(["demo/echo", "demo/lorem"]);
    const byStatus = applyLive(report({ group_by: "status", series: [] }), message(3, "2026-11-24T10:02:30.000Z", { errors: 1 }));
    expect(byStatus.series.map((p) => [p.group, p.requests])).toEqual([
      ["success", 2],
      ["error", 1],
    ]);
  });
});
