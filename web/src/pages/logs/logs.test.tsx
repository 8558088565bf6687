import { render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { RequestDetail } from "../../api/types";
import { signIn } from "../../stores/auth";
import { jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { RequestDetails } from "./RequestDetails";
import { NO_FILTERS, toQuery } from "./useRequestLog";

const CALL: RequestDetail = {
  id: "req_1",
  created_at: "2026-12-03T10:00:00.000Z",
  key_id: "key_1",
  provider: "openai",
  model: "openai/gpt-4o-mini",
  endpoint: "chat.completions",
  status: 200,
  error_type: null,
  stream: false,
  latency_ms: 120,
  ttfb_ms: 120,
  input_tokens: 10,
  output_tokens: 20,
  cached_tokens: 0,
  reasoning_tokens: 0,
  cache_write_5m_tokens: 0,
  cache_write_1h_tokens: 0,
  cost_micros: 30,
  estimated: false,
  unit: null,
  units: 0,
  end_user: null,
  attempts: ["openai/fail=503", "openai/gpt-4o-mini=ok"],
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  has_bodies: true,
  detail: {
    timings: { queueMs: 3, admissionMs: 2, ttfbMs: 120, totalMs: 120 },
    attempts: [
      { target: "openai/fail", provider: "openai", outcome: "503", startMs: 5, ms: 40 },
      { target: "openai/gpt-4o-mini", provider: "openai", outcome: "ok", startMs: 46, ms: 70, headers: { authorization: "[REDACTED]" } },
    ],
    cache: "miss",
  },
  input_cost_micros: 10,
  cached_input_cost_micros: 0,
  cache_write_cost_micros: 0,
  output_cost_micros: 20,
  reasoning_cost_micros: 0,
  units_cost_micros: 0,
  cache_saved_micros: 0,
  uncollected_micros: 0,
  request_bytes: null,
  response_bytes: null,
  bodies: null,
  bodies_hidden: true,
  bodies_expired: false,
};

describe("toQuery", () => {
  it("turns a request id or a trace id into an exact lookup, and the rest into filters", () => {
    expect(toQuery({ ...NO_FILTERS, search: "req_abc", model: " m/x " })).toEqual({ limit: 50, request_id: "req_abc", model: "m/x" });
    expect(toQuery({ ...NO_FILTERS, search: "4bf92f3577b34da6a3ce929d0e0e4736" })).toEqual({ limit: 50, trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" });
    expect(toQuery({ ...NO_FILTERS, status: "5xx", min_cost_micros: "100", max_latency_ms: "abc" }, "cur")).toEqual({
      limit: 50,
      last: "24h",
      status: "5xx",
      min_cost_micros: 100,
      cursor: "cur",
    });
  });
});

describe("a call's details", () => {
  it("shows the attempt chain with the headers sent, the timings, and that bodies are hidden from this role", async () => {
    signIn(session("tok", userWithRole("developer")));
    routes({ "GET /api/requests/req_1": () => jsonResponse(200, CALL) });
    render(<RequestDetails id="req_1" />);
    const attempts = await screen.findByRole("list", { name: "Attempts" });
    const items = within(attempts).getAllByRole("listitem");
    expect(items.map((i) => i.textContent)).toEqual([expect.stringContaining("503openai/fail"), expect.stringContaining("okopenai/gpt-4o-mini")]);
    expect(items[1]!.textContent).toContain("authorization: [REDACTED]");
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Reading 3 ms, Admission 2 ms, Provider 115 ms, Streaming 0 ms");
    expect(screen.getByText(/your role may not read them/)).toBeTruthy();
  });

  it("shows captured bodies to a role that may read them", async () => {
    signIn(session("tok", userWithRole("owner")));
    const bodies = { request: { messages: [{ content: "[REDACTED:email]" }] }, response: { ok: true }, redactions: 1, truncated: false };
    routes({ "GET /api/requests/req_1": () => jsonResponse(200, { ...CALL, bodies, bodies_hidden: false }) });
    render(<RequestDetails id="req_1" />);
    expect(await screen.findByText(/\[REDACTED:email\]/)).toBeTruthy();
    expect(screen.getByText("1 values redacted before storage.")).toBeTruthy();
  });
});
