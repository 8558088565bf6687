// The /v1 endpoints as the OpenAPI document lists them (the gateway's own routes stay plain
// Hono handlers: no wrapper on the hot path).
import type { EndpointDoc } from "../core/endpoint-doc.ts";
import { anthropicCountTokensRequest, anthropicMessagesRequest } from "./formats/anthropic.ts";
import { speechRequest } from "./endpoints/audio.ts";
import { createBatchRequest, listBatchesQuery } from "./endpoints/batches.ts";
import { listFilesQuery } from "./endpoints/files.ts";
import { generationRequest } from "./endpoints/images.ts";
import { moderationRequest } from "./endpoints/moderations.ts";
import { rerankRequest } from "./endpoints/rerank.ts";
import { inputItemsQuery } from "./endpoints/stored-responses.ts";
import { responsesRequest } from "./formats/responses.ts";
import { chatCompletionRequest, embeddingsRequest } from "./openai-schema.ts";

const doc = (method: EndpointDoc["method"], path: string, summary: string, body?: EndpointDoc["body"]): EndpointDoc => ({
  method,
  path,
  tag: "gateway",
  access: "api-key",
  summary,
  ...(body ? { body } : {}),
});

export const gatewayDocs: EndpointDoc[] = [
  doc("post", "/v1/chat/completions", "OpenAI chat completion, any model; streamed as SSE when stream: true.", chatCompletionRequest),
  doc("post", "/v1/messages", "Anthropic Messages, any model (key as x-api-key or Bearer); streamed when stream: true.", anthropicMessagesRequest),
  doc("post", "/v1/messages/count_tokens", "Anthropic token count: the provider's own for Anthropic models, ours otherwise.", anthropicCountTokensRequest),
  doc("post", "/v1/embeddings", "OpenAI embeddings.", embeddingsRequest),
  doc(
    "post",
    "/v1/responses",
    "OpenAI Responses API, any model: passed through to openai providers, translated for the rest; streamed when stream: true.",
    responsesRequest,
  ),
  doc("get", "/v1/responses/:id", "A stored response of this tenant."),
  doc("delete", "/v1/responses/:id", "Deletes a stored response of this tenant."),
  {
    ...doc("get", "/v1/responses/:id/input_items", "The input items a stored response was generated from, earlier turns included, paged."),
    query: inputItemsQuery,
  },
  doc("post", "/v1/responses/:id/cancel", "Cancels a background response; the gateway runs none, so a stored response answers 400 not_cancellable."),
  doc("get", "/v1/models", "The models this key may call, with prices."),
  doc(
    "post",
    "/v1/images/generations",
    "OpenAI image generation; billed per image by size and quality, or by the tokens the provider reports.",
    generationRequest,
  ),
  doc("post", "/v1/images/edits", "OpenAI image edit, multipart/form-data (image or image[], optional mask, prompt, model); billed as generations."),
  doc("post", "/v1/audio/speech", "OpenAI text to speech; the audio streams back; billed per character.", speechRequest),
  doc("post", "/v1/audio/transcriptions", "OpenAI transcription, multipart/form-data (file ≤ 25 MiB, model); billed per second of audio."),
  doc("post", "/v1/audio/translations", "OpenAI translation to English, multipart/form-data (file ≤ 25 MiB, model); billed per second of audio."),
  doc("post", "/v1/moderations", "OpenAI moderation; billed per call (often free).", moderationRequest),
  doc("post", "/v1/rerank", "Rerank in the Cohere / Jina shape (query, documents, top_n); billed per search unit or per token.", rerankRequest),
  doc(
    "post",
    "/v1/files",
    "Uploads a Batch API input file, multipart/form-data (purpose=batch, file: JSONL ≤ 50 MiB, ≤ 10,000 requests, one model and URL); kept at the model's provider (openai, or demo up to 64 KiB).",
  ),
  { ...doc("get", "/v1/files", "This tenant's batch files (inputs, outputs, errors)."), query: listFilesQuery },
  doc("get", "/v1/files/:id", "One of this tenant's batch files."),
  doc("get", "/v1/files/:id/content", "The file's contents (JSONL), streamed from the provider."),
  doc("delete", "/v1/files/:id", "Deletes a batch file here and at the provider."),
  doc(
    "post",
    "/v1/batches",
    "Creates a batch over an input file; reserves the most its lines can cost at the batch price until it ends, then bills what they used.",
    createBatchRequest,
  ),
  { ...doc("get", "/v1/batches", "This tenant's batches, newest first, paged."), query: listBatchesQuery },
  doc("get", "/v1/batches/:id", "A batch as its provider reports it now; once it has ended, its lines' usage is billed (once)."),
  doc("post", "/v1/batches/:id/cancel", "Cancels a batch; the lines it finished are still billed when it ends."),
  doc("post", "/mcp", "MCP (Streamable HTTP): one JSON-RPC message; the tools of the key's MCP servers, named <server>__<tool> (docs/mcp.md)."),
  doc("get", "/mcp", "MCP: 405, the gateway opens no stream of its own."),
  doc("delete", "/mcp", "MCP: ends a session (204)."),
];
