import type { ProviderDescriptor } from "../descriptor.ts";
import { listedIds } from "../model-list.ts";
import { anthropicAdapter } from "./adapter.ts";
import { ANTHROPIC_BASE_URL, ANTHROPIC_WIRE } from "./wire.ts";

export const anthropicDescriptor: ProviderDescriptor = {
  ...ANTHROPIC_WIRE,
  defaultBaseUrl: ANTHROPIC_BASE_URL,
  needsBaseUrl: false,
  needsKey: true,
  probe: { via: "upstream", modelIds: listedIds },
  adapter: anthropicAdapter,
};
