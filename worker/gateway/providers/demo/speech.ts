// The demo provider's `speech` model: a 16-bit mono WAV of the text's tones (tones.ts), whose
// length follows the text and the speed.
import { AppError } from "../../../core/errors.ts";
import { nibbleHz, PREAMBLE_HZ, SAMPLE_RATE, symbolLength, tone } from "./tones.ts";

const MAX_CHARACTERS = 4096;

function wav(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(44 + samples.byteLength);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples.byteLength, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, SAMPLE_RATE, true);
  view.setUint32(28, SAMPLE_RATE * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples.byteLength, true);
  bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), 44);
  return bytes;
}

export function demoSpeech(text: string, speed = 1): Uint8Array {
  if ([...text].length > MAX_CHARACTERS) {
    throw new AppError("invalid_request", `demo/speech reads at most ${MAX_CHARACTERS} characters.`, { code: "string_above_max_length", param: "input" });
  }
  if (!(speed >= 0.25 && speed <= 4)) throw new AppError("invalid_request", "speed must be from 0.25 to 4.", { code: "invalid_value", param: "speed" });
  const bytes = new TextEncoder().encode(text);
  const length = symbolLength(speed);
  const samples = new Int16Array((2 + bytes.length * 2) * length);
  tone(samples, 0, length, PREAMBLE_HZ);
  bytes.forEach((byte, i) => {
    tone(samples, (2 + i * 2) * length, length, nibbleHz(byte >>> 4));
    tone(samples, (3 + i * 2) * length, length, nibbleHz(byte & 0xf));
  });
  return wav(samples);
}
