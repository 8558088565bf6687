export { openAIAdapter, openAIShapedAdapter } from "./adapter.ts";
export { openAIChunks } from "./chunks.ts";
export { openAIDescriptor } from "./descriptor.ts";
export { OPENAI_BASE_URL, OPENAI_WIRE } from "./wire.ts";
