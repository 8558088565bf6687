import { describe, expect, it } from "vitest";
import { childContext, formatTraceparent, newSpanId, newTraceId, parseTraceparent } from "./trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("parseTraceparent", () => {
  it("reads version 00 and its sampled flag", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
    // Other flag bits (the level 2 random flag, unknown ones) do not change sampled.
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.sampled).toBe(false);
  });

  it("ignores whitespace around the value", () => {
    expect(parseTraceparent(`  00-${TRACE}-${SPAN}-01\t`)?.traceId).toBe(TRACE);
  });

  it("returns null for an absent or empty header", () => {
    expect(parseTraceparent(null)).toBeNull();
    expect(parseTraceparent(undefined)).toBeNull();
    expect(parseTraceparent("")).toBeNull();
  });

  it("reads a future version's first four fields and ignores what follows a dash", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-brings`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01x`)).toBeNull();
  });

  it.each([
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["a version that is not hex", `0g-${TRACE}-${SPAN}-01`],
    ["version 00 with more after it", `00-${TRACE}-${SPAN}-01-extra`],
    ["version 00 with one more character", `00-${TRACE}-${SPAN}-010`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["uppercase hex in the trace id", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["uppercase hex in the span id", `00-${TRACE}-${SPAN.toUpperCase()}-01`],
    ["uppercase version", `0A-${TRACE}-${SPAN}-01`],
    ["uppercase flags", `00-${TRACE}-${SPAN}-0A`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["a long trace id", `00-${TRACE}a-${SPAN}-01`],
    ["a short span id", `00-${TRACE}-${SPAN.slice(1)}-01`],
    ["a one-digit flags field", `00-${TRACE}-${SPAN}-1`],
    ["bad hex in the trace id", `00-${TRACE.slice(0, 31)}z-${SPAN}-01`],
    ["bad hex in the flags", `00-${TRACE}-${SPAN}-0x`],
    ["underscores for dashes", `00_${TRACE}_${SPAN}_01`],
    ["a missing field", `00-${TRACE}-01`],
    ["garbage", "not a traceparent at all, though it is long enough to be one"],
  ])("rejects %s", (_what, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });
});

describe("formatTraceparent", () => {
  it("writes version 00 that reads back the same", () => {
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: true })).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, parentSpanId: "1111111111111111", sampled: false })).toBe(`00-${TRACE}-${SPAN}-00`);
    const ctx = childContext(null);
    expect(parseTraceparent(formatTraceparent(ctx))).toEqual({ traceId: ctx.traceId, spanId: ctx.spanId, sampled: true });
  });
});

describe("ids", () => {
  it("makes lowercase hex ids of the right lengths, different each time", () => {
    const traces = new Set(Array.from({ length: 100 }, newTraceId));
    const spans = new Set(Array.from({ length: 100 }, newSpanId));
    expect(traces.size).toBe(100);
    expect(spans.size).toBe(100);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("childContext", () => {
  it("continues the parent's trace under a new span, keeping its sampled flag", () => {
    const parent = parseTraceparent(`00-${TRACE}-${SPAN}-00`)!;
    const child = childContext(parent);
    expect(child.traceId).toBe(TRACE);
    expect(child.parentSpanId).toBe(SPAN);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(SPAN);
    expect(child.sampled).toBe(false);
  });

  it("starts a new, sampled trace without a parent", () => {
    const root = childContext(null);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.sampled).toBe(true);
    expect(childContext(null).traceId).not.toBe(root.traceId);
  });
});
