// Anthropic's HTTP surface: base URL, key header, the pinned API version, endpoint paths.
import type { Wire } from "../descriptor.ts";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";
/** The one Anthropic API version the gateway speaks upstream (calls and the probe alike). */
export const ANTHROPIC_VERSION = "2023-06-01";

export const ANTHROPIC_WIRE: Wire = {
  headers: (apiKey) => ({ "anthropic-version": ANTHROPIC_VERSION, ...(apiKey ? { "x-api-key": apiKey } : {}) }),
  endpoints: {
    chat: () => "/v1/messages",
    chat_stream: () => "/v1/messages",
    count_tokens: () => "/v1/messages/count_tokens",
    models: () => "/v1/models",
  },
};
