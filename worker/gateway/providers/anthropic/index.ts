export { anthropicAdapter } from "./adapter.ts";
export { anthropicDescriptor } from "./descriptor.ts";
export { anthropicEvents } from "./events.ts";
export { JSON_TOOL, toAnthropicRequest } from "./request.ts";
export { anthropicResponseToOpenAI, finishFromAnthropic } from "./response.ts";
export { AnthropicToOpenAIStream } from "./stream.ts";
export { usageFromAnthropic } from "./usage.ts";
export { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, ANTHROPIC_WIRE } from "./wire.ts";
