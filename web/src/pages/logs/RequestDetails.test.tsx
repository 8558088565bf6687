import { render, screen, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { RequestDetail } from "../../api/types";
import { signIn } from "../../stores/auth";
import { jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { call } from "./fixtures";
import { RequestDetails } from "./RequestDetails";
import { timingParts } from "./TimingBar";

function show(detail: RequestDetail, role = "owner") {
  signIn(session("tok", userWithRole(role)));
  routes({ [`GET /api/requests/${detail.id}`]: () => jsonResponse(200, detail) });
  render(<RequestDetails id={detail.id} />);
}

describe("a call's timings", () => {
  it("splits the call into reading, admission, the provider to the first byte, and streaming", () => {
    expect(timingParts({ queueMs: 3, admissionMs: 2, ttfbMs: 120, totalMs: 150 }).map((p) => p.ms)).toEqual([3, 2, 115, 30]);
    // No first byte (a failure): the provider's part runs to the end.
    expect(timingParts({ queueMs: 1, admissionMs: 1, ttfbMs: null, totalMs: 40 }).map((p) => p.ms)).toEqual([1, 1, 38, 0]);
  });

  it("draws them as one bar, each part to scale, and says them in words", async () => {
    show(call());
    const bar = await screen.findByRole("img");
    expect(bar.getAttribute("aria-label")).toBe("Reading 3 ms, Admission 2 ms, Provider 115 ms, Streaming 30 ms");
    expect([...bar.children].map((s) => (s as HTMLElement).style.width)).toEqual(["2%", `${(100 * 2) / 150}%`, `${(100 * 115) / 150}%`, "20%"]);
    expect(screen.getByTestId("timings").textContent).toContain("First byte 120 ms · Total 150 ms");
  });
});

describe("a call's details", () => {
  it("shows the attempt chain: provider, outcome, start offset, duration, and the headers sent", async () => {
    show(call(), "developer");
    const attempts = await screen.findByRole("list", { name: "Attempts" });
    const items = within(attempts).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]!.querySelector(".badge.bad")?.textContent).toBe("503");
    expect(items[0]!.textContent).toContain("openai/fail");
    expect(items[0]!.textContent).toContain("started at +5 ms, took 40 ms");
    expect(items[0]!.textContent).not.toContain("Headers sent");
    expect(items[1]!.querySelector(".badge.ok")?.textContent).toBe("ok");
    expect(items[1]!.textContent).toContain("started at +46 ms, took 70 ms");
    expect(items[1]!.textContent).toContain("authorization: [REDACTED]");
  });

  it("says the bodies are hidden from a role that may not read them", async () => {
    show(call(), "developer");
    expect(await screen.findByText("This call's bodies were captured; your role may not read them.")).toBeTruthy();
    expect(screen.queryByText("Request", { selector: "summary" })).toBeNull();
  });

  it("says when the bodies are past the retention, or were not captured", async () => {
    show(call({ bodies_hidden: false, bodies_expired: true }));
    expect(await screen.findByText(/past the retention/)).toBeTruthy();
  });

  it("shows captured bodies as indented JSON, redacted", async () => {
    const bodies = { request: { messages: [{ role: "user", content: "mail [REDACTED:email]" }] }, response: { id: "x" }, redactions: 1, truncated: true };
    show(call({ bodies, bodies_hidden: false }));
    const request = await screen.findByText(/\[REDACTED:email\]/, { selector: "pre" });
    expect(request.textContent).toBe(JSON.stringify(bodies.request, null, 2));
    expect(request.closest("details")?.open).toBe(true);
    expect(screen.getByText("Answer", { selector: "summary" }).closest("details")?.open).toBe(false);
    expect(screen.getByText(/1 values redacted before storage\. Cut short/)).toBeTruthy();
  });

  it("shows tokens and cost by class, and the call's facts", async () => {
    show(call({ cached_tokens: 4, cached_input_cost_micros: 1, reasoning_tokens: 0, cost_micros: 31, cache_saved_micros: 3 }));
    const table = await screen.findByRole("table");
    const lines = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((r) => [...r.children].map((c) => c.textContent));
    expect(lines).toEqual([
      ["Input", "10", "$0.00001"],
      ["Cached input", "4", "$0.000001"],
      ["Output", "20", "$0.00002"],
      ["Total", "", "$0.000031"],
    ]);
    expect(screen.getByText("Cache reads saved $0.000003.")).toBeTruthy();
    expect(screen.getByText("4bf92f3577b34da6a3ce929d0e0e4736")).toBeTruthy();
    expect(screen.getByText("512 B → 1,024 B")).toBeTruthy();
  });

  it("says when no provider was tried", async () => {
    show(call({ detail: { timings: { queueMs: 1, admissionMs: 0, ttfbMs: null, totalMs: 2 }, attempts: [] }, status: 404 }));
    expect(await screen.findByText(/No provider was tried/)).toBeTruthy();
  });

  it("falls back to the attempt strings when the call has no detail", async () => {
    show(call({ detail: null }));
    const attempts = await screen.findByRole("list", { name: "Attempts" });
    expect(
      within(attempts)
        .getAllByRole("listitem")
        .map((i) => i.textContent),
    ).toEqual(["503openai/fail", "okopenai/gpt-4o-mini"]);
    expect(screen.queryByRole("img")).toBeNull();
  });
});
