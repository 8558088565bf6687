// What every provider adapter offers the gateway: chat in the canonical (OpenAI) shape, as a
// whole or as a stream of chunks, embeddings where the provider has them, and — for the
// provider's own wire format — the raw upstream request, for byte-for-byte pass-through.
import type { ProviderKind } from "../../db/schema.ts";
import type { ChatCompletionRequest, OpenAIChatCompletion, OpenAIChunk } from "../formats/openai.ts";
import type { EmbeddingsRequest } from "../openai-schema.ts";
import type { UpstreamRequest, UpstreamTrace } from "../upstream.ts";
import type { MediaEndpoint } from "./descriptor.ts";

export interface Target {
  providerName: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey: string | null;
  /** The model name the provider knows. */
  model: string;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /** The x-aggregator-hops count to send upstream (hops.ts). */
  hops: number;
  /** The attempt's traceparent and the observer of the headers sent (upstream.ts). */
  trace?: UpstreamTrace | undefined;
  /** prompt_cache "auto": mark the stable prefix for the provider's cache (Anthropic: providers/anthropic/prompt-cache.ts). */
  promptCache?: boolean;
}

/**
 * Canonical chunks; a normal end means the upstream sent its terminator. The last chunk
 * before the end carries `usage` (the provider's count, or ours when it sent none).
 */
export type ChunkStream = AsyncGenerator<OpenAIChunk, void, undefined>;

export interface EmbeddingsResponse {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] }[];
  model: string;
  /** Absent when the provider reported none (we count the tokens then). */
  usage?: { prompt_tokens: number; total_tokens: number };
}

export type WireFormat = "openai" | "anthropic";

export interface MediaRequest {
  endpoint: MediaEndpoint;
  /** A JSON body, or a multipart form (image edits, transcriptions, translations); its `model` is the target's. */
  body: Record<string, unknown> | FormData;
}

/** Images, audio, moderation and rerank: the request in OpenAI's wire format, the answer in it too. */
export interface MediaAdapter {
  serves(endpoint: MediaEndpoint): boolean;
  call(target: Target, request: MediaRequest, options: CallOptions): Promise<Response>;
}

/** A file as the provider holds it. */
export interface UpstreamFile {
  id: string;
  bytes: number;
}

/** A batch as the provider reports it: OpenAI's Batch object. */
export interface UpstreamBatch extends Record<string, unknown> {
  id: string;
  status: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
}

export interface BatchCreate {
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata?: Record<string, string>;
}

/** OpenAI's Batch API: files uploaded for batches, batches created, followed and cancelled, their output read. */
export interface BatchApi {
  uploadFile(target: Target, file: File, options: CallOptions): Promise<UpstreamFile>;
  createBatch(target: Target, body: BatchCreate, options: CallOptions): Promise<UpstreamBatch>;
  retrieveBatch(target: Target, id: string, options: CallOptions): Promise<UpstreamBatch>;
  cancelBatch(target: Target, id: string, options: CallOptions): Promise<UpstreamBatch>;
  /** The file's contents, unread. */
  fileContent(target: Target, id: string, options: CallOptions): Promise<Response>;
  deleteFile(target: Target, id: string, options: CallOptions): Promise<void>;
}

export interface ProviderAdapter {
  /** The wire format the provider speaks natively, when it is one a client can speak too. */
  readonly native: WireFormat | null;
  chat(target: Target, req: ChatCompletionRequest, options: CallOptions): Promise<OpenAIChatCompletion>;
  /** Resolves once the upstream has answered with a stream (so failures before it can fall back). */
  chatStream(target: Target, req: ChatCompletionRequest, options: CallOptions): Promise<ChunkStream>;
  embed?(target: Target, req: EmbeddingsRequest, options: CallOptions): Promise<EmbeddingsResponse>;
  /** The upstream request for a body already in the provider's native format. */
  nativeRequest?(target: Target, body: Record<string, unknown>, options: CallOptions): UpstreamRequest;
  media?: MediaAdapter;
  batches?: BatchApi;
}
