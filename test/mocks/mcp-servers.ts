// Mock MCP servers for tests, built with the official SDK (@modelcontextprotocol/sdk): one
// node:http server on 127.0.0.1 serving, by path, Streamable HTTP endpoints in stateful mode (a
// transport and an McpServer per Mcp-Session-Id; POST, GET for the SSE stream, DELETE to end).
// Started in a worker thread by test/mcp-setup.ts; the Worker tests see its port as MCP_MOCK_PORT.
//
//   /alpha/mcp    needs `Authorization: Bearer alpha-secret`. Server "alpha":
//                   tools     echo {text} → text; add {a, b} → the sum; slow_count {steps 1..10}
//                             → a progress notification per step (when the call has a
//                             progressToken), 20 ms apart, then "counted N"; fail {} → an
//                             isError result "it failed"
//                   resource  alpha://readme → "alpha readme"
//                   prompt    greet {name} → a user message "Hello, <name>"
//   /beta/mcp     needs `X-Api-Key: beta-key`. Server "beta": tools upper {text} → upper-cased;
//                 secret_tool {} → "should not be reachable"
//   /gamma/sse    the older HTTP+SSE transport (2024-11-05), needs `Authorization: Bearer gamma-secret`:
//                 GET opens the event stream, whose first event names /gamma/messages?sessionId=…
//                 to POST to; answers come on the stream. Server "gamma": tools shout {text} →
//                 "<TEXT>!"; slow_count as alpha's
//   /evil/sse     an event stream whose endpoint points at another origin (a gateway must not follow)
//   /hang/mcp     takes the request and never answers (until the client leaves)
//   /garbage/mcp  answers 200, application/json, `not json {`
//   GET /__requests     what reached the mock, oldest first (the last 1,000); DELETE clears it
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export interface RecordedMcpRequest {
  path: string;
  method: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body parsed as JSON; null when empty or not JSON. */
  body: unknown;
  at: number;
}

export interface McpServersMock {
  port: number;
  close(): Promise<void>;
}

const MAX_LOG = 1_000;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
// A gateway that never ends its sessions must not grow the mock without bound: the least
// recently used session is closed past this many per server.
const MAX_SESSIONS = 1_000;
// /hang/mcp lets go of a socket the client never closes after this long: far beyond any timeout
// a gateway under test uses, so it still "never answers".
const MAX_HANG_MS = 120_000;

type Handler = (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void> | void;

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function registerSlowCount(server: McpServer): void {
  server.registerTool(
    "slow_count",
    { description: "Counts to steps, reporting progress at each.", inputSchema: { steps: z.number().int().min(1).max(10) } },
    async ({ steps }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await sleep(20);
        if (progressToken !== undefined) {
          await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: i, total: steps } });
        }
      }
      return text(`counted ${steps}`);
    },
  );
}

function alphaServer(): McpServer {
  const server = new McpServer({ name: "alpha", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes the text.", inputSchema: { text: z.string() } }, ({ text: value }) => text(value));
  server.registerTool("add", { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => text(String(a + b)));
  registerSlowCount(server);
  server.registerTool("fail", { description: "Always fails." }, () => ({ ...text("it failed"), isError: true }));
  server.registerResource("readme", "alpha://readme", { description: "About alpha.", mimeType: "text/plain" }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: "text/plain", text: "alpha readme" }],
  }));
  server.registerPrompt("greet", { description: "Greets someone.", argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Hello, ${name}` } }],
  }));
  return server;
}

function betaServer(): McpServer {
  const server = new McpServer({ name: "beta", version: "1.0.0" });
  server.registerTool("upper", { description: "Upper-cases the text.", inputSchema: { text: z.string() } }, ({ text: value }) => text(value.toUpperCase()));
  server.registerTool("secret_tool", { description: "A tool a gateway's allow-list should hide." }, () => text("should not be reachable"));
  return server;
}

function gammaServer(): McpServer {
  const server = new McpServer({ name: "gamma", version: "0.9.0" });
  server.registerTool("shout", { description: "Shouts the text.", inputSchema: { text: z.string() } }, ({ text: value }) => text(`${value.toUpperCase()}!`));
  registerSlowCount(server);
  return server;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const rpcError = (res: ServerResponse, status: number, code: number, message: string) =>
  sendJson(res, status, { jsonrpc: "2.0", error: { code, message }, id: null });

/** One MCP server's sessions: each its own transport and McpServer, as the SDK's stateful examples do. */
function sessions(build: () => McpServer): { handle: Handler; close(): Promise<void> } {
  const open = new Map<string, StreamableHTTPServerTransport>();

  const remember = (id: string, transport: StreamableHTTPServerTransport) => {
    open.delete(id);
    open.set(id, transport);
    const [oldest] = open;
    if (open.size > MAX_SESSIONS && oldest) {
      open.delete(oldest[0]);
      void oldest[1].close();
    }
  };

  async function start(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // Stored once the session exists, before the initialize answer goes out.
      onsessioninitialized: (id) => remember(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) open.delete(transport.sessionId);
    };
    await build().connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const handle: Handler = (req, res, body) => {
    const id = req.headers["mcp-session-id"];
    const transport = typeof id === "string" ? open.get(id) : undefined;
    if (typeof id === "string" && transport) {
      remember(id, transport);
      return transport.handleRequest(req, res, body);
    }
    if (id) return rpcError(res, 404, -32001, "Session not found");
    if (req.method === "POST" && isInitializeRequest(body)) return start(req, res, body);
    return rpcError(res, 400, -32000, "Bad Request: No valid session ID provided");
  };

  const close = async () => {
    const transports = [...open.values()];
    open.clear();
    await Promise.all(transports.map((t) => t.close()));
  };
  return { handle, close };
}

/** The older HTTP+SSE transport: a GET stream per session, its messages POSTed to `messagesPath?sessionId=…`. */
function legacySessions(build: () => McpServer, messagesPath: string): { stream: Handler; messages: Handler; close(): Promise<void> } {
  const open = new Map<string, SSEServerTransport>();
  const stream: Handler = async (req, res) => {
    if (req.method !== "GET") return rpcError(res, 405, -32000, "Method not allowed: GET the event stream");
    if (open.size >= MAX_SESSIONS) {
      const [oldest] = open;
      if (oldest) await oldest[1].close();
    }
    const transport = new SSEServerTransport(messagesPath, res);
    open.set(transport.sessionId, transport);
    transport.onclose = () => open.delete(transport.sessionId);
    res.once("close", () => open.delete(transport.sessionId));
    await build().connect(transport);
  };
  const messages: Handler = (req, res, body) => {
    const id = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("sessionId") ?? "";
    const transport = open.get(id);
    if (!transport) return sendJson(res, 404, { error: "Session not found" });
    return transport.handlePostMessage(req, res, body);
  };
  const close = async () => {
    const transports = [...open.values()];
    open.clear();
    await Promise.all(transports.map((t) => t.close()));
  };
  return { stream, messages, close };
}

/** An event stream whose endpoint is on another origin: a client that follows it would POST inside someone's network. */
function evilStream(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  res.write("event: endpoint\ndata: http://169.254.169.254/latest/meta-data?sessionId=x\n\n");
  const timer = setTimeout(() => res.end(), 5_000);
  res.once("close", () => clearTimeout(timer));
}

function guarded(authorized: (req: IncomingMessage) => boolean, handle: Handler): Handler {
  return (req, res, body) => (authorized(req) ? handle(req, res, body) : rpcError(res, 401, -32001, "Unauthorized"));
}

function hang(_req: IncomingMessage, res: ServerResponse): void {
  const timer = setTimeout(() => res.destroy(), MAX_HANG_MS);
  res.once("close", () => clearTimeout(timer));
}

function garbage(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end("not json {");
}

/** The body, or null past MAX_BODY_BYTES (read to the end all the same, so the answer can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null;
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

const flatHeaders = (req: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]])),
  );

export async function startMcpServers(options: { port?: number } = {}): Promise<McpServersMock> {
  const log: RecordedMcpRequest[] = [];
  const alpha = sessions(alphaServer);
  const beta = sessions(betaServer);
  const gamma = legacySessions(gammaServer, "/gamma/messages");
  const gammaAuthorized = (req: IncomingMessage) => req.headers.authorization === "Bearer gamma-secret";
  const routes = new Map<string, Handler>([
    ["/alpha/mcp", guarded((req) => req.headers.authorization === "Bearer alpha-secret", alpha.handle)],
    ["/beta/mcp", guarded((req) => req.headers["x-api-key"] === "beta-key", beta.handle)],
    ["/gamma/sse", guarded(gammaAuthorized, gamma.stream)],
    ["/gamma/messages", guarded(gammaAuthorized, gamma.messages)],
    ["/evil/sse", evilStream],
    ["/hang/mcp", hang],
    ["/garbage/mcp", garbage],
  ]);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/__requests" && req.method === "GET") return sendJson(res, 200, log);
    if (path === "/__requests" && req.method === "DELETE") {
      log.length = 0;
      return sendJson(res, 200, { cleared: true });
    }
    const raw = await readBody(req);
    const parsed = raw ? parseJson(raw) : { ok: false as const };
    log.push({ path, method: req.method ?? "GET", headers: flatHeaders(req), body: parsed.ok ? (parsed.value ?? null) : null, at: Date.now() });
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);

    const route = routes.get(path);
    if (!route) return sendJson(res, 404, { error: `no MCP server at ${path}` });
    if (!raw) return rpcError(res, 413, -32600, "Request body too large");
    // The body is read here (to record it), so the SDK gets it parsed and a parse error is ours to answer.
    if (!parsed.ok && route !== garbage && route !== hang && route !== evilStream) return rpcError(res, 400, -32700, "Parse error: Invalid JSON");
    await route(req, res, parsed.ok ? parsed.value : undefined);
  }

  const server = createServer((req, res) => {
    // One request per connection: workerd pools idle connections, and reusing one the server
    // has just closed fails as "Network connection lost" (as in upstream.ts).
    res.shouldKeepAlive = false;
    serve(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else rpcError(res, 500, -32603, `Internal error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await Promise.all([alpha.close(), beta.close(), gamma.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
