// JSON-RPC 2.0 as MCP uses it: one message per POST (MCP dropped batches), requests with an id,
// notifications without; errors with the standard codes.
export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Ours: the gateway refused the call (no credit, a rate limit, an unreachable server). */
  refused: -32000,
} as const;

export const rpcResult = (id: JsonRpcId, result: unknown) => ({ jsonrpc: "2.0" as const, id, result });

export const rpcError = (id: JsonRpcId | null, code: number, message: string, data?: Record<string, unknown>) => ({
  jsonrpc: "2.0" as const,
  id,
  error: { code, message, ...(data ? { data } : {}) },
});

export class RpcError extends Error {
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: number, message: string, data?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const isId = (v: unknown): v is JsonRpcId => typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

/** One JSON-RPC request or notification from a body; an RpcError (parse error, invalid request) otherwise. */
export function parseRequest(text: string): JsonRpcRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RpcError(RPC.parseError, "Parse error: the body is not JSON.");
  }
  if (Array.isArray(value)) throw new RpcError(RPC.invalidRequest, "Batches are not supported: send one JSON-RPC message per request.");
  if (typeof value !== "object" || value === null) throw new RpcError(RPC.invalidRequest, "A JSON-RPC message is an object.");
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") throw new RpcError(RPC.invalidRequest, "'jsonrpc' must be \"2.0\".");
  if (typeof m.method !== "string" || m.method.length === 0 || m.method.length > 128) throw new RpcError(RPC.invalidRequest, "'method' must be a string.");
  if (m.id !== undefined && !isId(m.id)) throw new RpcError(RPC.invalidRequest, "'id' must be a string or a number.");
  if (m.params !== undefined && (typeof m.params !== "object" || m.params === null || Array.isArray(m.params))) {
    throw new RpcError(RPC.invalidParams, "'params' must be an object.");
  }
  return {
    jsonrpc: "2.0",
    method: m.method,
    ...(m.id !== undefined ? { id: m.id as JsonRpcId } : {}),
    ...(m.params ? { params: m.params as Record<string, unknown> } : {}),
  };
}
