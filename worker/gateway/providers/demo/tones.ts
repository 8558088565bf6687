// The demo's "speech": text as sound that demo/whisper can read back. Each UTF-8 byte is two
// tones, one per half-byte, at 600 + 200·n Hz; a 400 Hz tone then as long a silence open the
// data and set the symbol length, which the speed sets (160 samples, 20 ms, at speed 1).
export const SAMPLE_RATE = 8000;
export const PREAMBLE_HZ = 400;
export const BASE_HZ = 600;
export const STEP_HZ = 200;
export const AMPLITUDE = 12_000;
const BASE_SYMBOL = 160;

export const symbolLength = (speed: number): number => Math.max(40, Math.round(BASE_SYMBOL / speed));
export const nibbleHz = (nibble: number): number => BASE_HZ + STEP_HZ * nibble;

/** A tone's samples, written into `out` at `from`. */
export function tone(out: Int16Array, from: number, length: number, hz: number): void {
  for (let i = 0; i < length; i++) out[from + i] = Math.round(AMPLITUDE * Math.cos((2 * Math.PI * hz * i) / SAMPLE_RATE));
}

/** The power of one frequency in a window of samples (Goertzel). */
export function power(samples: Int16Array, from: number, length: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < length; i++) {
    const s = (samples[from + i] ?? 0) + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}
