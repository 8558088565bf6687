// The keys the mock upstream (test/mocks/upstream.ts) accepts, one per wire format. Kept apart
// from the mock so that tests running inside workerd can import them without node:http.
export const UPSTREAM_KEYS = {
  openai: "sk-mock-openai-0123456789abcdefghijklmnop",
  anthropic: "mock-anthropic-key-0123456789abcdefghijklmnop",
  gemini: "AIza-mock-gemini-0123456789abcdefghijkl",
} as const;

export type UpstreamFlavor = keyof typeof UPSTREAM_KEYS;

/** The models each flavour of the mock lists. */
export const UPSTREAM_MODELS: Record<UpstreamFlavor, readonly string[]> = {
  openai: ["gpt-4o-mini", "gpt-5-mini", "text-embedding-3-small"],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5"],
  gemini: ["gemini-2.5-flash", "gemini-2.5-pro"],
};

/**
 * A request as the mock recorded it. `GET /__requests?model=<m>[&flavor=<f>]` on the mock answers
 * `{ requests: RecordedRequest[] }`, oldest first, so tests inside workerd can see what reached
 * the upstream.
 */
export interface RecordedRequest {
  seq: number;
  at: number;
  flavor: UpstreamFlavor;
  method: string;
  /** The path below the flavour's prefix, e.g. `/v1/messages`. */
  path: string;
  /** The query string, e.g. `?alt=sse`, or "". */
  query: string;
  /** The model the request named (body `model`, or Gemini's path), or null. */
  model: string | null;
  stream: boolean;
  /** Whether the flavour's key was presented. */
  authorized: boolean;
  /** The headers of interest: anthropic-version, content-type, accept, x-aggregator-hops, traceparent. */
  headers: Record<string, string>;
  /** The parsed JSON body (null when there was none or it was not JSON). */
  body: unknown;
  /** A multipart body's text fields and files. */
  form?: { fields: Record<string, string>; files: { name: string; filename: string; type: string; size: number }[] };
  /** The status sent, or null when none was (a reset, or the client left first). */
  status: number | null;
  /** The data payloads of the SSE events sent, in order. */
  events: string[];
  /** The response was sent in full. */
  completed: boolean;
  /** The client closed the connection before the response ended. */
  aborted: boolean;
}

/**
 * The mock's token count: whitespace-separated words. A prompt's input tokens are the words of
 * its system and message texts (not images, tool calls or tool results); an answer's output
 * tokens are its words. `[cached=N]` in a prompt adds N cached input tokens (cache reads),
 * `[write5m=N]` / `[write1h=N]` N written to the cache for 5 minutes / an hour (Anthropic reports
 * them as cache_creation; the other flavours count them as plain input), `[input=N]` N uncached
 * ones, `[reasoning=N]` N reasoning output tokens, and `[thinking=N]` (Anthropic streams) a
 * thinking block of N words before the text, counted as output.
 */
export const mockWords = (text: string): number => (text.match(/\S+/g) ?? []).length;
