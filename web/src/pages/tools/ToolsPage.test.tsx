import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { McpServer } from "../../api/types";
import { signIn } from "../../stores/auth";
import { allCalls, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { KEYS, PLATFORM_SERVER, SERVER } from "./fixtures";
import ToolsPage from "./ToolsPage";

const card = (name: string) => screen.findByRole("article", { name });
const items = (list: HTMLElement) =>
  within(list)
    .getAllByRole("listitem")
    .map((li) => li.textContent);

function serve(extra: Parameters<typeof routes>[0] = {}) {
  return routes({ "GET /api/mcp/servers": () => jsonResponse(200, { data: [SERVER, PLATFORM_SERVER] }), ...extra });
}

describe("ToolsPage", () => {
  it("lists the servers with url, scope, allowlist, prices and header names, never values", async () => {
    signIn(session("tok"));
    serve();
    render(<ToolsPage />);
    const github = await card("github");
    expect(within(github).getByText("https://mcp.example.com/mcp")).toBeTruthy();
    expect(within(github).getByText("Own")).toBeTruthy();
    expect(within(github).getByText("Enabled")).toBeTruthy();
    const headers = within(github).getByRole("list", { name: "Headers" });
    expect(
      within(headers)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["Authorization"]);
    expect(github.textContent).not.toContain("Bearer");
    const offered = within(github).getByRole("list", { name: "Tools offered" });
    expect(
      within(offered)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["search_repositories", "get_issue"]);
    const prices = within(github).getByRole("list", { name: "Price per call" });
    expect(
      within(prices)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["search_repositories · $0.001", "any other · $0.00"]);

    const docs = await card("docs");
    expect(within(docs).getByText("Platform")).toBeTruthy();
    expect(within(docs).getByText("All the server lists")).toBeTruthy();
    expect(within(docs).getByText("Free")).toBeTruthy();
    expect(within(docs).getByText("None")).toBeTruthy();
    // A platform server is the operator's to change.
    expect(within(docs).queryByRole("button")).toBeNull();
    expect(within(github).getByRole("button", { name: "Edit" })).toBeTruthy();
  });

  it("creates a server: headers as an object, tools null when empty, prices in micro-dollars", async () => {
    signIn(session("tok"));
    const created: McpServer = { ...SERVER, id: "mcp_3", name: "search", tools: null };
    const fetchMock = serve({ "POST /api/mcp/servers": () => jsonResponse(201, created) });
    render(<ToolsPage />);
    await card("github");
    fireEvent.click(screen.getByRole("button", { name: "Add server" }));
    const dialog = await screen.findByRole("dialog", { name: "Add an MCP server" });
    expect(within(dialog).queryByLabelText("Scope")).toBeNull();
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "search" } });
    fireEvent.input(within(dialog).getByLabelText("URL"), { target: { value: "https://search.example.com/mcp" } });
    fireEvent.input(within(dialog).getByLabelText("Headers"), { target: { value: "Authorization: Bearer s3cret\nX-Team: core" } });
    fireEvent.input(within(dialog).getByLabelText("Prices per call"), { target: { value: "search = 0.0025\n* = 0" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add server" }));

    await screen.findByRole("article", { name: "search" });
    const post = allCalls(fetchMock).find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      name: "search",
      url: "https://search.example.com/mcp",
      transport: "streamable-http",
      headers: { Authorization: "Bearer s3cret", "X-Team": "core" },
      tools: null,
      tool_prices: { search: 2500, "*": 0 },
      enabled: true,
      scope: "tenant",
    });
  });

  it("creates a server for an older HTTP+SSE endpoint when asked", async () => {
    signIn(session("tok"));
    const created: McpServer = { ...SERVER, id: "mcp_3", name: "legacy", transport: "sse" };
    const fetchMock = serve({ "POST /api/mcp/servers": () => jsonResponse(201, created) });
    render(<ToolsPage />);
    await card("github");
    fireEvent.click(screen.getByRole("button", { name: "Add server" }));
    const dialog = await screen.findByRole("dialog", { name: "Add an MCP server" });
    const transport = within(dialog).getByLabelText<HTMLSelectElement>("Transport");
    expect(transport.value).toBe("streamable-http");
    expect([...transport.options].map((o) => o.textContent)).toEqual(["Streamable HTTP", "HTTP+SSE (older servers)"]);
    expect(within(dialog).getByText("HTTP+SSE servers get a fresh session for every call.")).toBeTruthy();
    fireEvent.change(transport, { target: { value: "sse" } });
    expect(within(dialog).getByText(/event stream \(SSE\) endpoint/)).toBeTruthy();
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "legacy" } });
    fireEvent.input(within(dialog).getByLabelText("URL"), { target: { value: "https://legacy.example.com/sse" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add server" }));

    const legacy = await card("legacy");
    expect(within(legacy).getByText("HTTP+SSE")).toBeTruthy();
    expect(allCalls(fetchMock).find((c) => c.method === "POST")?.body).toMatchObject({ name: "legacy", transport: "sse" });
  });

  it("explains invalid lines instead of sending them", async () => {
    signIn(session("tok"));
    const fetchMock = serve();
    render(<ToolsPage />);
    await card("github");
    fireEvent.click(screen.getByRole("button", { name: "Add server" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "a__b" } });
    fireEvent.input(within(dialog).getByLabelText("URL"), { target: { value: "https://x.example.com/mcp" } });
    fireEvent.input(within(dialog).getByLabelText("Headers"), { target: { value: "no colon here" } });
    fireEvent.input(within(dialog).getByLabelText("Prices per call"), { target: { value: "search = lots" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add server" }));
    expect(await within(dialog).findByText(/without “__”/)).toBeTruthy();
    expect(within(dialog).getByLabelText("Headers").getAttribute("aria-invalid")).toBe("true");
    expect(within(dialog).getByLabelText("Prices per call").getAttribute("aria-invalid")).toBe("true");
    expect(allCalls(fetchMock).filter((c) => c.method === "POST")).toEqual([]);
  });

  it("edits without sending headers unless typed, and removes them only when asked", async () => {
    signIn(session("tok"));
    const fetchMock = serve({ "PATCH /api/mcp/servers/mcp_1": (c) => jsonResponse(200, { ...SERVER, ...(c.body as object) }) });
    render(<ToolsPage />);
    fireEvent.click(within(await card("github")).getByRole("button", { name: "Edit" }));
    let dialog = await screen.findByRole("dialog", { name: "Edit github" });
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>("Headers").value).toBe("");
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>("Prices per call").value).toBe("search_repositories = 0.001\n* = 0");
    fireEvent.input(within(dialog).getByLabelText("Tools offered"), { target: { value: "" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const patches = () => allCalls(fetchMock).filter((c) => c.method === "PATCH");
    expect(patches()[0]?.body).toEqual({
      name: "github",
      url: "https://mcp.example.com/mcp",
      tools: null,
      tool_prices: { search_repositories: 1000, "*": 0 },
      enabled: true,
    });

    fireEvent.click(within(await card("github")).getByRole("button", { name: "Edit" }));
    dialog = await screen.findByRole("dialog", { name: "Edit github" });
    fireEvent.click(within(dialog).getByLabelText("Remove the stored headers"));
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>("Headers").disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(patches()).toHaveLength(2));
    expect(patches()[1]?.body).toMatchObject({ headers: null });
  });

  it("sends the transport on edit only when it changed", async () => {
    signIn(session("tok"));
    const fetchMock = serve({ "PATCH /api/mcp/servers/mcp_1": (c) => jsonResponse(200, { ...SERVER, ...(c.body as object) }) });
    render(<ToolsPage />);
    const github = await card("github");
    expect(within(github).queryByText("HTTP+SSE")).toBeNull();
    fireEvent.click(within(github).getByRole("button", { name: "Edit" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit github" });
    const transport = within(dialog).getByLabelText<HTMLSelectElement>("Transport");
    expect(transport.value).toBe("streamable-http");
    fireEvent.change(transport, { target: { value: "sse" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(allCalls(fetchMock).find((c) => c.method === "PATCH")?.body).toMatchObject({ transport: "sse" });
    expect(within(await card("github")).getByText("HTTP+SSE")).toBeTruthy();
  });

  it("shows on each server the keys whose MCP tools name it, and which tools", async () => {
    signIn(session("tok"));
    serve({ "GET /api/keys": () => jsonResponse(200, { data: KEYS }) });
    render(<ToolsPage />);
    const github = await card("github");
    // A revoked key, and one naming only another server, are left out.
    expect(items(await within(github).findByRole("list", { name: "Keys that may use it" }))).toEqual([
      "CI · search_repositories, get_issue",
      "Agent · all tools",
    ]);
    const docs = await card("docs");
    expect(items(within(docs).getByRole("list", { name: "Keys that may use it" }))).toEqual(["Docs bot · all tools"]);
    expect(within(docs).getByText("HTTP+SSE")).toBeTruthy();
  });

  it("says when no key may use a server, and where to give it one", async () => {
    signIn(session("tok"));
    serve({ "GET /api/keys": () => jsonResponse(200, { data: KEYS.filter((k) => k.name === "CI") }) });
    render(<ToolsPage />);
    const docs = await card("docs");
    expect(await within(docs).findByText("No key may use it yet")).toBeTruthy();
    expect(within(docs).getByText("A key's MCP tools are set on the API keys page.")).toBeTruthy();
    expect(within(docs).queryByRole("list", { name: "Keys that may use it" })).toBeNull();
  });

  it("leaves the keys out when they fail to load, without an error", async () => {
    signIn(session("tok"));
    const fetchMock = serve({ "GET /api/keys": () => jsonResponse(500, { error: { code: "internal", message: "Boom." } }) });
    render(<ToolsPage />);
    const github = await card("github");
    await waitFor(() => expect(allCalls(fetchMock).some((c) => c.url === "/api/keys")).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(within(github).queryByText("Keys that may use it")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByText("Boom.")).toBeNull();
  });

  it("does not ask for the keys without keys:read", async () => {
    signIn(session("tok", userWithRole("guest")));
    const fetchMock = serve({ "GET /api/keys": () => jsonResponse(200, { data: KEYS }) });
    render(<ToolsPage />);
    const github = await card("github");
    expect(within(github).queryByText("Keys that may use it")).toBeNull();
    expect(allCalls(fetchMock).map((c) => c.url)).toEqual(["/api/mcp/servers"]);
  });

  it("tests a server and shows the tools it lists, or the failure", async () => {
    signIn(session("tok"));
    let ok = true;
    serve({
      "POST /api/mcp/servers/mcp_1/test": () =>
        jsonResponse(
          200,
          ok
            ? {
                ok: true,
                latency_ms: 42,
                tools: [
                  { name: "search_repositories", description: "Search GitHub" },
                  { name: "get_issue", description: null },
                ],
              }
            : { ok: false, latency_ms: 7, error: "The server refused the session." },
        ),
    });
    render(<ToolsPage />);
    const github = await card("github");
    fireEvent.click(within(github).getByRole("button", { name: "Test" }));
    const status = await within(github).findByRole("status");
    expect(status.textContent).toContain("Reachable");
    expect(status.textContent).toContain("42 ms");
    const listed = within(status).getByRole("list", { name: "Tools the server lists" });
    expect(
      within(listed)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["search_repositories — Search GitHub", "get_issue"]);

    ok = false;
    fireEvent.click(within(github).getByRole("button", { name: "Test" }));
    await waitFor(() => expect(within(github).getByRole("status").textContent).toContain("The server refused the session."));
    expect(within(github).getByRole("status").textContent).toContain("Failed");
  });

  it("deletes a server only after confirmation", async () => {
    signIn(session("tok"));
    const fetchMock = serve({ "DELETE /api/mcp/servers/mcp_1": () => jsonResponse(200, SERVER) });
    render(<ToolsPage />);
    fireEvent.click(within(await card("github")).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete github?" });
    expect(allCalls(fetchMock).filter((c) => c.method === "DELETE")).toEqual([]);
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "github" })).toBeNull());
    expect(
      allCalls(fetchMock)
        .filter((c) => c.method === "DELETE")
        .map((c) => c.url),
    ).toEqual(["/api/mcp/servers/mcp_1"]);
  });

  it("offers the operator the platform scope and the platform server's actions", async () => {
    signIn(session("tok", userWithRole("owner", true)));
    serve();
    render(<ToolsPage />);
    expect(within(await card("docs")).getByRole("button", { name: "Edit" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add server" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByLabelText("Scope")).toBeTruthy();
  });

  it("shows a viewer the servers but no Add, Edit, Delete or Test", async () => {
    signIn(session("tok", userWithRole("viewer")));
    serve();
    render(<ToolsPage />);
    const github = await card("github");
    expect(within(github).queryByRole("button")).toBeNull();
    expect(screen.queryByRole("button", { name: "Add server" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    expect(screen.getByRole("heading", { name: "Try a tool" })).toBeTruthy();
  });

  it("says so when there are no servers", async () => {
    signIn(session("tok"));
    routes({ "GET /api/mcp/servers": () => jsonResponse(200, { data: [] }) });
    render(<ToolsPage />);
    expect(await screen.findByText("No MCP servers yet.")).toBeTruthy();
  });
});
