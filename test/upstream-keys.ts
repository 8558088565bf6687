// The keys the mock upstream (test/upstream-mock.ts) accepts, one per wire format. Kept apart
// from the mock so that tests running inside workerd can import them without node:http.
export const UPSTREAM_KEYS = {
  openai: "sk-mock-openai-0123456789abcdefghijklmnop",
  anthropic: "sk-ant-mock-0123456789abcdefghijklmnop",
  gemini: "AIza-mock-gemini-0123456789abcdefghijkl",
} as const;

export type UpstreamFlavor = keyof typeof UPSTREAM_KEYS;

/** The models each flavour of the mock lists. */
export const UPSTREAM_MODELS: Record<UpstreamFlavor, readonly string[]> = {
  openai: ["gpt-4o-mini", "gpt-5-mini", "text-embedding-3-small"],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5"],
  gemini: ["gemini-2.5-flash", "gemini-2.5-pro"],
};
