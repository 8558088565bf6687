// `openai-compatible`: any host that speaks OpenAI's API (Groq, Mistral, DeepSeek, Together,
// OpenRouter, Ollama, vLLM…): OpenAI's wire, probe and adapter at the provider's own base URL.
import type { ProviderDescriptor } from "../descriptor.ts";
import { openAIDescriptor } from "../openai/index.ts";

export const openAICompatibleDescriptor: ProviderDescriptor = {
  ...openAIDescriptor,
  defaultBaseUrl: null,
  needsBaseUrl: true,
  // Local servers (Ollama, vLLM) take no key.
  needsKey: false,
};
