import { describe, expect, it } from "vitest";
import type { AnalyticsReport } from "../../api/types";
import { classRows } from "./TokenClasses";
import { classes } from "./fixtures";

const totals = (over: Partial<AnalyticsReport["totals"]>) =>
  ({ requests: 6, errors: 0, input_tokens: 12, output_tokens: 18, cost_micros: 6000, ...classes, ...over }) as AnalyticsReport["totals"];

describe("classRows", () => {
  it("adds a row for calls billed per unit, without tokens, only when there was such spend", () => {
    expect(classRows(totals({})).map((r) => r.label)).not.toContain("analytics.class.units");
    const rows = classRows(totals({ units_cost_micros: 42_000 }));
    expect(rows.at(-1)).toEqual({ label: "analytics.class.units", tokens: null, spend: 42_000 });
  });
});
