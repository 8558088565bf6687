// The mock MCP servers (test/mocks/mcp-servers.ts), reached straight from workerd: what a gateway
// under test sees when it proxies to them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const mock = (path: string) => `http://127.0.0.1:${env.MCP_MOCK_PORT}${path}`;

const initialize = (clientName: string, headers: Record<string, string> = {}) =>
  fetch(mock("/alpha/mcp"), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: clientName, version: "1" } },
    }),
  });

describe("the mock MCP servers", () => {
  it("open a session on initialize with the right credential, and record the request", async () => {
    const clientName = `mcp-mocks-${crypto.randomUUID()}`;
    const res = await initialize(clientName, { authorization: "Bearer alpha-secret" });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toContain('"name":"alpha"');

    const log = await (await fetch(mock("/__requests"))).json<{ path: string; headers: Record<string, string>; body: unknown }[]>();
    const seen = log.find((r) => JSON.stringify(r.body).includes(clientName));
    expect(seen).toMatchObject({ path: "/alpha/mcp", headers: { authorization: "Bearer alpha-secret" } });
  });

  it("refuse a request without the credential", async () => {
    const res = await initialize("no-key");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 } });
  });

  it("answer garbage at /garbage/mcp", async () => {
    const res = await fetch(mock("/garbage/mcp"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe("not json {");
  });
});
