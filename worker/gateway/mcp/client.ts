// The gateway as an MCP client of a tool server (Streamable HTTP): a session per server and
// client session in this isolate, opened with initialize on first use and opened again when the server
// says it is gone (404); each request gets an id of ours, so calls of many clients on one
// session never collide, and answers are read from JSON or from the event stream, where the
// server's notifications (progress) come first and are handed on as they arrive.
import { log } from "../../core/logger.ts";
import { eventJson, sseEvents } from "../sse.ts";
import { UpstreamError, upstreamFetch } from "../upstream.ts";
import type { JsonRpcId } from "./jsonrpc.ts";

export const PROTOCOL_VERSION = "2025-06-18";
const CLIENT_INFO = { name: "ai-aggregator", version: "1" };

export interface McpTarget {
  id: string;
  name: string;
  url: string;
  headers: Record<string, string>;
}

/** A JSON-RPC message from the server: a response to ours (result or error) or a notification. */
export interface ServerMessage {
  jsonrpc: "2.0";
  id?: JsonRpcId;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface CallOptions {
  timeoutMs: number;
  hops: number;
  signal?: AbortSignal;
  /** The server's notifications that come before the answer (progress), as they arrive. */
  onNotification?: (message: ServerMessage) => void;
}

const protocolError = (what: string) => new UpstreamError("protocol", `the MCP server ${what}`);

const sessions = new Map<string, Promise<string | null>>();
let nextId = 0;

function post(target: McpTarget, body: unknown, session: string | null, options: CallOptions): Promise<Response> {
  return upstreamFetch({
    url: target.url,
    method: "POST",
    headers: {
      ...target.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": PROTOCOL_VERSION,
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
    binary: true,
  });
}

/** The answer to request `id`: the JSON body, or the stream's message with that id (notifications before it handed on). */
async function answerOf(res: Response, id: number, options: CallOptions): Promise<ServerMessage> {
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    if (!res.body) throw protocolError("sent no stream");
    for await (const event of sseEvents(res.body)) {
      const message = eventJson<ServerMessage>(event, () => protocolError("sent an event that is not JSON"));
      if (message?.id === id && (message.result !== undefined || message.error !== undefined)) return message;
      if (message?.method && message.id === undefined) options.onNotification?.(message);
    }
    throw protocolError("ended its stream without an answer");
  }
  let message: ServerMessage;
  try {
    message = (await res.json()) as ServerMessage;
  } catch {
    throw protocolError("sent a body that is not JSON");
  }
  if (typeof message !== "object" || message === null || message.id !== id) throw protocolError("answered another request");
  return message;
}

async function initialize(target: McpTarget, options: CallOptions): Promise<string | null> {
  const id = ++nextId;
  const params = { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO };
  const res = await post(target, { jsonrpc: "2.0", id, method: "initialize", params }, null, options);
  const session = res.headers.get("mcp-session-id");
  const answer = await answerOf(res, id, options);
  if (answer.error) throw protocolError(`refused to initialize: ${answer.error.message.slice(0, 200)}`);
  const done = await post(target, { jsonrpc: "2.0", method: "notifications/initialized" }, session, options);
  await done.body?.cancel();
  return session;
}

function sessionFor(target: McpTarget, owner: string, options: CallOptions): Promise<string | null> {
  const key = `${owner}\n${target.id}\n${target.url}`;
  let session = sessions.get(key);
  if (!session) {
    if (sessions.size > 1000) sessions.clear();
    session = initialize(target, options);
    sessions.set(key, session);
    session.catch(() => sessions.delete(key));
  }
  return session;
}

function forgetSession(target: McpTarget, owner: string): void {
  sessions.delete(`${owner}\n${target.id}\n${target.url}`);
}

/** A client session ended: the upstream sessions opened for it here are dropped (the servers let theirs expire). */
export function forgetSessionsOf(owner: string): void {
  for (const key of sessions.keys()) if (key.startsWith(`${owner}\n`)) sessions.delete(key);
}

/**
 * One request to the server in `owner`'s session (our client session; opened on first use, and once more if the
 * server no longer knows it). Returns the server's answer message; throws UpstreamError when
 * the server cannot be reached or breaks the protocol.
 */
export async function request(
  target: McpTarget,
  owner: string,
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions,
): Promise<ServerMessage> {
  for (let attempt = 0; ; attempt++) {
    const session = await sessionFor(target, owner, options);
    const id = ++nextId;
    try {
      const res = await post(target, { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }, session, options);
      return await answerOf(res, id, options);
    } catch (error) {
      const gone = error instanceof UpstreamError && error.status === 404 && session !== null;
      if (!gone || attempt > 0) throw error;
      log("info", "MCP session gone; opening another", { server: target.name });
      forgetSession(target, owner);
    }
  }
}
