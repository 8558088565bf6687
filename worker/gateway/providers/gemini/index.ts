export { geminiAdapter } from "./adapter.ts";
export { geminiDescriptor } from "./descriptor.ts";
export { toGeminiRequest } from "./request.ts";
export { finishFromGemini, geminiResponseToOpenAI, usageFromGemini } from "./response.ts";
export { GeminiToOpenAIStream } from "./stream.ts";
export { GEMINI_BASE_URL, GEMINI_WIRE } from "./wire.ts";
