import { describe, expect, it } from "vitest";
import { row } from "./fixtures";
import { advancedCount, filterErrors, mergeNewer, NO_FILTERS, toQuery } from "./query";

describe("toQuery", () => {
  it("asks for the last 24 hours by default, a page at a time", () => {
    expect(toQuery(NO_FILTERS)).toEqual({ limit: 50, last: "24h" });
  });

  it("turns a request id or a trace id into an exact lookup, whatever the time", () => {
    expect(toQuery({ ...NO_FILTERS, search: " req_abc ", model: " m/x " })).toEqual({ limit: 50, request_id: "req_abc", model: "m/x" });
    expect(toQuery({ ...NO_FILTERS, search: "4BF92F3577B34DA6A3CE929D0E0E4736", last: "1h" })).toEqual({
      limit: 50,
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    });
  });

  it("sends the exact filters, dollars as micro-dollars, whole milliseconds, and the cursor", () => {
    const query = toQuery(
      {
        ...NO_FILTERS,
        last: "7d",
        status: "5xx",
        key_id: "key_9",
        provider: "anthropic",
        endpoint: "messages",
        end_user: "u-1",
        error_type: "upstream_timeout",
        min_cost: "0.01",
        max_cost: "$2",
        min_latency_ms: "100",
        max_latency_ms: "abc",
      },
      "cur",
    );
    expect(query).toEqual({
      limit: 50,
      last: "7d",
      status: "5xx",
      key_id: "key_9",
      provider: "anthropic",
      endpoint: "messages",
      end_user: "u-1",
      error_type: "upstream_timeout",
      min_cost_micros: 10_000,
      max_cost_micros: 2_000_000,
      min_latency_ms: 100,
      cursor: "cur",
    });
  });

  it("uses from and to for a custom range, open-ended when one is empty", () => {
    const from = "2026-12-01T08:00";
    expect(toQuery({ ...NO_FILTERS, last: "custom", from, to: "" })).toEqual({ limit: 50, from: new Date(from).toISOString() });
    expect(toQuery({ ...NO_FILTERS, last: "custom" })).toEqual({ limit: 50 });
  });
});

describe("filterErrors", () => {
  it("flags amounts that are not dollars, latencies that are not whole, and a range that ends before it starts", () => {
    expect(filterErrors(NO_FILTERS)).toEqual({});
    expect(filterErrors({ ...NO_FILTERS, min_cost: "cheap", max_cost: "1.5", min_latency_ms: "1.5", max_latency_ms: "20" })).toEqual({
      min_cost: "amount",
      min_latency_ms: "whole",
    });
    expect(filterErrors({ ...NO_FILTERS, last: "custom", from: "2026-12-02T00:00", to: "2026-12-01T00:00" })).toEqual({ to: "range" });
  });
});

describe("advancedCount", () => {
  it("counts the filters set under More filters", () => {
    expect(advancedCount(NO_FILTERS)).toBe(0);
    expect(advancedCount({ ...NO_FILTERS, model: "m", provider: "p", max_latency_ms: "9" })).toBe(2);
  });
});

describe("mergeNewer", () => {
  const shown = [row("req_3"), row("req_2"), row("req_1")];

  it("puts the calls not shown yet on top", () => {
    const merged = mergeNewer(shown, [row("req_5"), row("req_4"), row("req_3"), row("req_2")]);
    expect(merged.rows.map((r) => r.id)).toEqual(["req_5", "req_4", "req_3", "req_2", "req_1"]);
    expect(merged).toMatchObject({ added: 2, replaced: false });
  });

  it("changes nothing when nothing is new", () => {
    expect(mergeNewer(shown, [row("req_3")])).toMatchObject({ added: 0, replaced: false, rows: shown });
  });

  it("replaces the list when the fresh page shares nothing with it (no gap before Load more)", () => {
    const merged = mergeNewer(shown, [row("req_9"), row("req_8")]);
    expect(merged.rows.map((r) => r.id)).toEqual(["req_9", "req_8"]);
    expect(merged).toMatchObject({ added: 2, replaced: true });
  });

  it("fills an empty list", () => {
    expect(mergeNewer([], [row("req_1")])).toMatchObject({ added: 1, replaced: false });
  });
});
