import { describe, expect, it } from "vitest";
import { intVar } from "./env-vars.ts";

describe("intVar", () => {
  it("reads a whole number at or above the minimum, else falls back", () => {
    expect(intVar("25", 7)).toBe(25);
    expect(intVar("0", 7, 0)).toBe(0);
    for (const bad of [undefined, "", " ", "0", "-1", "2.5", "ten", "9007199254740993"]) expect(intVar(bad, 7)).toBe(7);
  });
});
