// The built-in demo provider's catalogue. Prices are small but real so billing paths run.
export interface DemoModel {
  id: string;
  type: "chat" | "embedding";
  description: string;
  inputPerMTokMicros: number;
  outputPerMTokMicros: number;
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
];

export function isDemoModel(model: string, type: "chat" | "embedding"): boolean {
  return DEMO_MODELS.some((m) => m.id === model && m.type === type);
}
