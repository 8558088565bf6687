import type { ProviderKind } from "../../api/types";

interface KindInfo {
  /** Where a provider of this kind calls when its base_url is empty; null: no default. */
  defaultBaseUrl: string | null;
  /** It cannot answer without an upstream API key. */
  needsKey: boolean;
  /** It has no default upstream address: base_url is required. */
  needsBaseUrl: boolean;
}

// The PWA cannot import the Worker's descriptors (worker/gateway/providers/): this copy is
// checked against them by worker/gateway/providers/pwa-kinds.test.ts.
export const KINDS: Record<ProviderKind, KindInfo> = {
  openai: { defaultBaseUrl: "https://api.openai.com/v1", needsKey: true, needsBaseUrl: false },
  anthropic: { defaultBaseUrl: "https://api.anthropic.com", needsKey: true, needsBaseUrl: false },
  gemini: { defaultBaseUrl: "https://generativelanguage.googleapis.com", needsKey: true, needsBaseUrl: false },
  "openai-compatible": { defaultBaseUrl: null, needsKey: false, needsBaseUrl: true },
  demo: { defaultBaseUrl: null, needsKey: false, needsBaseUrl: false },
};

/** In the order the form offers them. */
export const PROVIDER_KINDS: readonly ProviderKind[] = ["openai", "anthropic", "gemini", "openai-compatible", "demo"];

export const needsKey = (kind: ProviderKind): boolean => KINDS[kind].needsKey;

export const needsBaseUrl = (kind: ProviderKind): boolean => KINDS[kind].needsBaseUrl;

export const defaultBaseUrl = (kind: ProviderKind): string | null => KINDS[kind].defaultBaseUrl;
