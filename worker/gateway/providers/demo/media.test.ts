import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEMO_IMAGE_SIZES, demoImage } from "./image.ts";
import { demoModerate } from "./moderation.ts";
import { demoRerank } from "./rerank.ts";
import { demoSpeech } from "./speech.ts";
import { demoTranscribe } from "./transcribe.ts";

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe("demo/image", () => {
  it("draws a valid PNG: signature, chunk CRCs, IHDR, IDAT that inflates to every row", async () => {
    const png = demoImage("a lighthouse", "256x256");
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    const chunks: { type: string; data: Uint8Array }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = view.getUint32(at);
      const typed = png.subarray(at + 4, at + 8 + length);
      expect(view.getUint32(at + 8 + length), "chunk CRC").toBe(crc32(typed));
      chunks.push({ type: String.fromCharCode(...typed.subarray(0, 4)), data: typed.subarray(4) });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    const ihdr = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset);
    const [width, height] = [ihdr.getUint32(0), ihdr.getUint32(4)];
    expect(await inflate(chunks[1]!.data)).toHaveLength(height * (1 + width * 3));
  });

  it("draws the same prompt alike and another differently; refuses sizes it does not draw", () => {
    expect(demoImage("cat", DEMO_IMAGE_SIZES[0])).toEqual(demoImage("cat", DEMO_IMAGE_SIZES[2]));
    expect(demoImage("cat", "256x256")).not.toEqual(demoImage("dog", "256x256"));
    expect(() => demoImage("cat", "300x300")).toThrow(/256x256/);
  });
});

describe("demo/speech and demo/whisper", () => {
  it("read back any text exactly, at any speed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom(0.5, 1, 2, 4), (text, speed) => {
        expect(demoTranscribe(demoSpeech(text, speed)).text).toBe(text);
      }),
      { numRuns: 60 },
    );
    for (const text of ["hello", "ünïcode ✓", "数据 🚀", ""]) expect(demoTranscribe(demoSpeech(text)).text).toBe(text);
  });

  it("make longer audio of longer text, shorter at a higher speed, and report its duration", () => {
    const short = demoTranscribe(demoSpeech("hi")).seconds;
    const long = demoTranscribe(demoSpeech("hello there, general")).seconds;
    expect(long).toBeGreaterThan(short);
    // 2 preamble symbols + 2 per byte, 20 ms each at speed 1.
    expect(short).toBeCloseTo((2 + 4) * 0.02, 6);
    expect(demoTranscribe(demoSpeech("hello", 2)).seconds).toBeCloseTo(demoTranscribe(demoSpeech("hello")).seconds / 2, 6);
  });

  it("hears nothing in a WAV it did not make, and refuses what is not a WAV", () => {
    const silence = demoSpeech("");
    silence.fill(0, 44);
    expect(demoTranscribe(silence).text).toBe("");
    expect(() => demoTranscribe(new TextEncoder().encode("not audio"))).toThrow(/WAV/);
    expect(() => demoTranscribe(new Uint8Array())).toThrow(/WAV/);
  });

  it("never throws anything but its refusal on mangled WAVs", () => {
    const wav = demoSpeech("mangled");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(wav.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), fc.nat(wav.length), (edits, cut) => {
        const bytes = wav.slice(0, cut);
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        try {
          demoTranscribe(bytes);
        } catch (error) {
          expect(String(error)).toMatch(/WAV/);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("demo/moderation and demo/rerank", () => {
  it("flag violence in 'I will kill you', nothing in 'hello'", () => {
    const [threat, hello] = demoModerate(["I will kill you", "hello"]);
    expect(threat!.flagged).toBe(true);
    expect(threat!.categories.violence).toBe(true);
    expect(threat!.category_scores.violence).toBeGreaterThan(0.5);
    expect(hello!.flagged).toBe(false);
    expect(Object.keys(hello!.categories)).toHaveLength(13);
  });

  it("rank the document that shares the query's words first, and keep top_n", () => {
    const results = demoRerank("red apple", ["a blue car", "a red apple pie", "red"], 2);
    expect(results.map((r) => r.index)).toEqual([1, 2]);
    expect(results[0]!.relevance_score).toBeGreaterThan(results[1]!.relevance_score);
    expect(demoRerank("x", ["a", "b", "c"])).toHaveLength(3);
  });
});
