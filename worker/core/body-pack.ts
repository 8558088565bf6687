// Captured bodies as stored: JSON, gzip-compressed, capped in size. Past the cap the longest
// strings are cut first (each marked with how much was cut), so what is kept is still JSON.

export const DEFAULT_MAX_BYTES = 1_048_576;

export interface Packed {
  bytes: Uint8Array;
  /** Whether strings were cut to fit the cap. */
  truncated: boolean;
  /** The JSON text's size before compression. */
  textBytes: number;
}

const encoder = new TextEncoder();

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

interface StringSlot {
  value: string;
  set: (s: string) => void;
}

/** Every string in the value with where it sits. */
function stringsOf(value: unknown, out: StringSlot[] = []): StringSlot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === "string") out.push({ value: item, set: (s) => (value[i] = s) });
      else stringsOf(item, out);
    });
  } else if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const [key, item] of Object.entries(record)) {
      if (typeof item === "string") out.push({ value: item, set: (s) => (record[key] = s) });
      else stringsOf(item, out);
    }
  }
  return out;
}

/** Cuts the longest strings until the JSON fits `maxBytes`; the value is a copy, the input is untouched. */
function fitted(value: unknown, maxBytes: number): { text: string; truncated: boolean } {
  let text = JSON.stringify(value) ?? "null";
  if (encoder.encode(text).byteLength <= maxBytes) return { text, truncated: false };
  const copy = JSON.parse(text) as unknown;
  const strings = stringsOf(copy).sort((a, b) => b.value.length - a.value.length);
  for (const slot of strings) {
    const original = slot.value.length;
    const bytesPerChar = encoder.encode(slot.value).byteLength / Math.max(1, original);
    let kept = original;
    // Cut by the string's own bytes per character; an estimate, so again (a few times) while still over.
    for (let round = 0; round < 4; round++) {
      const over = encoder.encode(text).byteLength - maxBytes;
      if (over <= 0 || kept === 0) break;
      kept = Math.max(0, kept - Math.ceil((over + 64) / bytesPerChar));
      slot.set(`${slot.value.slice(0, kept)}…[truncated ${original - kept} chars]`);
      text = JSON.stringify(copy);
    }
    if (encoder.encode(text).byteLength <= maxBytes) break;
  }
  if (encoder.encode(text).byteLength > maxBytes) text = JSON.stringify({ truncated: true, note: "too large to keep even cut" });
  return { text, truncated: true };
}

/** gzip of the value's JSON, at most about `maxBytes` of JSON text. */
export async function packBody(value: unknown, options: { maxBytes?: number } = {}): Promise<Packed> {
  const { text, truncated } = fitted(value, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return { bytes: await gzip(text), truncated, textBytes: encoder.encode(text).byteLength };
}

/** The value packBody stored. */
export async function unpackBody(bytes: Uint8Array | ArrayBuffer): Promise<unknown> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text()) as unknown;
}
