import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, apiErrorResponse, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import type { EndUser } from "./endUserForm";
import EndUsersPage from "./EndUsersPage";

const ALICE: EndUser = {
  end_user: "alice@example.com",
  requests: 1_234,
  input_tokens: 10_000,
  output_tokens: 2_000,
  cost_micros: 3_400_000,
  last_seen_at: "2026-11-24T10:00:00.000Z",
  own_limits: { rpm_limit: 10, tpm_limit: null, budget_micros: 5_000_000, budget_period: "daily" },
  limits: { rpm_limit: 10, tpm_limit: null, budget_micros: 5_000_000, budget_period: "daily" },
  budget_spent_micros: 1_250_000,
};

const BOB: EndUser = {
  end_user: "bob/ops team",
  requests: 7,
  input_tokens: 300,
  output_tokens: 45,
  cost_micros: 500_000,
  last_seen_at: null,
  own_limits: null,
  limits: { rpm_limit: null, tpm_limit: 1_000, budget_micros: 2_000_000, budget_period: "monthly" },
  budget_spent_micros: 500_000,
};

function api(extra: Parameters<typeof routes>[0] = {}) {
  return routes({ "GET /api/end-users": () => jsonResponse(200, { data: [ALICE, BOB] }), ...extra });
}

const row = async (name: string) => (await screen.findByRole("rowheader", { name })).closest("tr") as HTMLElement;

describe("end users page", () => {
  it("lists each user's use this month, the limits that apply and their budget's spend", async () => {
    signIn(session("tok", userWithRole("admin")));
    api();
    render(<EndUsersPage />);

    const alice = await row("alice@example.com");
    expect(screen.getByRole("columnheader", { name: "Actions" })).toBeTruthy();
    expect(within(alice).getByText("1,234")).toBeTruthy();
    expect(within(alice).getByText("12,000")).toBeTruthy();
    expect(within(alice).getByText("$3.40")).toBeTruthy();
    expect(within(alice).getByText(/10 requests\/min · \$5\.00 \/ day/)).toBeTruthy();
    expect(within(alice).getByText("Own")).toBeTruthy();
    expect(within(alice).getByText("$1.25 of $5.00 / day (25%)")).toBeTruthy();
    const meter = within(alice).getByLabelText<HTMLMeterElement>("Share of the budget of alice@example.com spent");
    expect(meter.getAttribute("value")).toBe("1250000");
    expect(meter.getAttribute("max")).toBe("5000000");

    const bob = await row("bob/ops team");
    expect(within(bob).getByText(/1,000 tokens\/min · \$2\.00 \/ month/)).toBeTruthy();
    expect(within(bob).getByText("Defaults")).toBeTruthy();
    expect(within(bob).getByText("Not this month")).toBeTruthy();
    expect(within(bob).getByText("$0.50 of $2.00 / month (25%)")).toBeTruthy();
  });

  it("sets one user's limits with PUT on the URL-encoded name, then loads the list again", async () => {
    signIn(session("tok", userWithRole("admin")));
    const fetchMock = api({
      "PUT /api/end-users/bob%2Fops%20team": (c) => jsonResponse(200, { end_user: "bob/ops team", own_limits: c.body }),
    });
    render(<EndUsersPage />);

    fireEvent.click(await screen.findByRole("button", { name: "Change the limits of bob/ops team" }));
    const dialog = screen.getByRole("dialog", { name: "Limits of bob/ops team" });
    expect(within(dialog).getByText(/The defaults for end users apply now: 1,000 tokens\/min · \$2\.00 \/ month\./)).toBeTruthy();
    // The defaults that apply now are the starting point.
    expect(within(dialog).getByLabelText<HTMLInputElement>("Tokens per minute").value).toBe("1000");
    expect(within(dialog).getByLabelText<HTMLInputElement>("Budget (USD)").value).toBe("2");
    expect(within(dialog).queryByRole("button", { name: "Remove own limits" })).toBeNull();

    fireEvent.input(within(dialog).getByLabelText("Requests per minute"), { target: { value: "20" } });
    fireEvent.input(within(dialog).getByLabelText("Budget (USD)"), { target: { value: "3.50" } });
    fireEvent.change(within(dialog).getByLabelText("Budget period"), { target: { value: "weekly" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const put = allCalls(fetchMock).find((c) => c.method === "PUT");
    expect(put?.url).toBe("/api/end-users/bob%2Fops%20team");
    expect(put?.body).toEqual({ rpm_limit: 20, tpm_limit: 1_000, budget_micros: 3_500_000, budget_period: "weekly" });
    await waitFor(() => expect(allCalls(fetchMock).filter((c) => c.method === "GET" && c.url.startsWith("/api/end-users"))).toHaveLength(2));
  });

  it("checks the limits first and shows the API's error in the dialog", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = api({
      "PUT /api/end-users/carol": () => apiErrorResponse(403, "forbidden", "Your role (developer) may not do this: it needs 'tenant:write'."),
    });
    render(<EndUsersPage />);

    fireEvent.click(await screen.findByRole("button", { name: "Set a user's limits" }));
    const dialog = screen.getByRole("dialog", { name: "Set an end user's limits" });
    fireEvent.input(within(dialog).getByLabelText("Requests per minute"), { target: { value: "0" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("Use 1 to 128 characters, without control characters.")).toBeTruthy();
    expect(within(dialog).getByLabelText("Requests per minute").getAttribute("aria-invalid")).toBe("true");
    expect(allCalls(fetchMock).some((c) => c.method === "PUT")).toBe(false);

    fireEvent.input(within(dialog).getByLabelText("End user"), { target: { value: " carol " } });
    fireEvent.input(within(dialog).getByLabelText("Requests per minute"), { target: { value: "5" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("may not do this");
    expect(allCalls(fetchMock).find((c) => c.method === "PUT")?.body).toEqual({ rpm_limit: 5, tpm_limit: null, budget_micros: null, budget_period: "monthly" });
  });

  it("removes a user's own limits with DELETE, so the defaults apply again", async () => {
    signIn(session("tok", userWithRole("owner")));
    const fetchMock = api({ "DELETE /api/end-users/alice%40example.com": () => jsonResponse(200, { end_user: "alice@example.com" }) });
    render(<EndUsersPage />);

    fireEvent.click(await screen.findByRole("button", { name: "Change the limits of alice@example.com" }));
    const dialog = screen.getByRole("dialog", { name: "Limits of alice@example.com" });
    expect(within(dialog).getByLabelText<HTMLInputElement>("Requests per minute").value).toBe("10");
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove own limits" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(allCalls(fetchMock).some((c) => c.method === "DELETE" && c.url === "/api/end-users/alice%40example.com")).toBe(true);
  });

  it("shows a viewer the list without any way to change limits", async () => {
    signIn(session("tok", userWithRole("viewer")));
    api();
    render(<EndUsersPage />);
    await row("alice@example.com");
    expect(screen.queryByRole("button", { name: "Set a user's limits" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Change the limits of/ })).toBeNull();
    expect(screen.queryByRole("columnheader", { name: "Actions" })).toBeNull();
  });

  it("says when there is nobody to show", async () => {
    signIn(session("tok", userWithRole("developer")));
    routes({ "GET /api/end-users": () => jsonResponse(200, { data: [] }) });
    render(<EndUsersPage />);
    expect(await screen.findByText("No call named an end user this month, and nobody has limits of their own.")).toBeTruthy();
  });
});
