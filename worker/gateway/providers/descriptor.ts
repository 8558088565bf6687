// What the gateway knows about one provider kind, in one place: where its upstream is, how to
// authenticate, which endpoints it serves and at what path, how to probe it, and the adapter
// that calls it. The registry (index.ts) holds one per kind of PROVIDER_KINDS.
import type { ProviderAdapter } from "./types.ts";

/** The upstream endpoints a kind may serve. */
export type Endpoint = "chat" | "chat_stream" | "embeddings" | "responses" | "count_tokens" | "models" | MediaEndpoint | "files" | "batches";

/** Endpoints beyond chat, in OpenAI's wire format (rerank: Cohere's and Jina's), each billed in its own unit. */
export const MEDIA_ENDPOINTS = ["images", "image_edits", "speech", "transcriptions", "translations", "moderations", "rerank"] as const;
export type MediaEndpoint = (typeof MEDIA_ENDPOINTS)[number];

/**
 * The path after the base URL of each endpoint the kind serves (absent: not served). A function
 * of the upstream model, because some providers (Gemini) put the model in the path.
 */
export type EndpointPaths = { readonly [E in Endpoint]?: (model: string) => string };

/** How a kind talks HTTP to its upstream: what the adapter and the probe both need. */
export interface Wire {
  /** Every header an upstream request carries besides its content type: the key, and any pinned API version. */
  headers(apiKey: string | null): Record<string, string>;
  readonly endpoints: EndpointPaths;
}

/** How POST /api/providers/:id/test lists a provider's models. */
export type ModelProbe =
  /** GET the `models` endpoint with the kind's headers and read the model ids from the answer. */
  | { readonly via: "upstream"; modelIds(body: unknown): string[] | undefined }
  /** The kind has no upstream: it lists its own models. */
  | { readonly via: "local"; modelIds(): string[] };

export interface ProviderDescriptor extends Wire {
  /** The base URL of a provider of this kind that sets none; null when there is none to default to. */
  readonly defaultBaseUrl: string | null;
  /** A provider of this kind must set its own base_url (the API refuses one without). */
  readonly needsBaseUrl: boolean;
  /** A provider of this kind cannot answer without an upstream API key. */
  readonly needsKey: boolean;
  readonly probe: ModelProbe;
  readonly adapter: ProviderAdapter;
}
