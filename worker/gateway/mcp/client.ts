// The gateway as an MCP client of a tool server: one request in a client session, by the
// server's transport, under one deadline for the whole exchange (a stream that opens and then
// says nothing is a timeout, as a server that never answers is).
import { UpstreamError } from "../upstream.ts";
import { legacyRequest } from "./legacy-sse.ts";
import { streamableRequest } from "./streamable-http.ts";
import type { CallOptions, McpTarget, ServerMessage } from "./wire.ts";

export { forgetSessionsOf } from "./streamable-http.ts";
export { type McpTarget, PROTOCOL_VERSION, type ServerMessage } from "./wire.ts";

/**
 * One request to the server in `owner`'s session (our client session). Returns the server's
 * answer message; throws UpstreamError when the server cannot be reached, breaks the protocol or
 * does not answer within `options.timeoutMs`.
 */
export async function request(
  target: McpTarget,
  owner: string,
  method: string,
  params: Record<string, unknown> | undefined,
  options: CallOptions,
): Promise<ServerMessage> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const bounded = { ...options, signal };
  try {
    return target.transport === "sse" ? await legacyRequest(target, method, params, bounded) : await streamableRequest(target, owner, method, params, bounded);
  } catch (error) {
    if (error instanceof UpstreamError && !(deadline.aborted && error.failure === "network")) throw error;
    if (deadline.aborted) throw new UpstreamError("timeout", `no answer within ${options.timeoutMs} ms`);
    if (options.signal?.aborted) throw new UpstreamError("network", "the client went away");
    throw error;
  }
}
