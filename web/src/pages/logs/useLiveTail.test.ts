import { renderHook } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveMessage } from "../../api/live";
import { useLiveTail } from "./useLiveTail";

let deliver: ((message: LiveMessage) => void) | null = null;
vi.mock("../../hooks/useLive", () => ({
  useLive: (onMessage: (message: LiveMessage) => void, enabled: boolean) => {
    deliver = enabled ? onMessage : null;
  },
}));

const minute = {
  start: "2026-12-03T10:00:00.000Z",
  requests: 1,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost_micros: 0,
  latency_ms_sum: 0,
  latency_ms_avg: null,
  latency_ms_p50: null,
  latency_ms_p95: null,
};
const totals = { requests: 1, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0, latency_ms_sum: 0, latency_ms_avg: null };
const update: LiveMessage = { type: "update", at: "2026-12-03T10:00:01.000Z", events: 1, delta: { totals, by_model: {}, by_provider: {}, by_key: {} }, minute };
const hello: LiveMessage = { type: "hello", at: "2026-12-03T10:00:00.000Z", minute };

describe("useLiveTail", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    deliver = null;
  });
  afterEach(() => vi.useRealTimers());

  it("reads once when switched on, then 2 s and 5 s after news, never closer than 2 s apart", () => {
    const onTail = vi.fn();
    renderHook(() => useLiveTail(true, onTail));
    expect(onTail).toHaveBeenCalledTimes(1);

    deliver?.(hello);
    vi.advanceTimersByTime(10_000);
    expect(onTail).toHaveBeenCalledTimes(1); // a hello is no news

    deliver?.(update);
    deliver?.(update); // a burst rides along
    vi.advanceTimersByTime(1_999);
    expect(onTail).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(onTail).toHaveBeenCalledTimes(2);
    deliver?.(update);
    vi.advanceTimersByTime(3_000);
    expect(onTail).toHaveBeenCalledTimes(3);

    deliver?.(update); // news right after the last read: the next comes 2 s later
    vi.advanceTimersByTime(1_999);
    expect(onTail).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(1);
    expect(onTail).toHaveBeenCalledTimes(4);
  });

  it("does nothing while off, and forgets pending reads when switched off", () => {
    const onTail = vi.fn();
    const { rerender } = renderHook((on: boolean) => useLiveTail(on, onTail), { initialProps: false });
    expect(deliver).toBeNull();
    expect(onTail).not.toHaveBeenCalled();
    rerender(true);
    deliver?.(update);
    rerender(false);
    vi.advanceTimersByTime(10_000);
    expect(onTail).toHaveBeenCalledTimes(1);
  });
});
