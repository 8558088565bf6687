// Server-sent events: an incremental parser (bytes in, events out, across any chunking) and
// the encoder. The parser copes with \n, \r\n and \r line ends and multi-line data.
export interface SseEvent {
  event: string | undefined;
  data: string;
}

export class SseParser {
  private buffer = "";
  private event: string | undefined;
  private data: string[] = [];
  private readonly decoder = new TextDecoder();

  /** Feeds bytes; returns the events completed by them. */
  push(bytes: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    return this.drain(false);
  }

  /** End of input: a final event without its blank line still counts. */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    return this.drain(true);
  }

  private drain(final: boolean): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lineEnd = lineEndFrom(this.buffer, start);
      if (lineEnd < 0) break;
      const sepLength = this.buffer.startsWith("\r\n", lineEnd) ? 2 : 1;
      // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
      if (!final && this.buffer[lineEnd] === "\r" && lineEnd + 1 === this.buffer.length) break;
      this.line(this.buffer.slice(start, lineEnd), out);
      start = lineEnd + sepLength;
    }
    this.buffer = this.buffer.slice(start);
    if (final) {
      if (this.buffer) this.line(this.buffer, out);
      this.buffer = "";
      this.dispatch(out);
    }
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") return this.dispatch(out);
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length) out.push({ event: this.event, data: this.data.join("\n") });
    this.event = undefined;
    this.data = [];
  }
}

/** The first \r or \n at or after `from`, or −1. */
function lineEndFrom(text: string, from: number): number {
  const lf = text.indexOf("\n", from);
  const cr = text.indexOf("\r", from);
  return cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
}

const encoder = new TextEncoder();

export function encodeSse(data: unknown, event?: string): Uint8Array {
  const body = typeof data === "string" ? data : JSON.stringify(data);
  return encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${body}\n\n`);
}

/** The events of an SSE body as they arrive, those completed by one read together; a final event without its blank line counts. */
export async function* sseBatches(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent[], void, undefined> {
  const parser = new SseParser();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const events = done ? parser.end() : parser.push(value);
      if (events.length) yield events;
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The events of an SSE body one by one. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  for await (const batch of sseBatches(body)) yield* batch;
}

/** An event's JSON data; anything else is the upstream breaking the protocol. */
export function eventJson<T>(event: SseEvent, onError: () => Error): T {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    throw onError();
  }
}
