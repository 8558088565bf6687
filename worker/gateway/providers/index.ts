// The adapter for each provider kind: one small module per provider.
import type { ProviderRow } from "../../db/catalog.ts";
import { anthropicAdapter } from "./anthropic.ts";
import { demoAdapter } from "./demo.ts";
import { geminiAdapter } from "./gemini.ts";
import { openAIAdapter } from "./openai.ts";
import type { ProviderAdapter } from "./types.ts";

const ADAPTERS: Record<ProviderRow["kind"], ProviderAdapter> = {
  openai: openAIAdapter,
  "openai-compatible": openAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  demo: demoAdapter,
};

export function adapterFor(provider: Pick<ProviderRow, "kind">): ProviderAdapter {
  return ADAPTERS[provider.kind];
}
