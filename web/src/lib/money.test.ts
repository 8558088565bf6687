import { describe, expect, it } from "vitest";
import { microsToDollars, parseDollarsToMicros } from "./money";

describe("dollars ↔ micro-dollars", () => {
  it("parses without floating point error", () => {
    expect(parseDollarsToMicros("0.1")).toBe(100_000);
    expect(parseDollarsToMicros("12.345678")).toBe(12_345_678);
    expect(parseDollarsToMicros("$ 250")).toBe(250_000_000);
    expect(parseDollarsToMicros("99,5")).toBe(99_500_000);
  });

  it("rejects what is not a plain amount", () => {
    for (const bad of ["", "-1", "1.2345678", "abc", "1e3", "1.2.3"]) expect(parseDollarsToMicros(bad), bad).toBeNull();
  });

  it("formats back for an input", () => {
    expect(microsToDollars(12_500_000)).toBe("12.5");
    expect(microsToDollars(250_000_000)).toBe("250");
    expect(microsToDollars(1)).toBe("0.000001");
  });
});
