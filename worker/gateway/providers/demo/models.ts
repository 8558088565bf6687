// The built-in demo provider's catalogue. Prices are small but real so billing paths run.
import type { UnitKind } from "../../../db/schema.ts";

export type DemoModelType = "chat" | "embedding" | "image" | "speech" | "transcription" | "moderation" | "rerank";

export interface DemoModel {
  id: string;
  type: DemoModelType;
  description: string;
  inputPerMTokMicros: number;
  outputPerMTokMicros: number;
  /** Models billed per unit rather than per token: the unit and its price in micro-dollars (characters: per million). */
  unit?: { kind: UnitKind; micros: number };
}

export const DEMO_MODELS: readonly DemoModel[] = [
  { id: "echo", type: "chat", description: "Answers with the last user message.", inputPerMTokMicros: 100_000, outputPerMTokMicros: 200_000 },
  {
    id: "lorem",
    type: "chat",
    description: "Deterministic lorem ipsum of max_tokens tokens (default 64).",
    inputPerMTokMicros: 100_000,
    outputPerMTokMicros: 200_000,
  },
  { id: "embed", type: "embedding", description: "Deterministic 256-dimension embeddings.", inputPerMTokMicros: 20_000, outputPerMTokMicros: 0 },
  {
    id: "image",
    type: "image",
    description: "A small PNG pattern drawn from the prompt.",
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    unit: { kind: "image", micros: 1_000 },
  },
  {
    id: "speech",
    type: "speech",
    description: "A WAV of tones that encode the text (demo/whisper reads it back).",
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    unit: { kind: "character", micros: 1_000_000 },
  },
  {
    id: "whisper",
    type: "transcription",
    description: "Transcribes demo/speech's WAVs back to their text.",
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    unit: { kind: "audio_second", micros: 10 },
  },
  {
    id: "moderation",
    type: "moderation",
    description: "Flags a few words per category, OpenAI's categories.",
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    unit: { kind: "request", micros: 1 },
  },
  {
    id: "rerank",
    type: "rerank",
    description: "Orders documents by words shared with the query.",
    inputPerMTokMicros: 0,
    outputPerMTokMicros: 0,
    unit: { kind: "search_unit", micros: 100 },
  },
];

export function isDemoModel(model: string, type: DemoModelType): boolean {
  return DEMO_MODELS.some((m) => m.id === model && m.type === type);
}
