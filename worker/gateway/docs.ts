// The /v1 endpoints as the OpenAPI document lists them (the gateway's own routes stay plain
// Hono handlers: no wrapper on the hot path).
import type { EndpointDoc } from "../api/router.ts";
import { chatCompletionRequest, embeddingsRequest } from "./openai-schema.ts";

export const gatewayDocs: EndpointDoc[] = [
  { method: "post", path: "/v1/chat/completions", tag: "gateway", access: "api-key", summary: "OpenAI chat completion, streamed as SSE when stream: true.", body: chatCompletionRequest },
  { method: "post", path: "/v1/embeddings", tag: "gateway", access: "api-key", summary: "OpenAI embeddings.", body: embeddingsRequest },
  { method: "get", path: "/v1/models", tag: "gateway", access: "api-key", summary: "The models this key may call, with prices." },
];
