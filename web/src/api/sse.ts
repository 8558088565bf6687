// Server-sent events from a fetch body: bytes in (any chunking; \n, \r\n or \r line ends),
// each event's data out as soon as its blank line arrives.

/** Yields the `data` of every event; comments and other fields are skipped. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];

  function* lines(final: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A trailing \r may be the first half of \r\n: wait for the next chunk.
      if (!final && match[0] === "\r" && match.index === buffer.length - 1) break;
      yield buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
    }
    if (final && buffer) {
      yield buffer;
      buffer = "";
    }
  }

  function* take(line: string): Generator<string> {
    if (line === "") {
      if (data.length) yield data.join("\n");
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    if ((colon < 0 ? line : line.slice(0, colon)) !== "data") return;
    const value = colon < 0 ? "" : line.slice(colon + 1);
    data.push(value.startsWith(" ") ? value.slice(1) : value);
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines(done)) yield* take(line);
      if (done) {
        yield* take("");
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
