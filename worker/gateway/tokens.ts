// A local token count for providers that report none (the demo provider, estimates for
// providers that drop usage). A word, number or single punctuation mark is one token: a
// deterministic approximation, not any vendor's tokenizer.
const TOKEN = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

export function countTokens(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(TOKEN)) n++;
  return n;
}

/** The text split into tokens, each with the whitespace before it, so joining restores the text. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*(?:[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}])/gu) ?? [];
}
