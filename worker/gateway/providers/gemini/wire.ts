// Gemini's HTTP surface: base URL, key header, endpoint paths (the model is part of the path).
import type { Wire } from "../descriptor.ts";

export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

const model = (action: string) => (name: string) => `/v1beta/models/${encodeURIComponent(name)}:${action}`;

export const GEMINI_WIRE: Wire = {
  headers: (apiKey) => ({ ...(apiKey ? { "x-goog-api-key": apiKey } : {}) }),
  endpoints: {
    chat: model("generateContent"),
    chat_stream: (name) => `${model("streamGenerateContent")(name)}?alt=sse`,
    embeddings: model("batchEmbedContents"),
    images: model("predict"),
    models: () => "/v1beta/models",
  },
};
