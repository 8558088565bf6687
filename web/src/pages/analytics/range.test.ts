import { describe, expect, it } from "vitest";
import { allowedIntervals, defaultSelection, normalize, PRESETS, selectionFromSearch, selectionToSearch, toQuery, validateSelection } from "./range";

const NOW = Date.parse("2026-11-24T12:00:00.000Z");

describe("analytics selection", () => {
  it("defaults to the last 24 hours by the hour, not grouped", () => {
    const sel = selectionFromSearch({}, NOW);
    expect(sel).toMatchObject({ range: "24h", interval: "hour", groupBy: null, metric: "requests", live: false });
    expect(toQuery(sel, NOW)).toEqual({ last: "24h", interval: "hour" });
  });

  it("round-trips through the URL and ignores what it does not know", () => {
    const sel = selectionFromSearch({ range: "1h", group: "model", metric: "cost", live: "1", interval: "minute" }, NOW);
    expect(sel).toMatchObject({ range: "1h", interval: "minute", groupBy: "model", metric: "cost", live: true });
    expect(selectionFromSearch(Object.fromEntries(new URLSearchParams(selectionToSearch(sel))), NOW)).toEqual({ ...sel, from: sel.from, to: sel.to });
    expect(selectionFromSearch({ range: "forever", group: "colour", metric: "vibes" }, NOW)).toMatchObject({ range: "24h", groupBy: null, metric: "requests" });
  });

  it("sends a custom range as ISO instants and never live", () => {
    const sel = normalize({ ...defaultSelection(NOW), range: "custom", from: "2026-11-01T00:00", to: "2026-11-03T00:00", interval: "hour", live: true }, NOW);
    expect(sel.live).toBe(false);
    const q = toQuery(sel, NOW);
    expect(q.last).toBeUndefined();
    expect(Date.parse(q.to ?? "") - Date.parse(q.from ?? "")).toBe(2 * 86_400_000);
  });

  it("keeps the interval within 5000 points and the metric valid for the grouping", () => {
    expect(allowedIntervals(PRESETS["30d"])).toEqual(["hour", "day"]);
    const sel = normalize({ ...defaultSelection(NOW), range: "30d", interval: "minute" }, NOW);
    expect(sel.interval).toBe("hour");
    expect(normalize({ ...defaultSelection(NOW), groupBy: "status", metric: "cost" }, NOW).metric).toBe("requests");
  });

  it("explains a bad custom range", () => {
    const base = { ...defaultSelection(NOW), range: "custom" as const };
    expect(validateSelection({ ...base, from: "2026-11-03T00:00", to: "2026-11-01T00:00" }, NOW)).toBe("analytics.rangeInvalid");
    expect(validateSelection({ ...base, from: "", to: "2026-11-01T00:00" }, NOW)).toBe("analytics.rangeInvalid");
    expect(validateSelection({ ...base, from: "2024-01-01T00:00", to: "2026-11-01T00:00", interval: "day" }, NOW)).toBe("analytics.rangeTooLong");
    expect(validateSelection({ ...base, from: "2026-09-01T00:00", to: "2026-11-01T00:00", interval: "minute" }, NOW)).toBe("analytics.tooManyPoints");
    expect(validateSelection({ ...base, from: "2026-11-01T00:00", to: "2026-11-02T00:00", interval: "hour" }, NOW)).toBeNull();
  });
});
