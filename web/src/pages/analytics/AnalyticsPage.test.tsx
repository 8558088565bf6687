import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { LocationProvider, Route, Router } from "preact-iso/router";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session } from "../../test/fetch";
import { FakeSocket, hello, stubWebSocket, update } from "../../test/socket";
import AnalyticsPage from "./AnalyticsPage";
import { report } from "./fixtures";

const charts: { labels: readonly string[]; columns: readonly (readonly (number | null)[])[] }[] = [];
vi.mock("../../components/chart/uplotChart", () => ({
  createChart: (_host: HTMLElement, _x: readonly number[], columns: readonly (readonly (number | null)[])[], setup: { labels: readonly string[] }) => {
    const chart = { labels: setup.labels, columns };
    charts.push(chart);
    return {
      setData: (_: readonly number[], next: readonly (readonly (number | null)[])[]) => (chart.columns = next),
      setSize: () => undefined,
      destroy: () => undefined,
    };
  },
}));

function renderAt(path: string) {
  history.replaceState(null, "", path);
  render(
    <LocationProvider>
      <Router>
        <Route path="/analytics" component={AnalyticsPage} />
        <Route default component={() => <p>elsewhere</p>} />
      </Router>
    </LocationProvider>,
  );
}

const api = (over: Parameters<typeof report>[0] = {}) =>
  routes({
    "GET /api/analytics": (c) => {
      const group = new URL(c.url, "http://x").searchParams.get("group_by");
      return jsonResponse(200, report(group ? { group_by: group, series: [], ...over } : over));
    },
    "POST /api/analytics/live/ticket": () => jsonResponse(201, { ticket: "t", expires_in: 60, url: "/api/analytics/live?ticket=t" }),
    "GET /api/analytics/export": () =>
      new Response("id,created_at\r\nreq_1,2026-11-24T10:00:00.000Z\r\n", { status: 200, headers: { "content-type": "text/csv" } }),
  });

describe("analytics page", () => {
  beforeEach(() => {
    charts.length = 0;
    signIn(session("tok"));
  });

  it("shows the chart, the totals and the breakdowns for the last 24 hours", async () => {
    const fetchMock = api();
    renderAt("/analytics");
    expect(await screen.findByTestId("total-requests")).toBeTruthy();
    expect(screen.getByTestId("total-requests").textContent).toBe("6");
    const first = allCalls(fetchMock).find((c) => c.url.startsWith("/api/analytics?"));
    expect(first?.url).toBe("/api/analytics?last=24h&interval=hour");
    expect(screen.getByRole("rowheader", { name: "upstream_error" })).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "demo/echo" })).toBeTruthy();
    expect(screen.getByText("25 ms")).toBeTruthy(); // p99
    await waitFor(() => expect(charts).toHaveLength(1));
    expect(charts[0]?.labels).toEqual(["Requests"]);
    expect(charts[0]?.columns).toEqual([[1, 0, 5]]);
    expect(screen.getByRole("img", { name: /Requests: a chart of 3 points/ })).toBeTruthy();
  });

  it("breaks the spend down by token class and shows what caching saved", async () => {
    api();
    renderAt("/analytics");
    const card = await screen.findByRole("region", { name: "Spend by token class" });
    const row = (name: string) => [...within(card).getByRole("rowheader", { name }).parentElement!.querySelectorAll("td")].map((td) => td.textContent);
    // Cached and cache-write tokens come out of the 12 input tokens, reasoning out of the 18 output.
    expect(row("Input")).toEqual(["6", "$0.001", "16.7%"]);
    expect(row("Cached input (cache reads)")).toEqual(["4", "$0.0002", "3.3%"]);
    expect(row("Cache writes")).toEqual(["2", "$0.0003", "5%"]);
    expect(row("Output")).toEqual(["15", "$0.0035", "58.3%"]);
    expect(row("Reasoning")).toEqual(["3", "$0.001", "16.7%"]);
    expect(within(card).getByTestId("cache-saved").textContent).toBe("Caching saved $0.0018");
  });

  it("lists the top end users by spend, or says that no call named one", async () => {
    api();
    renderAt("/analytics");
    const card = await screen.findByRole("region", { name: "Top end users" });
    const cells = [...within(card).getByRole("rowheader", { name: "alice@example.com" }).parentElement!.querySelectorAll("td")].map((td) => td.textContent);
    expect(cells.slice(0, 3)).toEqual(["4", "20", "$0.004"]);
    expect(cells[3]).toMatch(/2026/);
    expect(
      within(card)
        .getAllByRole("rowheader")
        .map((th) => th.textContent),
    ).toEqual(["alice@example.com", "bob"]);
    cleanup();

    api({ top_users: [] });
    renderAt("/analytics?range=1h&interval=minute");
    const empty = await screen.findByRole("region", { name: "Top end users" });
    expect(within(empty).getByText("No calls named an end user in this range.")).toBeTruthy();
  });

  it("asks again when the grouping changes, and keeps the choice in the URL", async () => {
    const fetchMock = api();
    renderAt("/analytics?range=1h&interval=minute");
    await screen.findByTestId("total-requests");
    fireEvent.change(screen.getByLabelText("Split by"), { target: { value: "model" } });
    await waitFor(() => expect(allCalls(fetchMock).some((c) => c.url === "/api/analytics?last=1h&interval=minute&group_by=model")).toBe(true));
    expect(new URLSearchParams(location.search).get("group")).toBe("model");
  });

  it("refuses a backwards custom range without asking the server", async () => {
    const fetchMock = api();
    renderAt("/analytics?range=custom&from=2026-11-03T00:00&to=2026-11-01T00:00&interval=hour");
    expect((await screen.findByRole("alert")).textContent).toBe("Choose a start before the end.");
    expect(allCalls(fetchMock).filter((c) => c.url.startsWith("/api/analytics?"))).toHaveLength(0);
  });

  it("adds live updates to the totals while live mode is on", async () => {
    stubWebSocket();
    api();
    renderAt("/analytics?range=1h&interval=minute&live=1");
    await screen.findByTestId("total-requests");
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    socket.open();
    socket.receive(hello(new Date().toISOString()));
    expect((await screen.findByTestId("live-status")).textContent).toContain("Live");
    socket.receive(update(4, new Date().toISOString()));
    await waitFor(() => expect(screen.getByTestId("total-requests").textContent).toBe("10"));
  });

  it("downloads the export with the access token, as a file", async () => {
    const fetchMock = api();
    const created = vi.spyOn(URL, "createObjectURL").mockReturnValue("blob:export");
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    renderAt("/analytics?range=7d&interval=hour");
    await screen.findByTestId("total-requests");
    fireEvent.click(screen.getByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(clicks).toHaveLength(1));
    const sent = allCalls(fetchMock).find((c) => c.url.startsWith("/api/analytics/export"));
    expect(sent?.url).toBe("/api/analytics/export?format=csv&last=7d");
    expect(sent?.headers.get("Authorization")).toBe("Bearer tok");
    expect(sent?.headers.get("Accept")).toBe("text/csv");
    expect(sent?.url).not.toContain("token=");
    expect(clicks[0]).toMatch(/^usage-last-7d-.*\.csv$/);
    expect(created).toHaveBeenCalledOnce();
  });
});
