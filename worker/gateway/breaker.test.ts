import { describe, expect, it } from "vitest";
import { Breakers } from "./breaker.ts";

const options = { windowMs: 10_000, minSamples: 4, errorRate: 0.5, coolDownMs: 1_000 };

describe("Breakers", () => {
  it("opens at the error rate, probes once when half-open, closes on success", () => {
    const b = new Breakers(options);
    b.record("p", true, 0);
    b.record("p", false, 1);
    b.record("p", true, 2);
    expect(b.state("p", 3)).toBe("closed");
    b.record("p", false, 3);
    expect(b.state("p", 4)).toBe("open");
    expect(b.allow("p", 500)).toBe(false);
    expect(b.state("p", 1_004)).toBe("half-open");
    expect(b.allow("p", 1_004)).toBe(true);
    expect(b.allow("p", 1_005)).toBe(false);
    b.record("p", true, 1_010);
    expect(b.state("p", 1_011)).toBe("closed");
    expect(b.allow("p", 1_011)).toBe(true);
  });

  it("re-opens when the probe fails", () => {
    const b = new Breakers(options);
    for (let i = 0; i < 4; i++) b.record("p", false, i);
    expect(b.allow("p", 2_000)).toBe(true);
    b.record("p", false, 2_001);
    expect(b.state("p", 2_002)).toBe("open");
    expect(b.state("p", 3_002)).toBe("half-open");
  });

  it("returns each change of state it makes, and only those", () => {
    const b = new Breakers(options);
    expect(b.record("p", false, 0)).toBeNull();
    expect(b.record("p", true, 1)).toBeNull();
    expect(b.record("p", false, 2)).toBeNull();
    expect(b.record("p", false, 3)).toEqual({ to: "open", failures: 3, samples: 4 });
    expect(b.record("p", false, 4)).toBeNull(); // already open
    expect(b.allow("p", 1_004)).toBe(true);
    expect(b.record("p", false, 1_005)).toEqual({ to: "open", failures: 1, samples: 1 }); // the probe failed
    expect(b.allow("p", 2_005)).toBe(true);
    expect(b.record("p", true, 2_006)).toEqual({ to: "closed", failures: 0, samples: 1 });
    expect(b.record("p", true, 2_007)).toBeNull();
  });

  it("forgets outcomes outside the window", () => {
    const b = new Breakers(options);
    for (let i = 0; i < 3; i++) b.record("p", false, i);
    for (let i = 0; i < 4; i++) b.record("p", true, 20_000 + i);
    b.record("p", false, 20_010);
    expect(b.state("p", 20_011)).toBe("closed");
  });
});
