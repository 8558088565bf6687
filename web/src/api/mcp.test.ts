import { describe, expect, it } from "vitest";
import { fetchCall, jsonResponse, stubFetch } from "../test/fetch";
import { ApiError } from "./error";
import { mcpCallTool, mcpInitialize, mcpListTools, parseToolArguments } from "./mcp";

const SESSION = { apiKey: "sk-agg-k", sessionId: "sess-9", protocolVersion: "2025-06-18" };

describe("mcp client", () => {
  it("initialize returns the session id bound to the key and the negotiated version", async () => {
    const fetchMock = stubFetch(async () =>
      jsonResponse(200, { jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-03-26" } }, { "Mcp-Session-Id": "sess-1" }),
    );
    expect(await mcpInitialize("sk-agg-k")).toEqual({ apiKey: "sk-agg-k", sessionId: "sess-1", protocolVersion: "2025-03-26" });
    const sent = fetchCall(fetchMock);
    expect(sent.init.method).toBe("POST");
    expect(sent.init.credentials).toBe("omit");
    expect(sent.body).toMatchObject({ jsonrpc: "2.0", method: "initialize", params: { protocolVersion: "2025-06-18" } });
  });

  it("refuses an initialize without a session id", async () => {
    stubFetch(async () => jsonResponse(200, { jsonrpc: "2.0", id: 1, result: {} }));
    await expect(mcpInitialize("k")).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("lists tools, keeping names and descriptions", async () => {
    stubFetch(async () => jsonResponse(200, { jsonrpc: "2.0", id: 2, result: { tools: [{ name: "a__x", description: "X" }, { name: "b__y" }, { bad: 1 }] } }));
    expect(await mcpListTools(SESSION)).toEqual([
      { name: "a__x", description: "X" },
      { name: "b__y", description: null },
    ]);
  });

  it("joins text content and shows other content as JSON", async () => {
    const content = [
      { type: "text", text: "one" },
      { type: "image", data: "AAAA", mimeType: "image/png" },
    ];
    stubFetch(async () => jsonResponse(200, { jsonrpc: "2.0", id: 3, result: { content, isError: true } }));
    expect(await mcpCallTool(SESSION, "a__x", {})).toEqual({ text: `one\n${JSON.stringify(content[1])}`, isError: true });
  });

  it("turns a gateway refusal (-32000) into an ApiError with its data.code", async () => {
    stubFetch(async () =>
      jsonResponse(429, {
        jsonrpc: "2.0",
        id: 4,
        error: { code: -32000, message: "Rate limit reached.", data: { code: "rate_limit_exceeded", retry_after: 3 } },
      }),
    );
    const error = await mcpCallTool(SESSION, "a__x", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limit_exceeded", message: "Rate limit reached.", details: { rpc_code: -32000, retry_after: 3 } });
  });

  it("names a plain JSON-RPC error by its number, and a network failure as such", async () => {
    stubFetch(async () => jsonResponse(200, { jsonrpc: "2.0", id: 5, error: { code: -32602, message: "Unknown tool: z" } }));
    await expect(mcpCallTool(SESSION, "z", {})).rejects.toMatchObject({ code: "rpc_-32602", message: "Unknown tool: z" });
    stubFetch(async () => {
      throw new TypeError("offline");
    });
    await expect(mcpListTools(SESSION)).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("parses arguments: a JSON object, empty as {}, anything else null", () => {
    expect(parseToolArguments('{"q": 1}')).toEqual({ q: 1 });
    expect(parseToolArguments("  ")).toEqual({});
    expect(parseToolArguments("[1]")).toBeNull();
    expect(parseToolArguments("null")).toBeNull();
    expect(parseToolArguments("{q: 1}")).toBeNull();
  });
});
