// Captured bodies as stored: JSON, gzip-compressed, capped in size. Past the cap the longest strings
// are cut first, all to one common length (each marked with how much was cut), then the longest
// arrays the same way, so what is kept is still JSON, under the cap, with the start of everything.

export const DEFAULT_MAX_BYTES = 1_048_576;

export interface Packed {
  bytes: Uint8Array;
  /** Whether strings or arrays were cut to fit the cap. */
  truncated: boolean;
  /** The JSON text's size in UTF-8 bytes, before compression. */
  textBytes: number;
}

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).byteLength;

/** Stored when even the cut value does not fit (a huge object of numbers, a tiny cap). */
const TOO_LARGE = JSON.stringify({ truncated: true, note: "too large to keep, even cut" });

/** Cutting a string or an array shorter than this past the level would save less than its marker costs. */
const MIN_CUT = 64;
/** Bytes a marker adds at most: "…[truncated 123456789 chars]" in JSON. */
const MARKER_BYTES = 40;
/** Rounds of cutting before the last one, which cuts to the bone. */
const ROUNDS = 8;
const SAMPLE = 16;

/** A string or an array in the copy being cut: its length (characters or items) and its JSON bytes per unit. */
interface Slot {
  length: number;
  rate: number;
  cut: (keep: number) => void;
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function cutString(value: string, keep: number): string {
  let end = keep;
  // Not between the two halves of a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(value[end - 1]!)) end--;
  return `${value.slice(0, end)}…[truncated ${value.length - end} chars]`;
}

function stringSlot(value: string, set: (s: string) => void): Slot {
  return { length: value.length, rate: byteLength(JSON.stringify(value)) / value.length, cut: (keep) => set(cutString(value, keep)) };
}

/** Bytes per item from at most SAMPLE items spread over the array (arrays nest: all of them would be slow). */
function itemRate(items: unknown[]): number {
  const step = Math.max(1, Math.floor(items.length / SAMPLE));
  let bytes = 0;
  let n = 0;
  for (let i = 0; i < items.length; i += step, n++) bytes += byteLength(JSON.stringify(items[i]) ?? "null") + 1;
  return bytes / n;
}

function arraySlot(items: unknown[]): Slot {
  const original = items.slice();
  return {
    length: original.length,
    rate: itemRate(original),
    cut: (keep) => items.splice(0, items.length, ...original.slice(0, keep), `…[truncated ${original.length - keep} items]`),
  };
}

/** Every string longer than MIN_CUT in the value, with how to replace it in place. */
function stringSlots(value: unknown, out: Slot[] = []): Slot[] {
  if (value === null || typeof value !== "object") return out;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === "string") {
      if (item.length > MIN_CUT) out.push(stringSlot(item, (s) => (record[key] = s)));
    } else stringSlots(item, out);
  }
  return out;
}

function arraySlots(value: unknown, out: Slot[] = []): Slot[] {
  if (value === null || typeof value !== "object") return out;
  if (Array.isArray(value) && value.length > MIN_CUT) out.push(arraySlot(value));
  for (const item of Object.values(value)) arraySlots(item, out);
  return out;
}

/** Estimated bytes saved by cutting every slot to `level` units. */
function savedAt(slots: Slot[], level: number): number {
  let saved = 0;
  for (const slot of slots) if (slot.length - level > MIN_CUT) saved += (slot.length - level) * slot.rate - MARKER_BYTES;
  return saved;
}

/** The highest common length that saves at least `needed` bytes (0 when none does). */
function levelFor(slots: Slot[], needed: number): number {
  let low = 0;
  let high = Math.max(0, ...slots.map((s) => s.length));
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (savedAt(slots, mid) >= needed) low = mid;
    else high = mid - 1;
  }
  return low;
}

interface Fit {
  text: string;
  bytes: number;
  fits: boolean;
}

/**
 * Cuts the slots in place to one common length, lowered until the JSON (now `bytes`) fits. The
 * first level is estimated from each slot's bytes per unit; arrays inside cut arrays shrink with
 * the square of the level, hence the second, proportional bound on each next level.
 */
function cutToFit(copy: unknown, slots: Slot[], maxBytes: number, bytes: number): Fit {
  let needed = bytes - maxBytes;
  let level = levelFor(slots, needed);
  for (let round = 1; ; round++) {
    for (const slot of slots) if (slot.length - level > MIN_CUT) slot.cut(level);
    const text = JSON.stringify(copy);
    const size = byteLength(text);
    if (size <= maxBytes || level === 0) return { text, bytes: size, fits: size <= maxBytes };
    needed += size - maxBytes;
    level = round >= ROUNDS ? 0 : Math.min(level - 1, levelFor(slots, needed), Math.floor(level * Math.sqrt(maxBytes / size)));
  }
}

function fitted(value: unknown, maxBytes: number): { text: string; truncated: boolean } {
  const text = JSON.stringify(value) ?? "null";
  const bytes = byteLength(text);
  if (bytes <= maxBytes) return { text, truncated: false };
  const copy = JSON.parse(text) as unknown;
  // Strings first; when even cut to the bone they are not enough (an embeddings answer is mostly numbers), arrays too.
  const strings = stringSlots(copy);
  let fit: Fit = strings.length > 0 ? cutToFit(copy, strings, maxBytes, bytes) : { text, bytes, fits: false };
  if (!fit.fits) fit = cutToFit(copy, arraySlots(copy), maxBytes, fit.bytes);
  if (fit.fits) return { text: fit.text, truncated: true };
  return { text: byteLength(TOO_LARGE) <= maxBytes ? TOO_LARGE : "null", truncated: true };
}

/** gzip of the value's JSON text, cut to at most `maxBytes` (UTF-8) of it. */
export async function packBody(value: unknown, options: { maxBytes?: number } = {}): Promise<Packed> {
  const { text, truncated } = fitted(value, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return { bytes: await gzip(text), truncated, textBytes: byteLength(text) };
}

/** The value packBody stored. */
export async function unpackBody(bytes: Uint8Array | ArrayBuffer): Promise<unknown> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text()) as unknown;
}
