// The older HTTP+SSE transport (MCP 2024-11-05): the client holds a GET event stream whose first
// event names the URL to POST messages to, and answers come back on that stream. A Worker cannot
// hold a stream from one request to the next, so each request opens its own: the stream,
// initialize, the request, and the stream closed again. Servers that keep state from one call to
// the next need Streamable HTTP.
import { type SseEvent, sseEvents } from "../sse.ts";
import { upstreamFetch } from "../upstream.ts";
import {
  answerAmong,
  type CallOptions,
  checkInitialized,
  INITIALIZED,
  initializeRequest,
  type McpTarget,
  nextRequestId,
  protocolError,
  type ServerMessage,
} from "./wire.ts";

/**
 * Where the server says to POST, which must be on the server's own origin: a server that named
 * another would have the gateway send its credentials, and reach, wherever it liked.
 */
async function endpointOf(events: AsyncIterator<SseEvent>, target: McpTarget): Promise<string> {
  for (let next = await events.next(); !next.done; next = await events.next()) {
    if (next.value.event !== "endpoint") continue;
    let url: URL;
    try {
      url = new URL(next.value.data.trim(), target.url);
    } catch {
      throw protocolError("named an endpoint that is not a URL");
    }
    if (url.origin !== new URL(target.url).origin) throw protocolError("named an endpoint on another origin (not followed)");
    return url.href;
  }
  throw protocolError("ended its stream before naming its endpoint");
}

async function send(endpoint: string, target: McpTarget, message: unknown, options: CallOptions): Promise<void> {
  const res = await upstreamFetch({
    url: endpoint,
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body: JSON.stringify(message),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
  });
  await res.body?.cancel();
}

/** One request over a stream of its own. Throws UpstreamError when the server cannot be reached or breaks the protocol. */
export async function legacyRequest(
  target: McpTarget,
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions,
): Promise<ServerMessage> {
  const res = await upstreamFetch({
    url: target.url,
    method: "GET",
    headers: { ...target.headers, accept: "text/event-stream" },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
    binary: true,
  });
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream") || !res.body) {
    await res.body?.cancel();
    throw protocolError("did not open an event stream");
  }
  const events = sseEvents(res.body);
  try {
    const endpoint = await endpointOf(events, target);
    const init = nextRequestId();
    await send(endpoint, target, initializeRequest(init), options);
    checkInitialized(await answerAmong(events, init, options));
    await send(endpoint, target, INITIALIZED, options);
    const id = nextRequestId();
    await send(endpoint, target, { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }, options);
    return await answerAmong(events, id, options);
  } finally {
    await events.return(undefined);
  }
}
