// `openai-compatible`: any host that speaks OpenAI's API (Groq, Mistral, DeepSeek, Together,
// OpenRouter, Ollama, vLLM…): OpenAI's wire, probe and adapter at the provider's own base URL.
// Not its Responses endpoint: few such hosts have one, so /v1/responses is translated to chat.
import type { ProviderDescriptor } from "../descriptor.ts";
import { openAIDescriptor } from "../openai/index.ts";

const { responses: _responses, ...endpoints } = openAIDescriptor.endpoints;

export const openAICompatibleDescriptor: ProviderDescriptor = {
  ...openAIDescriptor,
  endpoints,
  defaultBaseUrl: null,
  needsBaseUrl: true,
  // Local servers (Ollama, vLLM) take no key.
  needsKey: false,
};
