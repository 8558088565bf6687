// The most a model writes in one answer, by model family: the one table both admission (the
// credit reserved when a caller sets no limit) and translation (Anthropic requires max_tokens)
// read. Limits belong to the model, not to the kind: an openai-compatible host serves the same
// families under the same names. Values are the providers' documented maximum output tokens.
interface ModelFamily {
  readonly pattern: RegExp;
  readonly maxOutput: number;
}

const FAMILIES: readonly ModelFamily[] = [
  { pattern: /^(gpt-5|o3|o4|o1)/, maxOutput: 128_000 },
  { pattern: /^gpt-4\.1/, maxOutput: 32_768 },
  { pattern: /^gpt-4o/, maxOutput: 16_384 },
  // Opus 4 and 4.1, by alias or dated id; Opus 4.5 and later fall through to the next row.
  { pattern: /^claude-opus-4-?[01]?($|-2)/, maxOutput: 32_000 },
  { pattern: /^claude-(opus-4|sonnet-4|haiku-4|3-7)/, maxOutput: 64_000 },
  { pattern: /^claude-3-5/, maxOutput: 8_192 },
  { pattern: /^gemini-(2\.5|3)/, maxOutput: 65_536 },
  { pattern: /^gemini/, maxOutput: 8_192 },
];

/** Anything not in the table: conservative. */
export const DEFAULT_MAX_OUTPUT = 4_096;

export function maxOutputTokens(upstreamModel: string): number {
  return FAMILIES.find((f) => f.pattern.test(upstreamModel))?.maxOutput ?? DEFAULT_MAX_OUTPUT;
}
