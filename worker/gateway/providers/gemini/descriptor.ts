import * as z from "zod";
import type { ProviderDescriptor } from "../descriptor.ts";
import { geminiAdapter } from "./adapter.ts";
import { GEMINI_BASE_URL, GEMINI_WIRE } from "./wire.ts";

const modelList = z.object({ models: z.array(z.object({ name: z.string() })) });

export const geminiDescriptor: ProviderDescriptor = {
  ...GEMINI_WIRE,
  defaultBaseUrl: GEMINI_BASE_URL,
  needsBaseUrl: false,
  needsKey: true,
  // Gemini names its models `models/<id>`; callers use the id.
  probe: { via: "upstream", modelIds: (body) => modelList.safeParse(body).data?.models.map((m) => m.name.replace(/^models\//, "")) },
  adapter: geminiAdapter,
};
