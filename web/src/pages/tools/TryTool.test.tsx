import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { signIn } from "../../stores/auth";
import { allCalls, type Call, jsonResponse, routes, session, userWithRole } from "../../test/fetch";
import { playgroundKey } from "../diagnostics/playgroundKey";
import { TryTool } from "./TryTool";

const TOOLS = [
  { name: "github__search_repositories", description: "Search GitHub", inputSchema: { type: "object" } },
  { name: "docs__lookup", inputSchema: { type: "object" } },
];

function mcpServer(call: (c: Call) => Response) {
  return routes({
    "POST /mcp": (c) => {
      const req = c.body as { id: number; method: string };
      if (req.method === "initialize")
        return jsonResponse(200, { jsonrpc: "2.0", id: req.id, result: { protocolVersion: "2025-06-18", capabilities: {} } }, { "mcp-session-id": "sess-1" });
      if (req.method === "tools/list") return jsonResponse(200, { jsonrpc: "2.0", id: req.id, result: { tools: TOOLS } });
      return call(c);
    },
  });
}

function setup(key = "") {
  signIn(session("tok", userWithRole("viewer")));
  playgroundKey.value = key;
  render(<TryTool />);
}

describe("Try a tool", () => {
  it("initializes, lists the key's tools and calls one with the session id", async () => {
    setup();
    const fetchMock = mcpServer((c) => {
      const req = c.body as { id: number };
      return jsonResponse(200, { jsonrpc: "2.0", id: req.id, result: { content: [{ type: "text", text: "3 repositories found" }], isError: false } });
    });
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "List tools" }).disabled).toBe(true);
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: " sk-agg-test " } });
    expect(playgroundKey.value).toBe("sk-agg-test");
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));

    const select = await screen.findByLabelText<HTMLSelectElement>("Tool");
    expect([...select.options].map((o) => o.value)).toEqual(["github__search_repositories", "docs__lookup"]);
    expect(screen.getByText("Search GitHub")).toBeTruthy();
    fireEvent.input(screen.getByLabelText("Arguments (JSON)"), { target: { value: '{"query": "mcp"}' } });
    fireEvent.click(screen.getByRole("button", { name: "Call" }));

    await waitFor(() => expect(screen.getByTestId("tool-result").textContent).toBe("3 repositories found"));
    const calls = allCalls(fetchMock);
    expect(calls.map((c) => (c.body as { method: string }).method)).toEqual(["initialize", "tools/list", "tools/call"]);
    for (const c of calls) {
      expect(c.url).toBe("/mcp");
      expect(c.headers.get("Authorization")).toBe("Bearer sk-agg-test");
      expect(c.headers.get("Content-Type")).toBe("application/json");
      expect(c.headers.get("Accept")).toBe("application/json, text/event-stream");
    }
    expect(calls[0]?.headers.get("Mcp-Session-Id")).toBeNull();
    expect(calls[1]?.headers.get("Mcp-Session-Id")).toBe("sess-1");
    expect(calls[2]?.headers.get("Mcp-Session-Id")).toBe("sess-1");
    expect(calls[2]?.body).toMatchObject({
      jsonrpc: "2.0",
      method: "tools/call",
      params: { name: "github__search_repositories", arguments: { query: "mcp" } },
    });
    expect(screen.queryByText("The tool reported an error (isError).")).toBeNull();
  });

  it("uses the playground's key when there is one, without asking for it", async () => {
    setup("sk-agg-playground");
    const fetchMock = mcpServer(() => jsonResponse(500, {}));
    expect(screen.queryByLabelText("API key")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));
    await screen.findByLabelText("Tool");
    expect(allCalls(fetchMock)[0]?.headers.get("Authorization")).toBe("Bearer sk-agg-playground");
    fireEvent.click(screen.getByRole("button", { name: "Use another key" }));
    expect(screen.getByLabelText<HTMLInputElement>("API key").value).toBe("sk-agg-playground");
  });

  it("refuses arguments that are not a JSON object, without calling", async () => {
    setup("sk-agg-test");
    const fetchMock = mcpServer(() => jsonResponse(500, {}));
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));
    const args = await screen.findByLabelText("Arguments (JSON)");
    for (const text of ["{query: mcp}", "[1, 2]"]) {
      fireEvent.input(args, { target: { value: text } });
      fireEvent.click(screen.getByRole("button", { name: "Call" }));
      expect(await screen.findByText('The arguments must be a JSON object, e.g. {} or {"query": "mcp"}.')).toBeTruthy();
      expect(args.getAttribute("aria-invalid")).toBe("true");
    }
    expect(allCalls(fetchMock)).toHaveLength(2);
  });

  it("shows a tool's failure as isError, and a JSON-RPC error's message", async () => {
    setup("sk-agg-test");
    let answer: "isError" | "rpc" = "isError";
    mcpServer((c) => {
      const { id } = c.body as { id: number };
      return answer === "isError"
        ? jsonResponse(200, { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "The server did not answer in time." }], isError: true } })
        : jsonResponse(200, { jsonrpc: "2.0", id, error: { code: -32602, message: "Unknown tool: github__search_repositories" } });
    });
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));
    await screen.findByLabelText("Tool");
    fireEvent.click(screen.getByRole("button", { name: "Call" }));
    expect(await screen.findByText("The tool reported an error (isError).")).toBeTruthy();
    expect(screen.getByTestId("tool-result").textContent).toBe("The server did not answer in time.");

    answer = "rpc";
    fireEvent.click(screen.getByRole("button", { name: "Call" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Unknown tool: github__search_repositories");
    expect(screen.queryByTestId("tool-result")).toBeNull();
  });

  it("says when the key may use no tools, and shows a refused key's error", async () => {
    setup("sk-agg-test");
    let refuse = false;
    routes({
      "POST /mcp": (c) => {
        const req = c.body as { id: number; method: string };
        if (refuse) return jsonResponse(401, { error: { message: "Invalid API key.", type: "invalid_request_error", code: "invalid_api_key" } });
        if (req.method === "initialize") return jsonResponse(200, { jsonrpc: "2.0", id: req.id, result: {} }, { "mcp-session-id": "s" });
        return jsonResponse(200, { jsonrpc: "2.0", id: req.id, result: { tools: [] } });
      },
    });
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));
    expect(await screen.findByText(/This key may use no tools/)).toBeTruthy();

    refuse = true;
    fireEvent.click(screen.getByRole("button", { name: "List tools" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("401 · invalid_api_key")).toBeTruthy();
    expect(alert.textContent).toContain("Invalid API key.");
  });
});
