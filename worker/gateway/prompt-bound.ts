// The most tokens a request's prompt can come to, for the credit admission reserves: a bound
// the caller cannot shrink. Every byte of the body counts, whatever field it is in (no
// provider's tokenizer makes a token of less than one UTF-8 byte), plus what a reference pulls
// in that the body does not carry: an image or a document by URL or id, a stored conversation.
// Our token estimate (tokens.ts) is for rate limits and for usage a provider did not report;
// it undercounts by design and must never decide what is reserved.

/** Message framing and the prompts providers add for tools, per call. */
const FRAMING_TOKENS = 1_024;

const REFERENCE_TOKENS = {
  /** The largest image any provider bills (a high-detail tiled image, or one scaled up). */
  image: 8_000,
  /** A PDF or file by URL or id: up to ~100 pages at ~1,000 tokens each. */
  document: 100_000,
  /** A previous response, stored conversation or stored prompt: a long context's worth. */
  stored: 128_000,
} as const;

const REFERENCE = /"type"\s*:\s*"(image_url|input_image|image|document|file|input_file)"|"(previous_response_id|conversation)"\s*:\s*["{]|"prompt"\s*:\s*\{/g;

function referenceTokens(match: RegExpMatchArray): number {
  const type = match[1];
  if (type === undefined) return REFERENCE_TOKENS.stored;
  return type.includes("image") ? REFERENCE_TOKENS.image : REFERENCE_TOKENS.document;
}

/** An upper bound on the prompt tokens of a JSON request body of `bytes` UTF-8 bytes. */
export function promptTokenBound(text: string, bytes: number): number {
  let bound = bytes + FRAMING_TOKENS;
  for (const match of text.matchAll(REFERENCE)) bound += referenceTokens(match);
  return bound;
}
