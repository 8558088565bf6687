import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, PROVIDER, routes, session, userWithRole } from "../../test/fetch";
import DiagnosticsPage from "./DiagnosticsPage";
import { diagnosticsBody } from "./fixtures";

function api(diagnostics: () => Response) {
  return routes({
    "GET /api/diagnostics": diagnostics,
    "GET /api/routes": () => jsonResponse(200, { data: [] }),
    "GET /api/providers": () => jsonResponse(200, { data: [PROVIDER] }),
  });
}

const diagnosticsCalls = (fetchMock: ReturnType<typeof api>) => allCalls(fetchMock).filter((c) => c.url === "/api/diagnostics").length;

describe("diagnostics page", () => {
  it("shows the checks, the gate, each circuit and the recent errors from GET /api/diagnostics", async () => {
    signIn(session("tok", userWithRole("viewer")));
    api(() => jsonResponse(200, diagnosticsBody()));
    render(<DiagnosticsPage />);

    const health = await screen.findByRole("region", { name: "Health" });
    expect(within(health).getByText("All systems up")).toBeTruthy();
    expect(within(health).getByText("D1 database").parentElement?.textContent).toContain("Up");
    expect(within(health).getByText("TenantGate (Durable Object)")).toBeTruthy();
    expect(within(health).getByText("AnalyticsHub (Durable Object)")).toBeTruthy();
    expect(within(health).getByText("Build build-42")).toBeTruthy();

    const gate = screen.getByRole("region", { name: "Limits and credit gate" });
    expect(within(gate).getByText("Open reservations").nextElementSibling?.textContent).toBe("1");
    expect(within(gate).getByText("Ledger entries not yet in D1").nextElementSibling?.textContent).toBe("3");

    const circuit = (name: string) => within(screen.getByRole("article", { name })).getByText(/healthy|tripped|probing/).textContent;
    expect(circuit("demo")).toBe("Closed · healthy");
    expect(circuit("openai")).toBe("Open · tripped");
    expect(circuit("claude")).toBe("Half-open · probing");
    expect(within(screen.getByRole("article", { name: "openai" })).getByText("7 failed of 10")).toBeTruthy();
    expect(within(screen.getByRole("article", { name: "claude" })).getByText("≈ 812 ms")).toBeTruthy();

    const errors = screen.getByRole("table", { name: "The last 2 failed calls, newest first" });
    expect(within(errors).getByText("req_unknown_model_1")).toBeTruthy();
    expect(within(errors).getByText("req_upstream_2")).toBeTruthy();
  });

  it("says so when a check is down and the gate does not answer", async () => {
    signIn(session("tok"));
    const up = diagnosticsBody().checks;
    const body = diagnosticsBody({ checks: { ...up, d1: { ok: false, ms: 30, error: "D1_ERROR: no such table" } }, gate: null });
    api(() => jsonResponse(200, body));
    render(<DiagnosticsPage />);
    const health = await screen.findByRole("region", { name: "Health" });
    expect(within(health).getByText("Degraded")).toBeTruthy();
    expect(within(health).getByText("D1_ERROR: no such table")).toBeTruthy();
    const gate = screen.getByRole("region", { name: "Limits and credit gate" });
    expect(within(gate).getByText(/did not answer/)).toBeTruthy();
  });

  it("has empty states for no providers and no errors", async () => {
    signIn(session("tok"));
    api(() => jsonResponse(200, diagnosticsBody({ providers: [], recent_errors: [] })));
    render(<DiagnosticsPage />);
    expect(await screen.findByText("No failed calls recently.")).toBeTruthy();
    expect(screen.getByText("No providers are configured.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("loads again on Refresh, showing what changed", async () => {
    signIn(session("tok"));
    let body = diagnosticsBody({ recent_errors: [] });
    const fetchMock = api(() => jsonResponse(200, body));
    render(<DiagnosticsPage />);
    await screen.findByText("No failed calls recently.");
    expect(diagnosticsCalls(fetchMock)).toBe(1);

    body = diagnosticsBody();
    fireEvent.click(screen.getByRole("button", { name: "Refresh" }));
    expect(await screen.findByText("req_upstream_2")).toBeTruthy();
    expect(diagnosticsCalls(fetchMock)).toBe(2);
  });

  it("shows the API's error when diagnostics cannot be read", async () => {
    signIn(session("tok"));
    api(() => apiErrorResponse(503, "unavailable", "D1 is not reachable."));
    render(<DiagnosticsPage />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("D1 is not reachable.");
    await waitFor(() => expect(screen.getByRole("heading", { level: 2, name: "Playground" })).toBeTruthy());
  });
});
