import { describe, expect, it } from "vitest";
import { isTimeZone, periodStart } from "./periods.ts";

const at = (iso: string) => Date.parse(iso);

describe("periodStart", () => {
  it("starts days, ISO weeks and months at local midnight", () => {
    const now = at("2026-12-02T15:30:00Z"); // a Wednesday
    expect(periodStart(now, "daily", "UTC")).toBe(at("2026-12-02T00:00:00Z"));
    expect(periodStart(now, "weekly", "UTC")).toBe(at("2026-11-30T00:00:00Z"));
    expect(periodStart(now, "monthly", "UTC")).toBe(at("2026-12-01T00:00:00Z"));
    expect(periodStart(now, "total", "UTC")).toBe(0);
  });

  it("follows the tenant's zone, odd offsets included", () => {
    // 23:30 UTC on Dec 1 is already Dec 2 in Tokyo (UTC+9) and Kathmandu (UTC+5:45).
    const now = at("2026-12-01T23:30:00Z");
    expect(periodStart(now, "daily", "Asia/Tokyo")).toBe(at("2026-12-01T15:00:00Z"));
    expect(periodStart(now, "daily", "Asia/Kathmandu")).toBe(at("2026-12-01T18:15:00Z"));
    expect(periodStart(now, "daily", "America/Los_Angeles")).toBe(at("2026-12-01T08:00:00Z"));
    expect(periodStart(now, "monthly", "Asia/Tokyo")).toBe(at("2026-11-30T15:00:00Z"));
  });

  it("is right across a daylight-saving change", () => {
    // New York springs forward on 2026-03-08: that day began at 05:00 UTC (EST), the next at 04:00 (EDT).
    expect(periodStart(at("2026-03-08T20:00:00Z"), "daily", "America/New_York")).toBe(at("2026-03-08T05:00:00Z"));
    expect(periodStart(at("2026-03-09T20:00:00Z"), "daily", "America/New_York")).toBe(at("2026-03-09T04:00:00Z"));
    expect(periodStart(at("2026-03-10T20:00:00Z"), "weekly", "America/New_York")).toBe(at("2026-03-09T04:00:00Z"));
  });

  it("knows IANA zones and refuses others", () => {
    expect(isTimeZone("Europe/Moscow")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});
