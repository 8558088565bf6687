// `openai-compatible`: any host that speaks OpenAI's API (Groq, Mistral, DeepSeek, Together,
// OpenRouter, Ollama, vLLM…): OpenAI's wire, probe and adapter at the provider's own base URL.
// Not its Responses endpoint: few such hosts have one, so /v1/responses is translated to chat;
// nor its Batch API (OpenAI's own). Rerank, which OpenAI lacks, as vLLM and Jina serve it.
import type { ProviderDescriptor } from "../descriptor.ts";
import { openAIShapedAdapter } from "../openai/adapter.ts";
import { openAIDescriptor } from "../openai/index.ts";

const { responses: _responses, files: _files, batches: _batches, ...openAIEndpoints } = openAIDescriptor.endpoints;
const endpoints = { ...openAIEndpoints, rerank: () => "/rerank" };

export const openAICompatibleDescriptor: ProviderDescriptor = {
  ...openAIDescriptor,
  endpoints,
  adapter: openAIShapedAdapter({ headers: openAIDescriptor.headers, endpoints }),
  defaultBaseUrl: null,
  needsBaseUrl: true,
  // Local servers (Ollama, vLLM) take no key.
  needsKey: false,
};
