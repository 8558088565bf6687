import { describe, expect, it } from "vitest";
import { SseParser } from "./sse.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function parseInPieces(text: string, size: number) {
  const parser = new SseParser();
  const all = bytes(text);
  const events = [];
  for (let i = 0; i < all.length; i += size) events.push(...parser.push(all.slice(i, i + size)));
  events.push(...parser.end());
  return events;
}

describe("SseParser", () => {
  const stream = 'event: message_start\ndata: {"a":1}\n\n: ping\r\ndata: line1\r\ndata: line2\r\n\r\ndata: [DONE]\n\n';
  const expected = [
    { event: "message_start", data: '{"a":1}' },
    { event: undefined, data: "line1\nline2" },
    { event: undefined, data: "[DONE]" },
  ];

  it("parses events whatever the chunking, byte by byte included", () => {
    for (const size of [1, 2, 3, 7, 64, 4096]) expect(parseInPieces(stream, size)).toEqual(expected);
  });

  it("keeps multi-byte characters split across chunks", () => {
    expect(parseInPieces('data: {"t":"Привет 👋"}\n\n', 1)).toEqual([{ event: undefined, data: '{"t":"Привет 👋"}' }]);
  });

  it("emits a final event with no blank line at the end", () => {
    expect(parseInPieces("data: tail", 3)).toEqual([{ event: undefined, data: "tail" }]);
  });
});
