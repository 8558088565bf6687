// OpenAI's HTTP surface: base URL, bearer key, endpoint paths (shared by openai-compatible).
import type { Wire } from "../descriptor.ts";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export const OPENAI_WIRE: Wire = {
  headers: (apiKey) => ({ ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }),
  endpoints: {
    chat: () => "/chat/completions",
    chat_stream: () => "/chat/completions",
    embeddings: () => "/embeddings",
    responses: () => "/responses",
    models: () => "/models",
    images: () => "/images/generations",
    image_edits: () => "/images/edits",
    speech: () => "/audio/speech",
    transcriptions: () => "/audio/transcriptions",
    translations: () => "/audio/translations",
    moderations: () => "/moderations",
    files: () => "/files",
    batches: () => "/batches",
  },
};
