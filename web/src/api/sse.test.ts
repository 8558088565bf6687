import { describe, expect, it } from "vitest";
import { controlledStream } from "../test/stream";
import { sseData } from "./sse";

async function collect(chunks: string[]): Promise<string[]> {
  const { stream, push, close } = controlledStream();
  chunks.forEach(push);
  close();
  const out: string[] = [];
  for await (const data of sseData(stream)) out.push(data);
  return out;
}

describe("sseData", () => {
  it("yields each event’s data", async () => {
    expect(await collect(["data: a\n\ndata: b\n\n"])).toEqual(["a", "b"]);
  });

  it("copes with events split anywhere, CRLF and CR line ends", async () => {
    expect(await collect(["da", "ta: he", "llo\r", "\n\r\ndata: x\r\rdata: y\n", "\n"])).toEqual(["hello", "x", "y"]);
  });

  it("joins multi-line data, skips comments and other fields", async () => {
    expect(await collect([": keep-alive\n", "event: message\nid: 1\ndata: one\ndata: two\n\n"])).toEqual(["one\ntwo"]);
  });

  it("keeps a final event that has no blank line", async () => {
    expect(await collect(["data: [DONE]"])).toEqual(["[DONE]"]);
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const bytes = new TextEncoder().encode("data: привет\n\n");
    // 'data: ' is 6 bytes and each Cyrillic letter 2, so byte 8 cuts the second letter in half.
    const other = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 8));
        c.enqueue(bytes.slice(8));
        c.close();
      },
    });
    const out: string[] = [];
    for await (const data of sseData(other)) out.push(data);
    expect(out).toEqual(["привет"]);
  });
});
