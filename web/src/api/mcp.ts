// The "Try a tool" calls: JSON-RPC over POST /mcp with an API key (docs/mcp.md).
// Without a progressToken the gateway answers each request with plain JSON, never SSE.
import { gatewayError } from "./chatStream";
import { ApiError } from "./error";
import { isNumber, isObject, isString, type Json } from "./guards";

const ENDPOINT = "/mcp";
const PROTOCOL_VERSION = "2025-06-18";

/** A session the gateway bound to one key by `initialize`. */
export interface McpSession {
  apiKey: string;
  sessionId: string;
  protocolVersion: string;
}

/** A tool the key may call, named `<server>__<tool>`. */
export interface McpTool {
  name: string;
  description: string | null;
}

export interface McpCallResult {
  /** The text content, joined; other kinds of content as JSON. */
  text: string;
  /** The tool (or the gateway on its behalf) reported a failure. */
  isError: boolean;
}

interface RpcAnswer {
  result: Json;
  sessionId: string | null;
}

let nextId = 1;

/** A JSON-RPC error object → ApiError: `data.code` (gateway refusals) or `rpc_<code>`. */
function rpcError(status: number, error: Json): ApiError {
  const message = isString(error.message) ? error.message : `JSON-RPC error ${String(error.code)}`;
  const data = isObject(error.data) ? error.data : {};
  const code = isString(data.code) ? data.code : isNumber(error.code) ? `rpc_${error.code}` : "rpc_error";
  return new ApiError(status, code, message, { rpc_code: error.code, ...data });
}

async function rpc(apiKey: string, method: string, params: Json, sessionId: string | null, signal?: AbortSignal): Promise<RpcAnswer> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    Authorization: `Bearer ${apiKey}`,
  };
  if (sessionId !== null) {
    headers["Mcp-Session-Id"] = sessionId;
    headers["Mcp-Protocol-Version"] = PROTOCOL_VERSION;
  }
  const id = nextId++;
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      credentials: "omit",
      ...(signal ? { signal } : {}),
    });
  } catch {
    if (signal?.aborted) throw new ApiError(0, "aborted", "Stopped.");
    throw new ApiError(0, "network_error", "Could not reach the gateway.");
  }
  const body: unknown = await response.json().catch(() => null);
  if (isObject(body) && isObject(body.error) && isString(body.error.message) && "jsonrpc" in body) throw rpcError(response.status, body.error);
  if (!response.ok) throw gatewayError(response.status, body);
  if (!isObject(body) || !isObject(body.result)) throw new ApiError(response.status, "invalid_response", "The gateway's answer is not a JSON-RPC result.");
  return { result: body.result, sessionId: response.headers.get("mcp-session-id") };
}

/** `initialize`: the session id every later request must send. */
export async function mcpInitialize(apiKey: string, signal?: AbortSignal): Promise<McpSession> {
  const answer = await rpc(
    apiKey,
    "initialize",
    { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "ai-aggregator-dashboard", version: "1" } },
    null,
    signal,
  );
  if (!answer.sessionId) throw new ApiError(200, "invalid_response", "The gateway sent no Mcp-Session-Id.");
  const version = isString(answer.result.protocolVersion) ? answer.result.protocolVersion : PROTOCOL_VERSION;
  return { apiKey, sessionId: answer.sessionId, protocolVersion: version };
}

/** `tools/list`: the tools the key may use (the gateway gathers every server's pages itself). */
export async function mcpListTools(session: McpSession, signal?: AbortSignal): Promise<McpTool[]> {
  const { result } = await rpc(session.apiKey, "tools/list", {}, session.sessionId, signal);
  const tools = Array.isArray(result.tools) ? result.tools : [];
  return tools
    .filter(isObject)
    .flatMap((tool) => (isString(tool.name) ? [{ name: tool.name, description: isString(tool.description) ? tool.description : null }] : []));
}

function contentText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content.map((item: unknown) => (isObject(item) && item.type === "text" && isString(item.text) ? item.text : JSON.stringify(item))).join("\n");
}

/** `tools/call`: the tool's text, or its failure as `isError` (a JSON-RPC error throws). */
export async function mcpCallTool(session: McpSession, name: string, args: Json, signal?: AbortSignal): Promise<McpCallResult> {
  const { result } = await rpc(session.apiKey, "tools/call", { name, arguments: args }, session.sessionId, signal);
  let text = contentText(result.content);
  if (text === "" && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent, null, 2);
  return { text, isError: result.isError === true };
}

/** The arguments textarea: a JSON object, or null when it is not one. Empty text is `{}`. */
export function parseToolArguments(text: string): Json | null {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
