// How long an uploaded audio file plays, from its own header, before the provider is called:
// what a transcription reserves and, when the provider reports no duration, what it is billed.
// The formats OpenAI's transcription takes: WAV, MP3, FLAC, Ogg (Vorbis, Opus), MP4/M4A and
// WebM/Matroska. Every read is bounds-checked: hostile bytes give null, never a throw or a loop.

export type AudioFormat = "wav" | "mp3" | "flac" | "ogg" | "m4a" | "webm";

export interface AudioInfo {
  format: AudioFormat;
  seconds: number;
}

/** A bounds-checked big- or little-endian reader: out of range reads are null. */
class Bytes {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  has(at: number, n: number): boolean {
    return at >= 0 && n >= 0 && at + n <= this.bytes.length;
  }
  ascii(at: number, n: number): string {
    return this.has(at, n) ? String.fromCharCode(...this.bytes.subarray(at, at + n)) : "";
  }
  u8(at: number): number | null {
    return this.has(at, 1) ? this.bytes[at]! : null;
  }
  u16(at: number, little = false): number | null {
    return this.has(at, 2) ? this.view.getUint16(at, little) : null;
  }
  u32(at: number, little = false): number | null {
    return this.has(at, 4) ? this.view.getUint32(at, little) : null;
  }
  u64(at: number, little = false): number | null {
    return this.has(at, 8) ? Number(this.view.getBigUint64(at, little)) : null;
  }
}

const finite = (seconds: number | null): number | null => (seconds !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds : null);

// ── WAV ─────────────────────────────────────────────────────────────────────────────────────

function wav(b: Bytes): number | null {
  let byteRate: number | null = null;
  for (let at = 12; b.has(at, 8); ) {
    const id = b.ascii(at, 4);
    const size = b.u32(at + 4, true)!;
    if (id === "fmt ") byteRate = b.u32(at + 16, true);
    else if (id === "data") {
      if (!byteRate) return null;
      // A streamed WAV may declare 0xFFFFFFFF or more than it holds: count what is there.
      return Math.min(size, b.length - at - 8) / byteRate;
    }
    at += 8 + size + (size & 1);
  }
  return null;
}

// ── MP3 ─────────────────────────────────────────────────────────────────────────────────────

const BITRATES: Record<string, number[]> = {
  "1-1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 25: [11025, 12000, 8000] };

interface Frame {
  length: number;
  samples: number;
  sampleRate: number;
  bitrate: number;
  mono: boolean;
  version: number;
}

function mp3Frame(b: Bytes, at: number): Frame | null {
  const h = b.u32(at);
  if (h === null || h >>> 21 !== 0x7ff) return null;
  const versionBits = (h >>> 19) & 3;
  const layerBits = (h >>> 17) & 3;
  const bitrateIndex = (h >>> 12) & 0xf;
  const rateIndex = (h >>> 10) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 25;
  const layer = 4 - layerBits;
  const bitrate = BITRATES[`${version === 1 ? 1 : 2}-${version === 1 ? layer : Math.min(layer, 2)}`]![bitrateIndex]! * 1000;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (h >>> 9) & 1;
  const samples = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const length = layer === 1 ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4 : Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { length, samples, sampleRate, bitrate, mono: ((h >>> 6) & 3) === 3, version };
}

function id3Size(b: Bytes): number {
  if (b.ascii(0, 3) !== "ID3") return 0;
  const size = [6, 7, 8, 9].reduce((s, i) => (s << 7) | ((b.u8(i) ?? 0) & 0x7f), 0);
  const footer = ((b.u8(5) ?? 0) & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/** Frames from a Xing/Info or VBRI header, when the first frame carries one. */
function vbrFrames(b: Bytes, at: number, frame: Frame): number | null {
  const side = frame.version === 1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17;
  const xing = at + 4 + side;
  const tag = b.ascii(xing, 4);
  if ((tag === "Xing" || tag === "Info") && ((b.u32(xing + 4) ?? 0) & 1) !== 0) return b.u32(xing + 8);
  if (b.ascii(at + 36, 4) === "VBRI") return b.u32(at + 36 + 14);
  return null;
}

function mp3(b: Bytes): number | null {
  let at = id3Size(b);
  // The first frame whose successor is a frame too: a stray sync word is not a stream.
  let first: Frame | null = null;
  for (const end = Math.min(b.length, at + 64 * 1024); at < end; at++) {
    const frame = mp3Frame(b, at);
    if (frame && frame.length > 0 && (mp3Frame(b, at + frame.length) || at + frame.length === b.length)) {
      first = frame;
      break;
    }
  }
  if (!first) return null;
  const frames = vbrFrames(b, at, first);
  if (frames !== null) return (frames * first.samples) / first.sampleRate;
  let seconds = 0;
  for (let frame: Frame | null = first; frame && frame.length > 0; frame = mp3Frame(b, at)) {
    seconds += frame.samples / frame.sampleRate;
    at += frame.length;
  }
  return seconds;
}

// ── FLAC ────────────────────────────────────────────────────────────────────────────────────

function flac(b: Bytes): number | null {
  // fLaC, then the STREAMINFO block: sample rate (20 bits) and total samples (36 bits) at byte 18.
  const hi = b.u32(18);
  const lo = b.u32(22);
  if (hi === null || lo === null) return null;
  const sampleRate = hi >>> 12;
  const total = (hi & 0xf) * 2 ** 32 + lo;
  return sampleRate ? total / sampleRate : null;
}

// ── Ogg ─────────────────────────────────────────────────────────────────────────────────────

function ogg(b: Bytes): number | null {
  const segments = b.u8(26);
  if (segments === null) return null;
  const packet = 27 + segments;
  let rate: number;
  let preSkip = 0;
  if (b.ascii(packet, 8) === "OpusHead") {
    rate = 48000;
    preSkip = b.u16(packet + 10, true) ?? 0;
  } else if (b.ascii(packet + 1, 6) === "vorbis") {
    rate = b.u32(packet + 12, true) ?? 0;
  } else return null;
  if (!rate) return null;
  // The last page's granule position: the stream's length in samples.
  for (let at = b.length - 27; at >= 0; at--) {
    if (b.ascii(at, 4) !== "OggS") continue;
    const granule = b.u64(at + 6, true);
    if (granule === null || granule >= 2 ** 53) return null;
    return Math.max(0, granule - preSkip) / rate;
  }
  return null;
}

// ── MP4 / M4A ───────────────────────────────────────────────────────────────────────────────

function boxes(b: Bytes, from: number, to: number, visit: (type: string, body: number, end: number) => number | null | undefined): number | null {
  for (let at = from; b.has(at, 8) && at < to; ) {
    let size = b.u32(at)!;
    let header = 8;
    if (size === 1) {
      size = b.u64(at + 8) ?? 0;
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header) return null;
    const found = visit(b.ascii(at + 4, 4), at + header, Math.min(to, at + size));
    if (found !== undefined) return found;
    at += size;
  }
  return null;
}

function mp4(b: Bytes): number | null {
  return boxes(b, 0, b.length, (type, body, end) => {
    if (type !== "moov") return undefined;
    return boxes(b, body, end, (inner, at) => {
      if (inner !== "mvhd") return undefined;
      const version = b.u8(at);
      const timescale = b.u32(at + (version === 1 ? 20 : 12));
      const duration = version === 1 ? b.u64(at + 24) : b.u32(at + 16);
      return timescale && duration !== null ? duration / timescale : null;
    });
  });
}

// ── WebM / Matroska ─────────────────────────────────────────────────────────────────────────

/** An EBML variable-length integer: its value and width (value null: unknown size). */
function vint(b: Bytes, at: number, keepMarker: boolean): { value: number | null; width: number } | null {
  const first = b.u8(at);
  if (!first) return null;
  const width = Math.clz32(first) - 23;
  if (width < 1 || width > 8 || !b.has(at, width)) return null;
  let value = keepMarker ? first : first & (0xff >> width);
  let allOnes = value === 0xff >> width;
  for (let i = 1; i < width; i++) {
    const byte = b.u8(at + i)!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value: !keepMarker && allOnes ? null : value, width };
}

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;

function webm(b: Bytes): number | null {
  let scale = 1_000_000;
  let duration: number | null = null;
  const walk = (from: number, to: number, depth: number): void => {
    for (let at = from; at < to && depth < 4; ) {
      const id = vint(b, at, true);
      const size = id && vint(b, at + id.width, false);
      if (!id || !size) return;
      const body = at + id.width + size.width;
      const end = size.value === null ? to : Math.min(to, body + size.value);
      if (id.value === SEGMENT || id.value === INFO) walk(body, end, depth + 1);
      else if (id.value === TIMECODE_SCALE) scale = [...b.bytes.subarray(body, end)].reduce((s, x) => s * 256 + x, 0);
      else if (id.value === DURATION) duration = end - body === 4 ? b.view.getFloat32(body) : end - body === 8 ? b.view.getFloat64(body) : null;
      if (id.value === INFO || duration !== null || size.value === null) return;
      at = end;
    }
  };
  walk(0, b.length, 0);
  return duration === null ? null : (duration * scale) / 1e9;
}

// ── dispatch ────────────────────────────────────────────────────────────────────────────────

function formatOf(b: Bytes): AudioFormat | null {
  if (b.ascii(0, 4) === "RIFF" && b.ascii(8, 4) === "WAVE") return "wav";
  if (b.ascii(0, 4) === "fLaC") return "flac";
  if (b.ascii(0, 4) === "OggS") return "ogg";
  if (b.ascii(4, 4) === "ftyp") return "m4a";
  if (b.u32(0) === 0x1a45dfa3) return "webm";
  if (b.ascii(0, 3) === "ID3" || (b.u16(0) ?? 0) >>> 5 === 0x7ff) return "mp3";
  return null;
}

const READERS: Record<AudioFormat, (b: Bytes) => number | null> = { wav, mp3, flac, ogg, m4a: mp4, webm };

/** The file's format and length in seconds; null when it is none of these or its header does not hold. */
export function audioDuration(bytes: Uint8Array): AudioInfo | null {
  const b = new Bytes(bytes);
  const format = formatOf(b);
  if (!format) return null;
  let seconds: number | null;
  try {
    seconds = finite(READERS[format](b));
  } catch {
    // A DataView read past the end where a check was missed: unreadable, not a failure of ours.
    seconds = null;
  }
  return seconds === null ? null : { format, seconds };
}
