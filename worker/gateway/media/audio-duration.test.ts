import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { demoSpeech } from "../providers/demo/speech.ts";
import { audioDuration } from "./audio-duration.ts";

const bytes = (...parts: (number[] | Uint8Array | string)[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : [...p])));
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const le32 = (n: number) => be32(n).reverse();
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];

/** A PCM16 mono WAV of `seconds` at 8 kHz, with a LIST chunk before its data. */
function wav(seconds: number): Uint8Array {
  const data = new Uint8Array(Math.round(seconds * 8000) * 2);
  return bytes(
    "RIFF",
    le32(0),
    "WAVE",
    "fmt ",
    le32(16),
    le16(1),
    le16(1),
    le32(8000),
    le32(16000),
    le16(2),
    le16(16),
    "LIST",
    le32(3),
    "abc",
    [0],
    "data",
    le32(data.length),
    data,
  );
}

/** MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of 1152 samples. */
function mp3(frames: number, options: { xing?: number; id3?: boolean } = {}): Uint8Array {
  const frame = (first: boolean) => {
    const f = new Uint8Array(417);
    f.set([0xff, 0xfb, 0x90, 0x00]);
    if (first && options.xing !== undefined) f.set(bytes("Xing", be32(1), be32(options.xing)), 4 + 32);
    return f;
  };
  const id3 = options.id3 ? bytes("ID3", [4, 0, 0, 0, 0, 0, 20], new Uint8Array(20)) : new Uint8Array();
  return bytes(id3, ...Array.from({ length: frames }, (_, i) => frame(i === 0)));
}

const flac = (rate: number, samples: number) =>
  bytes("fLaC", [0x80, 0, 0, 34], new Uint8Array(10), be32(((rate << 12) | Math.floor(samples / 2 ** 32)) >>> 0), be32(samples >>> 0), new Uint8Array(16));

function oggOpus(granule: number, preSkip: number): Uint8Array {
  const head = bytes("OpusHead", [1, 1], le16(preSkip), le32(48000), [0, 0, 0]);
  const page = (g: number, body: Uint8Array) => bytes("OggS", [0, 0], le32(g >>> 0), le32(Math.floor(g / 2 ** 32)), new Uint8Array(12), [1, body.length], body);
  return bytes(page(0, head), page(granule, new Uint8Array(10)));
}

function mp4(version: 0 | 1, timescale: number, duration: number): Uint8Array {
  const mvhd =
    version === 0
      ? bytes([0, 0, 0, 0], be32(0), be32(0), be32(timescale), be32(duration), new Uint8Array(80))
      : bytes([1, 0, 0, 0], be32(0), be32(0), be32(0), be32(0), be32(timescale), be32(0), be32(duration), new Uint8Array(80));
  const box = (type: string, body: Uint8Array) => bytes(be32(8 + body.length), type, body);
  return bytes(box("ftyp", bytes("M4A ", be32(0))), box("mdat", new Uint8Array(100)), box("moov", box("mvhd", mvhd)));
}

function webm(seconds: number): Uint8Array {
  const duration = new Uint8Array(8);
  new DataView(duration.buffer).setFloat64(0, seconds * 1000);
  const info = bytes([0x2a, 0xd7, 0xb1, 0x83], [0x0f, 0x42, 0x40], [0x44, 0x89, 0x88], duration);
  return bytes(
    [0x1a, 0x45, 0xdf, 0xa3, 0x80],
    [0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [0x15, 0x49, 0xa9, 0x66, 0x80 | info.length],
    info,
  );
}

describe("audioDuration", () => {
  it("reads each format's length from its header", () => {
    expect(audioDuration(wav(1.5))).toEqual({ format: "wav", seconds: 1.5 });
    expect(audioDuration(demoSpeech("hi"))?.seconds).toBeCloseTo(0.12, 6);
    expect(audioDuration(mp3(100))?.seconds).toBeCloseTo((100 * 1152) / 44100, 3);
    expect(audioDuration(mp3(3, { xing: 1000, id3: true }))?.seconds).toBeCloseTo((1000 * 1152) / 44100, 6);
    expect(audioDuration(flac(44100, 441000))).toEqual({ format: "flac", seconds: 10 });
    expect(audioDuration(oggOpus(48000 * 3 + 312, 312))).toEqual({ format: "ogg", seconds: 3 });
    expect(audioDuration(mp4(0, 1000, 61_500))).toEqual({ format: "m4a", seconds: 61.5 });
    expect(audioDuration(mp4(1, 44100, 44100 * 7))).toEqual({ format: "m4a", seconds: 7 });
    expect(audioDuration(webm(12.25))?.seconds).toBeCloseTo(12.25, 6);
  });

  it("counts the bytes a streamed WAV holds, not what it declares", () => {
    const streamed = wav(2);
    new DataView(streamed.buffer).setUint32(streamed.length - 32000 - 4, 0xffffffff, true);
    expect(audioDuration(streamed)?.seconds).toBe(2);
  });

  it("gives null for what is not audio or whose header is cut", () => {
    for (const bad of [
      new Uint8Array(),
      bytes("hello world"),
      wav(1).slice(0, 30),
      flac(44100, 1).slice(0, 20),
      mp4(0, 1000, 5).slice(0, 40),
      bytes("RIFF", le32(4), "WAVE"),
    ]) {
      expect(audioDuration(bad)).toBeNull();
    }
  });

  it("never throws, loops or answers a non-finite length on random or mangled input", () => {
    const samples = [wav(0.5), mp3(5), mp3(2, { xing: 9 }), flac(8000, 8000), oggOpus(48000, 0), mp4(0, 10, 10), mp4(1, 10, 10), webm(1)];
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.nat(),
        (file, edits, cut) => {
          const mangled = file.slice(0, 1 + (cut % file.length));
          for (const [at, value] of edits) mangled[at % mangled.length] = value;
          const info = audioDuration(mangled);
          if (info) expect(Number.isFinite(info.seconds) && info.seconds >= 0).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (random) => void audioDuration(random)),
      { numRuns: 2000 },
    );
  });
});
