// The gateway as an MCP client of a Streamable HTTP tool server: a session per server and
// client session in this isolate, opened with initialize on first use and opened again when the
// server says it is gone (404). Answers are read from JSON or from the event stream, where the
// server's notifications (progress) come first and are handed on as they arrive.
import { log } from "../../core/logger.ts";
import { sseEvents } from "../sse.ts";
import { UpstreamError, upstreamFetch } from "../upstream.ts";
import {
  answerAmong,
  type CallOptions,
  checkInitialized,
  INITIALIZED,
  initializeRequest,
  type McpTarget,
  nextRequestId,
  PROTOCOL_VERSION,
  protocolError,
  type ServerMessage,
} from "./wire.ts";

const sessions = new Map<string, Promise<string | null>>();

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

/** The answer to request `id`: the JSON body, or the stream's message with that id. */
async function answerOf(res: Response, id: number, options: CallOptions): Promise<ServerMessage> {
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    if (!res.body) throw protocolError("sent no stream");
    const events = sseEvents(res.body);
    try {
      return await answerAmong(events, id, options);
    } finally {
      await events.return(undefined);
    }
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
  const id = nextRequestId();
  const res = await post(target, initializeRequest(id), null, options);
  const session = res.headers.get("mcp-session-id");
  checkInitialized(await answerOf(res, id, options));
  const done = await post(target, INITIALIZED, session, options);
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
export async function streamableRequest(
  target: McpTarget,
  owner: string,
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions,
): Promise<ServerMessage> {
  for (let attempt = 0; ; attempt++) {
    const session = await sessionFor(target, owner, options);
    const id = nextRequestId();
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
