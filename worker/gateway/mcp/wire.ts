// What the gateway's MCP client says to a tool server whatever the transport: the messages,
// the options of one request, and reading the answer to a request among a stream's events.
import { eventJson, type SseEvent } from "../sse.ts";
import { UpstreamError } from "../upstream.ts";
import type { JsonRpcId } from "./jsonrpc.ts";

export const PROTOCOL_VERSION = "2025-06-18";
const CLIENT_INFO = { name: "ai-aggregator", version: "1" };

export interface McpTarget {
  id: string;
  name: string;
  url: string;
  transport: "streamable-http" | "sse";
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

export const protocolError = (what: string) => new UpstreamError("protocol", `the MCP server ${what}`);

let lastId = 0;
/** Ids are ours upstream: calls of many clients on one session never collide. */
export const nextRequestId = () => ++lastId;

export const initializeRequest = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
});

export const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };

/**
 * The message answering request `id` among a stream's events; the server's notifications before
 * it are handed on. The stream is left open (a legacy server's carries the next answer too).
 */
export async function answerAmong(events: AsyncIterator<SseEvent>, id: number, options: CallOptions): Promise<ServerMessage> {
  for (let next = await events.next(); !next.done; next = await events.next()) {
    const event = next.value;
    if (event.event !== undefined && event.event !== "message") continue;
    const message = eventJson<ServerMessage>(event, () => protocolError("sent an event that is not JSON"));
    if (message?.id === id && (message.result !== undefined || message.error !== undefined)) return message;
    if (message?.method && message.id === undefined) options.onNotification?.(message);
  }
  throw protocolError("ended its stream without an answer");
}

/** Fails the same way as a refused initialize, whatever the transport. */
export function checkInitialized(answer: ServerMessage): void {
  if (answer.error) throw protocolError(`refused to initialize: ${answer.error.message.slice(0, 200)}`);
}
