// Anthropic's stream: SSE events ended by `message_stop`.
import type { AnthropicStreamEvent } from "../../formats/anthropic.ts";
import { eventJson, sseEvents } from "../../sse.ts";
import { notJsonEvent, UpstreamError } from "../../upstream.ts";

/** Reads an upstream SSE body as Anthropic events; ends only after `message_stop`. */
export async function* anthropicEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  for await (const raw of sseEvents(body)) {
    const event = eventJson<AnthropicStreamEvent>(raw, notJsonEvent);
    if (event.type === "error") throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: event.error.message });
    yield event;
    if (event.type === "message_stop") return;
  }
  throw new UpstreamError("protocol", "upstream stream ended without message_stop");
}
