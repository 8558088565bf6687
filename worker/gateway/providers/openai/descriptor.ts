import type { ProviderDescriptor } from "../descriptor.ts";
import { listedIds } from "../model-list.ts";
import { openAIAdapter } from "./adapter.ts";
import { OPENAI_BASE_URL, OPENAI_WIRE } from "./wire.ts";

export const openAIDescriptor: ProviderDescriptor = {
  ...OPENAI_WIRE,
  defaultBaseUrl: OPENAI_BASE_URL,
  needsBaseUrl: false,
  needsKey: true,
  probe: { via: "upstream", modelIds: listedIds },
  adapter: openAIAdapter,
};
