import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, type Call, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { FakeSocket, stubWebSocket } from "../../test/socket";
import { call, page, row } from "./fixtures";
import LogsPage, { linkedRequest } from "./LogsPage";

const params = (c: Call) => Object.fromEntries(new URL(c.url, "http://x").searchParams);
const listCalls = (mock: ReturnType<typeof routes>) => allCalls(mock).filter((c) => c.url.startsWith("/api/requests?"));

function renderAt(path: string) {
  history.replaceState(null, "", path);
  render(
    <LocationProvider>
      <Router>
        <Route path="/logs" component={LogsPage} />
        <Route default component={() => <p>elsewhere</p>} />
      </Router>
    </LocationProvider>,
  );
}

function api(rows = [row("req_2"), row("req_1")]) {
  return routes({
    "GET /api/requests": () => jsonResponse(200, page(rows)),
    "GET /api/requests/req_1": () => jsonResponse(200, call()),
    "GET /api/requests/req_2": () => jsonResponse(200, call({ id: "req_2" })),
    "GET /api/keys": () => jsonResponse(200, { data: [{ id: "key_1", name: "prod", prefix: "sk-ab", revoked_at: null }] }),
    "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: "t", expires_in: 60, url: "/api/analytics/live?ticket=t" }),
  });
}

const dialog = () => document.querySelector("dialog") as HTMLDialogElement;

describe("linkedRequest", () => {
  it("takes a request id from ?request_id= and nothing else", () => {
    expect(linkedRequest({ request_id: "req_AbC123" })).toBe("req_AbC123");
    expect(linkedRequest({ request_id: "<script>" })).toBeNull();
    expect(linkedRequest({})).toBeNull();
  });
});

describe("the logs page", () => {
  it("lists the last day's calls and opens one, naming it in the address", async () => {
    signIn(session("tok"));
    const mock = api();
    renderAt("/logs");
    await screen.findByRole("button", { name: "Open req_1" });
    expect(params(listCalls(mock)[0]!)).toEqual({ limit: "50", last: "24h" });
    fireEvent.click(screen.getByRole("button", { name: "Open req_1" }));
    await waitFor(() => expect(location.search).toBe("?request_id=req_1"));
    await within(dialog()).findByRole("list", { name: "Attempts" });
    expect(dialog().hasAttribute("open")).toBe(true);
    fireEvent(dialog(), new Event("cancel", { cancelable: true }));
    await waitFor(() => expect(location.search).toBe(""));
  });

  it("opens straight to the call of a deep link, and lists just that call", async () => {
    signIn(session("tok"));
    const mock = api([row("req_1")]);
    renderAt("/logs?request_id=req_1");
    await within(dialog()).findByText("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(params(listCalls(mock)[0]!)).toEqual({ limit: "50", request_id: "req_1" });
    expect((screen.getByLabelText("Request id or trace id") as HTMLInputElement).value).toBe("req_1");
  });

  it("applies the filters on submit, and refuses an amount that is not dollars", async () => {
    signIn(session("tok"));
    const mock = api();
    renderAt("/logs");
    await screen.findByRole("button", { name: "Open req_1" });
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "5xx" } });
    fireEvent.input(screen.getByLabelText("Cost at least ($)"), { target: { value: "lots" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(await screen.findByText("Enter an amount in dollars, such as 0.05.")).toBeTruthy();
    expect(listCalls(mock)).toHaveLength(1);

    fireEvent.input(screen.getByLabelText("Cost at least ($)"), { target: { value: "0.5" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(listCalls(mock)).toHaveLength(2));
    expect(params(listCalls(mock)[1]!)).toEqual({ limit: "50", last: "24h", status: "5xx", min_cost_micros: "500000" });
    expect(screen.getByText("More filters (1 set)")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Reset" }));
    await waitFor(() => expect(listCalls(mock)).toHaveLength(3));
    expect(params(listCalls(mock)[2]!)).toEqual({ limit: "50", last: "24h" });
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("");
  });

  it("offers a custom range, and the tenant's keys to choose from", async () => {
    signIn(session("tok", userWithRole("viewer")));
    const mock = api();
    renderAt("/logs");
    const key = (await screen.findByRole("option", { name: "prod (sk-ab…)" })).closest("select") as HTMLSelectElement;
    expect(screen.queryByLabelText("From")).toBeNull();
    fireEvent.change(screen.getByLabelText("Time"), { target: { value: "custom" } });
    fireEvent.input(screen.getByLabelText("From"), { target: { value: "2026-12-01T08:00" } });
    fireEvent.change(key, { target: { value: "key_1" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(listCalls(mock)).toHaveLength(2));
    expect(params(listCalls(mock)[1]!)).toEqual({ limit: "50", from: new Date("2026-12-01T08:00").toISOString(), key_id: "key_1" });
  });

  it("following live reads the first page again and puts the new calls on top", async () => {
    signIn(session("tok"));
    stubWebSocket();
    let rows = [row("req_1")];
    const mock = routes({
      "GET /api/requests": () => jsonResponse(200, page(rows)),
      "GET /api/keys": () => jsonResponse(200, { data: [] }),
      "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: "t", expires_in: 60, url: "/api/analytics/live?ticket=t" }),
    });
    renderAt("/logs");
    await screen.findByRole("button", { name: "Open req_1" });
    rows = [row("req_2"), row("req_1")];
    fireEvent.click(screen.getByLabelText("Follow live"));
    await screen.findByRole("button", { name: "Open req_2" });
    expect(listCalls(mock)).toHaveLength(2);
    expect(screen.getAllByRole("button", { name: /^Open / }).map((b) => b.textContent)).toEqual(["Open req_2", "Open req_1"]);
    expect(screen.getByText("1 new calls")).toBeTruthy();
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(screen.getByTestId("live-status")).toBeTruthy();
  });

  it("tells a user without analytics:read that the page is not for them", () => {
    signIn(session("tok", userWithRole("nobody")));
    renderAt("/logs");
    expect(screen.getByText("Your role cannot see this page.")).toBeTruthy();
  });
});
