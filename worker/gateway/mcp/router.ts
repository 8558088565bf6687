// /mcp: one Streamable HTTP MCP endpoint for all of a key's tool servers. initialize answers for
// the gateway itself (its session id bound to the key: session.ts); tools/list gathers every
// server's tools the key may use, named `<server>__<tool>`; tools/call is admitted by the
// tenant's gate (its price reserved, its server/tool caps applied), routed to its server, and
// booked and logged like a model call. Progress from the server streams back as events. A
// server that keeps failing has its circuit opened, as a provider does, and is skipped a while.
import type { Context } from "hono";
import { Hono } from "hono";
import { AppError } from "../../core/errors.ts";
import { log } from "../../core/logger.ts";
import type { AppEnv } from "../../env.ts";
import { authenticateKey } from "../auth.ts";
import { book } from "../books.ts";
import { breakers } from "../breaker.ts";
import { admit } from "../gate.ts";
import { refuseLoops } from "../hops.ts";
import { encodeSse } from "../sse.ts";
import { UpstreamError } from "../upstream.ts";
import { forgetSessionsOf, PROTOCOL_VERSION, request, type ServerMessage } from "./client.ts";
import { type JsonRpcId, type JsonRpcRequest, parseRequest, RPC, RpcError, rpcError, rpcResult } from "./jsonrpc.ts";
import { isSessionOf, newSessionId } from "./session.ts";
import { keyMayUse, type McpServer, SEPARATOR, serverOffers, serversFor, splitToolName, toolPrice } from "./tools.ts";

const SUPPORTED_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"];
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const LIST_TIMEOUT_MS = 15_000;
const MAX_PAGES = 10;

type Ctx = Context<AppEnv>;

/** Whose upstream sessions a request uses: its client session's (each client keeps its own state at a server). */
const sessionOwner = (c: Ctx) => `${c.var.apiKey.id}:${c.req.header("mcp-session-id") ?? ""}`;

const callTimeout = (c: Ctx) => Number(c.env.MCP_CALL_TIMEOUT_MS) || DEFAULT_CALL_TIMEOUT_MS;

function initializeResult(params: Record<string, unknown> | undefined) {
  const asked = typeof params?.protocolVersion === "string" ? params.protocolVersion : PROTOCOL_VERSION;
  return {
    protocolVersion: SUPPORTED_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSION,
    capabilities: { tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false } },
    serverInfo: { name: "ai-aggregator", version: "1" },
    instructions: `The tools of your MCP servers, each named <server>${SEPARATOR}<tool>.`,
  };
}

type Listing = "tools" | "prompts" | "resources";

/** Whether the key may see this item: tools and prompts by name; resources only with all of the server's (`<server>__*`). */
function mayList(c: Ctx, server: McpServer, what: Listing, name: string): boolean {
  const key = c.var.apiKey;
  if (what === "resources") return key.mcpTools.includes(`${server.record.name}${SEPARATOR}*`);
  return (what === "prompts" || serverOffers(server.record, name)) && keyMayUse(key, server.record.name, name);
}

/** Every tool, prompt or resource of one server the key may use, renamed; none when the server cannot be listed (logged). */
async function serverItems(c: Ctx, server: McpServer, what: Listing): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: unknown;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await request(server.target, sessionOwner(c), `${what}/list`, cursor ? { cursor } : undefined, {
        timeoutMs: Math.min(LIST_TIMEOUT_MS, callTimeout(c)),
        hops: c.var.upstreamHops,
      });
      const items = Array.isArray(answer.result?.[what]) ? (answer.result[what] as Record<string, unknown>[]) : [];
      // Resources are named by their URI, which is what a client reads them by.
      const field = what === "resources" ? "uri" : "name";
      for (const item of items) {
        const name = typeof item[field] === "string" ? item[field] : "";
        if (name && mayList(c, server, what, name)) out.push({ ...item, [field]: `${server.record.name}${SEPARATOR}${name}` });
      }
      cursor = answer.result?.nextCursor;
      if (typeof cursor !== "string" || cursor === "") break;
    }
  } catch (error) {
    log("warn", `MCP server's ${what} not listed`, { server: server.record.name, error: String(error) });
  }
  return out;
}

async function list(c: Ctx, what: Listing) {
  const servers = [...(await serversFor(c.env, c.var.apiKey)).values()];
  return { [what]: (await Promise.all(servers.map((s) => serverItems(c, s, what)))).flat() };
}

/** prompts/get and resources/read: routed like a tool call, named and allowed the same way; not metered (no tool runs). */
async function getItem(c: Ctx, req: JsonRpcRequest, what: "prompts" | "resources"): Promise<unknown> {
  const id = req.id as JsonRpcId;
  const field = what === "resources" ? "uri" : "name";
  const name = typeof req.params?.[field] === "string" ? (req.params[field] as string) : "";
  const split = splitToolName(name);
  const server = split ? (await serversFor(c.env, c.var.apiKey)).get(split.server) : undefined;
  if (!split || !server || !mayList(c, server, what, split.tool))
    throw new RpcError(RPC.invalidParams, `Unknown ${what === "resources" ? "resource" : "prompt"}: ${name.slice(0, 200)}`);
  const method = what === "resources" ? "resources/read" : "prompts/get";
  try {
    const answer = await request(
      server.target,
      sessionOwner(c),
      method,
      { ...req.params, [field]: split.tool },
      { timeoutMs: callTimeout(c), hops: c.var.upstreamHops },
    );
    return answer.error ? rpcError(id, answer.error.code, answer.error.message) : rpcResult(id, renamedContents(answer.result ?? {}, server, split.tool, name));
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    throw new RpcError(RPC.refused, `The server '${server.record.name}' could not answer.`);
  }
}

/** A read resource's contents carry its URI: ours, as the client asked for it. */
function renamedContents(result: Record<string, unknown>, server: McpServer, original: string, ours: string): Record<string, unknown> {
  if (!Array.isArray(result.contents)) return result;
  const contents = (result.contents as Record<string, unknown>[]).map((item) =>
    item.uri === original ? { ...item, uri: ours } : typeof item.uri === "string" ? { ...item, uri: `${server.record.name}${SEPARATOR}${item.uri}` } : item,
  );
  return { ...result, contents };
}

/** The server and tool a tools/call names, if the key may use it; the same error for one that does not exist. */
async function resolveTool(c: Ctx, params: Record<string, unknown> | undefined): Promise<{ server: McpServer; tool: string }> {
  const name = typeof params?.name === "string" ? params.name : "";
  const unknown = () => new RpcError(RPC.invalidParams, `Unknown tool: ${name.slice(0, 200)}`);
  const split = splitToolName(name);
  if (!split || !keyMayUse(c.var.apiKey, split.server, split.tool)) throw unknown();
  const server = (await serversFor(c.env, c.var.apiKey)).get(split.server);
  if (!server || !serverOffers(server.record, split.tool)) throw unknown();
  if (params?.arguments !== undefined && (typeof params.arguments !== "object" || params.arguments === null || Array.isArray(params.arguments))) {
    throw new RpcError(RPC.invalidParams, "'arguments' must be an object.");
  }
  return { server, tool: split.tool };
}

/** The gate's refusal (no credit, a limit) as a JSON-RPC error. */
async function admitToolCall(c: Ctx, server: McpServer, tool: string, price: number): Promise<void> {
  const key = c.var.apiKey;
  try {
    await admit(c.env, key.tenantId, {
      requestId: c.var.requestId,
      keyId: key.id,
      tokens: 0,
      maxCostMicros: price,
      endUser: null,
      targets: [`${server.record.name}/${tool}`],
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new RpcError(RPC.refused, error.message, {
      status: error.status,
      code: error.code,
      ...(error.headers["retry-after"] ? { retry_after: Number(error.headers["retry-after"]) } : {}),
    });
  }
}

function bookToolCall(
  c: Ctx,
  server: McpServer,
  tool: string,
  outcome: { charged: number; status: number; errorType: string | null; requestBytes: number; responseBytes: number | null },
  startedAt: number,
): void {
  const key = c.var.apiKey;
  const model = `${server.record.name}/${tool}`;
  book(c.executionCtx, c.env, {
    tenantId: key.tenantId,
    settlement: { shard: 0, request: { requestId: c.var.requestId, keyId: key.id, costMicros: outcome.charged, tokens: 0, model } },
    usage: {
      id: c.var.requestId,
      tenantId: key.tenantId,
      keyId: key.id,
      provider: server.record.name,
      model: `${server.record.name}${SEPARATOR}${tool}`,
      endpoint: "mcp.tools.call",
      status: outcome.status,
      errorType: outcome.errorType,
      stream: false,
      latencyMs: Date.now() - startedAt,
      ttfbMs: null,
      costMicros: outcome.charged,
      estimated: false,
      createdAt: startedAt,
      requestBytes: outcome.requestBytes,
      responseBytes: outcome.responseBytes,
      traceId: c.var.trace?.traceId ?? null,
    },
  });
}

const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value) ?? "").byteLength;
const utf8 = new TextEncoder();

/** The server's answer to the client's request: its result or error under the client's id; unreachable: an error result. */
async function callTool(c: Ctx, req: JsonRpcRequest, onNotification?: (m: ServerMessage) => void): Promise<Record<string, unknown>> {
  const id = req.id as JsonRpcId;
  const { server, tool } = await resolveTool(c, req.params);
  const circuit = server.record.id;
  if (!breakers.allow(circuit)) {
    return rpcResult(id, {
      content: [{ type: "text", text: `The tool server '${server.record.name}' keeps failing; it is skipped for a while.` }],
      isError: true,
    });
  }
  const price = toolPrice(server.record, tool);
  await admitToolCall(c, server, tool, price).catch((error: unknown) => {
    breakers.release(circuit);
    throw error;
  });
  const startedAt = Date.now();
  const upstreamParams = { ...req.params, name: tool };
  const requestBytes = jsonBytes(upstreamParams);
  try {
    const answer = await request(server.target, sessionOwner(c), "tools/call", upstreamParams, {
      timeoutMs: callTimeout(c),
      hops: c.var.upstreamHops,
      signal: c.req.raw.signal,
      ...(onNotification ? { onNotification } : {}),
    });
    breakers.record(circuit, true);
    const outcome = answer.error ? { status: 400, errorType: "tool_error" } : { status: 200, errorType: null };
    bookToolCall(c, server, tool, { charged: price, ...outcome, requestBytes, responseBytes: jsonBytes(answer.error ?? answer.result ?? {}) }, startedAt);
    return answer.error ? rpcError(id, answer.error.code, answer.error.message) : rpcResult(id, answer.result ?? {});
  } catch (error) {
    if (!(error instanceof UpstreamError)) {
      breakers.release(circuit);
      throw error;
    }
    breakers.record(circuit, false);
    bookToolCall(c, server, tool, { charged: 0, status: 502, errorType: `upstream_${error.failure}`, requestBytes, responseBytes: null }, startedAt);
    const text = `The tool server '${server.record.name}' could not answer: ${error.failure === "timeout" ? "it did not answer in time" : error.message}.`;
    return rpcResult(id, { content: [{ type: "text", text }], isError: true });
  }
}

const wantsProgress = (c: Ctx, req: JsonRpcRequest) =>
  (c.req.header("accept") ?? "").includes("text/event-stream") &&
  typeof req.params?._meta === "object" &&
  req.params._meta !== null &&
  "progressToken" in (req.params._meta as Record<string, unknown>);

/** tools/call with progress: the server's notifications, then the answer, as events. */
function streamedCall(c: Ctx, req: JsonRpcRequest): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const send = (message: unknown) => void writer.write(encodeSse(message, "message")).catch(() => undefined);
  const done = callTool(c, req, send)
    .catch((error: unknown) =>
      error instanceof RpcError ? rpcError(req.id ?? null, error.code, error.message, error.data) : rpcError(req.id ?? null, RPC.internal, "Internal error."),
    )
    .then(async (answer) => {
      send(answer);
      await writer.close().catch(() => undefined);
    });
  c.executionCtx.waitUntil(done);
  return new Response(readable, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}

async function answer(c: Ctx, req: JsonRpcRequest): Promise<unknown> {
  const id = req.id as JsonRpcId;
  switch (req.method) {
    case "ping":
      return rpcResult(id, {});
    case "tools/list":
      return rpcResult(id, await list(c, "tools"));
    case "tools/call":
      return callTool(c, req);
    case "resources/list":
      return rpcResult(id, await list(c, "resources"));
    case "resources/read":
      return getItem(c, req, "resources");
    case "resources/templates/list":
      return rpcResult(id, { resourceTemplates: [] });
    case "prompts/list":
      return rpcResult(id, await list(c, "prompts"));
    case "prompts/get":
      return getItem(c, req, "prompts");
    default:
      throw new RpcError(RPC.methodNotFound, `Method not found: ${req.method.slice(0, 128)}`);
  }
}

async function handlePost(c: Ctx): Promise<Response> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) return c.json(rpcError(null, RPC.invalidRequest, "Content-Type must be application/json."), 400);
  let req: JsonRpcRequest;
  try {
    req = parseRequest(await c.req.text());
  } catch (error) {
    if (error instanceof RpcError) return c.json(rpcError(null, error.code, error.message), 400);
    throw error;
  }
  const key = c.var.apiKey;
  if (req.method === "initialize") {
    if (req.id === undefined) return c.json(rpcError(null, RPC.invalidRequest, "initialize is a request: it needs an id."), 400);
    c.header("mcp-session-id", await newSessionId(c.env.SECRETS_KEY, key.id));
    return c.json(rpcResult(req.id, initializeResult(req.params)));
  }
  const session = c.req.header("mcp-session-id");
  if (session === undefined) return c.json(rpcError(req.id ?? null, RPC.invalidRequest, "Bad Request: send the Mcp-Session-Id from initialize."), 400);
  if (!(await isSessionOf(c.env.SECRETS_KEY, key.id, session)))
    return c.json(rpcError(req.id ?? null, RPC.refused, "Session not found: initialize again."), 404);
  if (req.id === undefined) return c.body(null, 202);
  if (req.method === "tools/call" && wantsProgress(c, req)) return streamedCall(c, req);
  try {
    return c.json(await answer(c, req));
  } catch (error) {
    if (error instanceof RpcError) return c.json(rpcError(req.id, error.code, error.message, error.data));
    throw error;
  }
}

export const mcp = new Hono<AppEnv>();

mcp.use("*", authenticateKey, refuseLoops);
mcp.post("/", handlePost);
// No stream the server opens on its own: the spec's answer is 405.
mcp.get("/", (c) => c.json(rpcError(null, RPC.methodNotFound, "This server sends no stream of its own: POST requests."), 405, { allow: "POST, DELETE" }));
// Ending a session drops what this isolate opened upstream for it; it is always fine.
mcp.delete("/", (c) => {
  forgetSessionsOf(sessionOwner(c));
  return c.body(null, 204);
});
mcp.all("*", (c) => c.json(rpcError(null, RPC.methodNotFound, `Unknown endpoint: ${c.req.method} ${c.req.path}`), 404));
