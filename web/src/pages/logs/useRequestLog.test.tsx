import { act, renderHook, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, type Call, jsonResponse, routes, session } from "../../test/fetch";
import { page, row } from "./fixtures";
import { type LogFilters, NO_FILTERS } from "./query";
import { useRequestLog } from "./useRequestLog";

const params = (c: Call) => Object.fromEntries(new URL(c.url, "http://x").searchParams);

/** Pages by cursor: none → req_3, req_2 (cursor c1); c1 → req_1 (last). */
function paged(first = [row("req_3"), row("req_2")]) {
  return routes({
    "GET /api/requests": (c) => jsonResponse(200, params(c).cursor === "c1" ? page([row("req_1")]) : page(first, "c1")),
  });
}

describe("useRequestLog", () => {
  it("loads the first page with the filters, then the next ones with the cursor until the last", async () => {
    signIn(session("tok"));
    const fetchMock = paged();
    const errors: LogFilters = { ...NO_FILTERS, status: "error" };
    const { result } = renderHook(() => useRequestLog(errors));
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.rows.map((r) => r.id)).toEqual(["req_3", "req_2"]));
    expect(result.current.hasMore).toBe(true);
    expect(params(allCalls(fetchMock)[0]!)).toEqual({ limit: "50", last: "24h", status: "error" });

    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.rows.map((r) => r.id)).toEqual(["req_3", "req_2", "req_1"]));
    expect(params(allCalls(fetchMock)[1]!)).toMatchObject({ cursor: "c1", status: "error" });
    expect(result.current.hasMore).toBe(false);
  });

  it("starts over when the filters change", async () => {
    signIn(session("tok"));
    const fetchMock = paged();
    const { result, rerender } = renderHook((filters: LogFilters) => useRequestLog(filters), { initialProps: NO_FILTERS });
    await waitFor(() => expect(result.current.rows).toHaveLength(2));
    rerender({ ...NO_FILTERS, model: "demo/echo" });
    await waitFor(() => expect(allCalls(fetchMock)).toHaveLength(2));
    expect(params(allCalls(fetchMock)[1]!)).toEqual({ limit: "50", last: "24h", model: "demo/echo" });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.rows).toHaveLength(2);
  });

  it("tails: the calls that came since go on top, the loaded pages and the cursor stay", async () => {
    signIn(session("tok"));
    let first = [row("req_3"), row("req_2")];
    routes({
      "GET /api/requests": (c) => jsonResponse(200, params(c).cursor === "c1" ? page([row("req_1")], "c2") : page(first, "c1")),
    });
    const { result } = renderHook(() => useRequestLog(NO_FILTERS));
    await waitFor(() => expect(result.current.rows).toHaveLength(2));
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.rows).toHaveLength(3));

    first = [row("req_5"), row("req_4"), row("req_3")];
    act(() => result.current.tail());
    await waitFor(() => expect(result.current.rows.map((r) => r.id)).toEqual(["req_5", "req_4", "req_3", "req_2", "req_1"]));
    expect(result.current.added).toBe(2);
    expect(result.current.loading).toBe(false);
    expect(result.current.hasMore).toBe(true);
  });

  it("shows the API's error", async () => {
    signIn(session("tok"));
    routes({ "GET /api/requests": () => apiErrorResponse(400, "invalid_request", "bad cursor") });
    const { result } = renderHook(() => useRequestLog(NO_FILTERS));
    await waitFor(() => expect(result.current.error).toBeTruthy());
    expect(result.current.loading).toBe(false);
    expect(result.current.rows).toEqual([]);
  });
});
