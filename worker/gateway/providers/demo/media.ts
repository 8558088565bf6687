// The demo provider's media endpoints, answered locally in OpenAI's wire format: images
// (demo/image), speech (demo/speech: a WAV whose tones encode the text), transcription and
// translation (demo/whisper: reads those tones back), moderation and rerank.
import { AppError } from "../../../core/errors.ts";
import type { MediaEndpoint } from "../descriptor.ts";
import type { MediaAdapter, MediaRequest } from "../types.ts";
import { nowSeconds } from "../../translate/common.ts";
import { countTokens } from "../../tokens.ts";
import { demoImage } from "./image.ts";
import { type DemoModelType, isDemoModel } from "./models.ts";
import { demoModerate } from "./moderation.ts";
import { demoRerank } from "./rerank.ts";
import { demoSpeech } from "./speech.ts";
import { demoTranscribe } from "./transcribe.ts";

const MODEL_TYPE: Record<MediaEndpoint, DemoModelType> = {
  images: "image",
  image_edits: "image",
  speech: "speech",
  transcriptions: "transcription",
  translations: "transcription",
  moderations: "moderation",
  rerank: "rerank",
};

/** OpenAI's voices: the demo speaks them all alike. */
const VOICES = new Set(["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"]);

type Fields = Record<string, unknown>;

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
const invalid = (message: string, param: string) => new AppError("invalid_request", message, { code: "invalid_value", param });

const fieldsOf = (body: MediaRequest["body"]): Fields => (body instanceof FormData ? Object.fromEntries(body) : body);
const text = (fields: Fields, name: string): string => (typeof fields[name] === "string" ? (fields[name] as string) : "");

function images(model: string, fields: Fields): Response {
  const size = text(fields, "size") || "1024x1024";
  const n = Number(fields.n ?? 1);
  const prompt = text(fields, "prompt");
  const data = Array.from({ length: n }, (_, i) => {
    const b64 = toBase64(demoImage(`${prompt}#${i}`, size));
    return fields.response_format === "url" ? { url: `data:image/png;base64,${b64}`, revised_prompt: prompt } : { b64_json: b64, revised_prompt: prompt };
  });
  return json({ created: nowSeconds(), data, model: `demo/${model}` });
}

function speech(fields: Fields): Response {
  const voice = fields.voice;
  const name = typeof voice === "object" && voice !== null ? "" : String(voice);
  if (!VOICES.has(name)) throw invalid(`Unknown voice '${name.slice(0, 64)}'; demo/speech speaks ${[...VOICES].join(", ")}.`, "voice");
  const format = text(fields, "response_format") || "wav";
  if (format !== "wav") throw invalid(`demo/speech makes wav audio only, not '${format}'.`, "response_format");
  const audio = demoSpeech(text(fields, "input"), typeof fields.speed === "number" ? fields.speed : 1);
  return new Response(audio, { headers: { "content-type": "audio/wav" } });
}

async function transcript(endpoint: "transcriptions" | "translations", fields: Fields): Promise<Response> {
  const file = fields.file;
  if (!(file instanceof File)) throw invalid("'file' must be an audio file.", "file");
  const { text: words, seconds } = demoTranscribe(new Uint8Array(await file.arrayBuffer()));
  const usage = { type: "duration", seconds: Math.ceil(seconds) };
  switch (text(fields, "response_format") || "json") {
    case "text":
      return new Response(`${words}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "srt":
      return new Response(`1\n00:00:00,000 --> ${timestamp(seconds, ",")}\n${words}\n\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "vtt":
      return new Response(`WEBVTT\n\n00:00:00.000 --> ${timestamp(seconds, ".")}\n${words}\n\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "verbose_json":
      return json({ task: endpoint === "translations" ? "translate" : "transcribe", language: "english", duration: seconds, text: words, segments: [], usage });
    default:
      return json({ text: words, usage });
  }
}

function timestamp(seconds: number, separator: string): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

function moderations(model: string, fields: Fields): Response {
  const input = fields.input;
  const parts = Array.isArray(input) ? input : [input];
  const texts = parts.map((p) => (typeof p === "string" ? p : typeof p === "object" && p !== null && "text" in p ? String(p.text) : ""));
  return json({ id: `modr-demo-${crypto.randomUUID()}`, model: `demo/${model}`, results: demoModerate(texts) });
}

function rerank(model: string, fields: Fields): Response {
  const docs = (Array.isArray(fields.documents) ? fields.documents : []).map((d: unknown) =>
    typeof d === "string" ? d : typeof d === "object" && d !== null && "text" in d ? String(d.text) : "",
  );
  const query = text(fields, "query");
  const topN = typeof fields.top_n === "number" ? fields.top_n : undefined;
  const results = demoRerank(query, docs, topN).map((r) => (fields.return_documents ? { ...r, document: { text: docs[r.index] } } : r));
  const tokens = countTokens(query) * docs.length + docs.reduce((s, d) => s + countTokens(d), 0);
  return json({ id: `rerank-demo-${crypto.randomUUID()}`, model: `demo/${model}`, results, usage: { total_tokens: tokens } });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export const demoMedia: MediaAdapter = {
  serves: () => true,
  async call(target, { endpoint, body }) {
    if (!isDemoModel(target.model, MODEL_TYPE[endpoint])) {
      throw new AppError("not_found", `The model 'demo/${target.model}' is not a ${MODEL_TYPE[endpoint]} model.`, { code: "model_not_found", param: "model" });
    }
    const fields = fieldsOf(body);
    switch (endpoint) {
      case "images":
      case "image_edits":
        return images(target.model, fields);
      case "speech":
        return speech(fields);
      case "transcriptions":
      case "translations":
        return transcript(endpoint, fields);
      case "moderations":
        return moderations(target.model, fields);
      case "rerank":
        return rerank(target.model, fields);
    }
  },
};
