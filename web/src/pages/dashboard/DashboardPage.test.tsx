import { render, screen, waitFor } from "@testing-library/preact";
import { beforeEach, describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, PROVIDER, routes, session, userWithRole } from "../../test/fetch";
import { FakeSocket, hello, stubWebSocket, update } from "../../test/socket";
import { report } from "../analytics/fixtures";
import DashboardPage from "./DashboardPage";
import { startOfToday } from "./useUsage";

const api = () =>
  routes({
    "GET /api/analytics": () => jsonResponse(200, report()),
    "GET /api/billing": () =>
      jsonResponse(200, {
        tenant_id: "ten_1",
        billing_enabled: true,
        balance_micros: 99_000_000,
        reserved_micros: 0,
        available_micros: 99_000_000,
        month_spend_micros: 6000,
        monthly_budget_micros: null,
        budget_remaining_micros: null,
        currency: "usd",
        topup: { min_micros: 5_000_000, max_micros: 10_000_000_000 },
        payment_methods: { stripe: false, paypal: false },
      }),
    "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: "t", expires_in: 60, url: "/api/analytics/live?ticket=t" }),
    "GET /api/keys": () => jsonResponse(200, { data: [] }),
    "GET /api/routes": () => jsonResponse(200, { data: [] }),
    "GET /api/providers": () => jsonResponse(200, { data: [PROVIDER] }),
  });

describe("dashboard usage", () => {
  beforeEach(() => {
    stubWebSocket();
  });

  it("shows today's requests, tokens, spend, the month's spend, the balance and the error rate", async () => {
    signIn(session("tok"));
    const fetchMock = api();
    render(<DashboardPage />);
    await waitFor(() => expect(screen.getByTestId("requests-today").textContent).toBe("6"));
    await waitFor(() => expect(screen.getByTestId("balance").textContent).toBe("$99.00"));
    expect(screen.getByText("30")).toBeTruthy(); // tokens
    expect(screen.getByText("16.7%")).toBeTruthy();
    const asked = allCalls(fetchMock).find((c) => c.url.startsWith("/api/analytics?"));
    const from = new URL(asked?.url ?? "", "http://x").searchParams.get("from");
    expect(Date.parse(from ?? "")).toBeLessThanOrEqual(startOfToday());
  });

  it("moves the figures with the live feed", async () => {
    signIn(session("tok"));
    api();
    render(<DashboardPage />);
    await waitFor(() => expect(screen.getByTestId("requests-today").textContent).toBe("6"));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    FakeSocket.last().open();
    FakeSocket.last().receive(hello(new Date().toISOString()));
    FakeSocket.last().receive(update(5, new Date().toISOString()));
    await waitFor(() => expect(screen.getByTestId("requests-today").textContent).toBe("11"));
    expect(screen.getByTestId("live-spend").textContent).toBe("$0.011"); // 6000 + 5000 micro-dollars
    expect(screen.getByRole("img", { name: "Requests per second over the last 60 seconds" })).toBeTruthy();
    expect(screen.getByTestId("live-status").textContent).toContain("Live");
  });

  it("has no balance for roles without billing", async () => {
    signIn(session("tok", userWithRole("developer")));
    const fetchMock = api();
    render(<DashboardPage />);
    await waitFor(() => expect(screen.getByTestId("requests-today").textContent).toBe("6"));
    expect(screen.queryByTestId("balance")).toBeNull();
    expect(allCalls(fetchMock).some((c) => c.url === "/api/billing")).toBe(false);
  });
});
