/** A response body the test feeds chunk by chunk, to watch a stream being rendered. */
export function controlledStream() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    stream,
    push: (text: string) => controller?.enqueue(encoder.encode(text)),
    close: () => controller?.close(),
  };
}

export const chunk = (content: string) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** A streaming Response (headers and body) without relying on the environment's Response streaming. */
export function streamResponse(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Response {
  return {
    ok: true,
    status: 200,
    headers: new Headers({ "content-type": "text/event-stream", ...headers }),
    body: stream,
    json: async () => null,
  } as unknown as Response;
}
