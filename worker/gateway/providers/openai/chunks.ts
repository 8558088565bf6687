// OpenAI's chat stream: SSE `data:` chunks ended by `data: [DONE]`.
import { eventJson, sseEvents } from "../../sse.ts";
import { notJsonEvent, UpstreamError } from "../../upstream.ts";
import type { OpenAIChunk } from "../../formats/openai.ts";
import type { ChunkStream } from "../types.ts";

/** Reads an upstream SSE body as OpenAI chunks; ends only after `data: [DONE]`. */
export async function* openAIChunks(body: ReadableStream<Uint8Array>): ChunkStream {
  for await (const event of sseEvents(body)) {
    if (event.data === "[DONE]") return;
    const chunk = eventJson<OpenAIChunk & { error?: { message?: string } }>(event, notJsonEvent);
    if (chunk.error) throw new UpstreamError("protocol", "upstream sent an error event", { upstreamMessage: chunk.error.message });
    yield chunk;
  }
  throw new UpstreamError("protocol", "upstream stream ended without data: [DONE]");
}
