// The demo provider's `whisper` model: reads demo/speech's tones back to their text, from the
// samples (tones.ts). A WAV in any other encoding is silence to it ("").
import { AppError } from "../../../core/errors.ts";
import { nibbleHz, power, PREAMBLE_HZ } from "./tones.ts";

interface Pcm {
  samples: Int16Array;
  sampleRate: number;
  channels: number;
  bits: number;
}

const notWav = () => new AppError("invalid_request", "demo/whisper reads WAV audio only.", { code: "invalid_audio", param: "file" });

/** The fmt and data chunks of a RIFF/WAVE file, wherever they are. */
function readWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") throw notWav();
  let format: Omit<Pcm, "samples"> | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = ascii(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt " && size >= 16 && body + 16 <= bytes.length) {
      format = { channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === "data") {
      if (!format) throw notWav();
      const end = Math.min(bytes.length, body + size);
      const usable = format.bits === 16 ? (end - body) & ~1 : 0;
      const samples = new Int16Array(usable / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + i * 2, true);
      return { ...format, samples };
    }
    at = body + size + (size & 1);
  }
  throw notWav();
}

/** The symbol length the preamble sets: its tone, up to the silence after it. */
function symbolLengthOf(samples: Int16Array): number | null {
  let zeros = 0;
  for (let i = 0; i < samples.length; i++) {
    zeros = samples[i] === 0 ? zeros + 1 : 0;
    if (zeros === 4) {
      const length = i - 3;
      return length >= 8 && power(samples, 0, length, PREAMBLE_HZ) > power(samples, 0, length, nibbleHz(0)) ? length : null;
    }
  }
  return null;
}

function nibbleAt(samples: Int16Array, from: number, length: number): number {
  let best = 0;
  let bestPower = -1;
  for (let n = 0; n < 16; n++) {
    const p = power(samples, from, length, nibbleHz(n));
    if (p > bestPower) [best, bestPower] = [n, p];
  }
  return best;
}

export function demoTranscribe(audio: Uint8Array): { text: string; seconds: number } {
  const pcm = readWav(audio);
  const seconds = pcm.sampleRate > 0 ? pcm.samples.length / pcm.channels / pcm.sampleRate : 0;
  const length = pcm.channels === 1 ? symbolLengthOf(pcm.samples) : null;
  if (length === null) return { text: "", seconds };
  const count = Math.floor((pcm.samples.length / length - 2) / 2);
  const bytes = new Uint8Array(Math.max(0, count));
  for (let i = 0; i < bytes.length; i++) {
    const at = (2 + i * 2) * length;
    bytes[i] = (nibbleAt(pcm.samples, at, length) << 4) | nibbleAt(pcm.samples, at + length, length);
  }
  return { text: new TextDecoder().decode(bytes), seconds };
}
