// The most a model may write when the caller sets no limit: what admission reserves credit for.
// Known families by name; anything else gets a conservative default.
const FAMILIES: [RegExp, number][] = [
  [/^(gpt-5|o3|o4|o1)/, 128_000],
  [/^gpt-4\.1/, 32_768],
  [/^gpt-4o/, 16_384],
  [/^claude-(opus-4|sonnet-4|haiku-4|3-7)/, 64_000],
  [/^claude-3-5/, 8_192],
  [/^gemini-(2\.5|3)/, 65_536],
  [/^gemini/, 8_192],
];

export const DEFAULT_MAX_OUTPUT = 4_096;

export function maxOutputTokens(upstreamModel: string): number {
  return FAMILIES.find(([pattern]) => pattern.test(upstreamModel))?.[1] ?? DEFAULT_MAX_OUTPUT;
}
