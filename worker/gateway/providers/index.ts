// The provider kinds: one descriptor per kind of PROVIDER_KINDS (db/schema.ts), each from its
// own folder. Typed by the kinds, so a kind without a descriptor fails the type check.
import type { ProviderRow } from "../../db/catalog.ts";
import type { ProviderKind } from "../../db/schema.ts";
import { anthropicDescriptor } from "./anthropic/index.ts";
import type { Endpoint, ProviderDescriptor } from "./descriptor.ts";
import { demoDescriptor } from "./demo/index.ts";
import { geminiDescriptor } from "./gemini/index.ts";
import { urlOf } from "./http.ts";
import { openAIDescriptor } from "./openai/index.ts";
import { openAICompatibleDescriptor } from "./openai-compatible/index.ts";
import type { ProviderAdapter, Target } from "./types.ts";

export const PROVIDERS: Record<ProviderKind, ProviderDescriptor> = {
  openai: openAIDescriptor,
  anthropic: anthropicDescriptor,
  gemini: geminiDescriptor,
  "openai-compatible": openAICompatibleDescriptor,
  demo: demoDescriptor,
};

export function adapterFor(provider: Pick<ProviderRow, "kind">): ProviderAdapter {
  return PROVIDERS[provider.kind].adapter;
}

/** Whether providers of `kind` serve `endpoint` upstream. */
export function serves(kind: ProviderKind, endpoint: Endpoint): boolean {
  return PROVIDERS[kind].endpoints[endpoint] !== undefined;
}

/**
 * The base URL a provider calls: its own, else its kind's default. Empty only where neither
 * exists, which no call reaches: demo has no upstream, and the API refuses an
 * openai-compatible provider without a base_url.
 */
export function baseUrlOf(kind: ProviderKind, baseUrl: string | null): string {
  return baseUrl ?? PROVIDERS[kind].defaultBaseUrl ?? "";
}

/** The upstream URL of `endpoint` for a target; a 400 unsupported_endpoint when its kind does not serve it. */
export function endpointUrl(target: Pick<Target, "kind" | "baseUrl" | "model">, endpoint: Endpoint): string {
  return urlOf(PROVIDERS[target.kind], target, endpoint);
}

export type { Endpoint, ProviderDescriptor } from "./descriptor.ts";
