import { describe, expect, it } from "vitest";
import { advance, cumulative, emptyWindow, record, requestsPerSecond } from "./liveWindow";

describe("live window", () => {
  it("puts figures in their second and slides as time passes", () => {
    let w = emptyWindow(10_000, 5);
    w = record(w, 10_200, 2, 100);
    w = record(w, 10_900, 1, 50);
    expect(w.requests).toEqual([0, 0, 0, 0, 3]);
    w = record(w, 12_100, 4, 10);
    expect(w.requests).toEqual([0, 0, 3, 0, 4]);
    expect(w.cost).toEqual([0, 0, 150, 0, 10]);
    expect(advance(w, 30_000).requests).toEqual([0, 0, 0, 0, 0]);
    expect(advance(w, 12_500)).toBe(w);
  });

  it("averages requests per second over complete seconds", () => {
    let w = emptyWindow(0, 10);
    for (let s = 0; s < 5; s += 1) w = record(w, s * 1000, 2, 0);
    expect(requestsPerSecond(w, 4)).toBe(2);
    expect(requestsPerSecond(emptyWindow(0))).toBe(0);
  });

  it("turns per-second amounts into a running total that ends at the figure now", () => {
    expect(cumulative([1, 0, 2, 3], 10)).toEqual([5, 5, 7, 10]);
  });
});
