// The demo provider's `image` model: a 64×64 PNG whose colours and stripes come from the prompt,
// so the same prompt draws the same picture. Written uncompressed (deflate's stored blocks), so
// it stays synchronous and small enough (12 KB) to send base64 in JSON.
import { AppError } from "../../../core/errors.ts";

export const DEMO_IMAGE_SIZES = ["256x256", "512x512", "1024x1024"] as const;
const SIDE = 64;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function chunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array([...type].map((c) => c.charCodeAt(0)).concat(...data));
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/** zlib around one stored deflate block (raw data under 64 KiB). */
function zlibStored(raw: Uint8Array): Uint8Array {
  const len = raw.length;
  return new Uint8Array([0x78, 0x01, 0x01, len & 0xff, len >>> 8, ~len & 0xff, (~len >>> 8) & 0xff, ...raw, ...u32(adler32(raw))]);
}

/** FNV-1a of the prompt: the picture's seed. */
function seedOf(prompt: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(prompt)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

export function demoImage(prompt: string, size: string): Uint8Array {
  if (!(DEMO_IMAGE_SIZES as readonly string[]).includes(size)) {
    throw new AppError("invalid_request", `demo/image draws ${DEMO_IMAGE_SIZES.join(", ")}, not '${size.slice(0, 32)}'.`, {
      code: "invalid_value",
      param: "size",
    });
  }
  const seed = seedOf(prompt);
  const [r, g, b] = [seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff];
  const stripe = 4 + ((seed >>> 24) % 12);
  const raw = new Uint8Array(SIDE * (1 + SIDE * 3));
  for (let y = 0; y < SIDE; y++) {
    const row = y * (1 + SIDE * 3); // filter byte 0: none
    for (let x = 0; x < SIDE; x++) {
      const on = Math.floor((x + y) / stripe) % 2 === 0;
      const at = row + 1 + x * 3;
      raw[at] = on ? r : 255 - r;
      raw[at + 1] = on ? g : (g + x * 4) & 0xff;
      raw[at + 2] = on ? b : (b + y * 4) & 0xff;
    }
  }
  const header = new Uint8Array([...u32(SIDE), ...u32(SIDE), 8, 2, 0, 0, 0]); // 8-bit RGB
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk("IHDR", header),
    ...chunk("IDAT", zlibStored(raw)),
    ...chunk("IEND", new Uint8Array()),
  ]);
}
