// Provider-neutral shapes that adapters produce and the wire formats render.
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** True when we counted the tokens ourselves because the provider reported none. */
  estimated: boolean;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface ChatResult {
  text: string;
  finishReason: FinishReason;
  usage: Usage;
}

export type ChatStreamEvent =
  | { type: "delta"; text: string }
  | { type: "finish"; finishReason: FinishReason; usage: Usage };

export interface EmbeddingsResult {
  vectors: number[][];
  usage: Usage;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, estimated: false };
}
