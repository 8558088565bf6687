import type { ProviderDescriptor } from "../descriptor.ts";
import { demoAdapter } from "./adapter.ts";
import { DEMO_MODELS } from "./models.ts";

export const demoDescriptor: ProviderDescriptor = {
  defaultBaseUrl: null,
  needsBaseUrl: false,
  needsKey: false,
  headers: () => ({}),
  // Nothing upstream: the adapter answers every call itself.
  endpoints: {},
  probe: { via: "local", modelIds: () => DEMO_MODELS.map((m) => m.id) },
  adapter: demoAdapter,
};
