// The media playground's calls: one POST per endpoint under /v1, with an API key, in OpenAI's
// wire format (errors included). Each answer comes with what the call cost, when the gateway says.
import { gatewayError } from "./chatStream";
import { ApiError } from "./error";
import { isNumber, isObject, isString, type Json } from "./guards";
import type { BodyOf } from "./types";

export type ImageRequest = BodyOf<"/v1/images/generations", "post">;
export type SpeechRequest = BodyOf<"/v1/audio/speech", "post">;
export type ModerationRequest = BodyOf<"/v1/moderations", "post">;
export type RerankRequest = BodyOf<"/v1/rerank", "post">;

type MediaPath = "/v1/images/generations" | "/v1/audio/speech" | "/v1/audio/transcriptions" | "/v1/moderations" | "/v1/rerank";

export interface MediaAuth {
  apiKey: string;
  signal?: AbortSignal;
}

export interface MediaResult<T> {
  value: T;
  /** x-aggregator-cost-micros; null when the gateway did not say. */
  costMicros: number | null;
}

export interface Moderation {
  flagged: boolean;
  /** The names of the categories that are true. */
  categories: string[];
}

export interface Ranked {
  index: number;
  score: number;
}

const unexpected = (status: number) => new ApiError(status, "bad_response", "The gateway's answer was not in the expected shape.");

async function post(path: MediaPath, { apiKey, signal }: MediaAuth, body: Json | FormData): Promise<Response> {
  const form = body instanceof FormData;
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}` };
  // A FormData body sets its own multipart Content-Type, boundary included.
  if (!form) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", headers, body: form ? body : JSON.stringify(body), credentials: "omit", ...(signal ? { signal } : {}) });
  } catch {
    if (signal?.aborted) throw new ApiError(0, "aborted", "Stopped.");
    throw new ApiError(0, "network_error", "Could not reach the gateway.");
  }
  if (!response.ok) throw gatewayError(response.status, await response.json().catch(() => null));
  return response;
}

function costOf(response: Response): number | null {
  const raw = response.headers.get("x-aggregator-cost-micros");
  const micros = raw === null || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(micros) ? micros : null;
}

async function jsonOf(response: Response): Promise<Json> {
  const body: unknown = await response.json().catch(() => null);
  if (!isObject(body)) throw unexpected(response.status);
  return body;
}

const firstOf = (value: unknown): unknown => (Array.isArray(value) ? value[0] : undefined);

/** One 256×256 image; the value is its PNG, base64-encoded. */
export async function generateImage(auth: MediaAuth, model: string, prompt: string): Promise<MediaResult<string>> {
  const body: ImageRequest = { model, prompt, size: "256x256", response_format: "b64_json" };
  const response = await post("/v1/images/generations", auth, body);
  const image = firstOf((await jsonOf(response)).data);
  if (!isObject(image) || !isString(image.b64_json)) throw unexpected(response.status);
  return { value: image.b64_json, costMicros: costOf(response) };
}

/** The prompt spoken as WAV audio. */
export async function synthesizeSpeech(auth: MediaAuth, model: string, input: string): Promise<MediaResult<Blob>> {
  const body: SpeechRequest = { model, voice: "alloy", input, response_format: "wav" };
  const response = await post("/v1/audio/speech", auth, body);
  return { value: await response.blob(), costMicros: costOf(response) };
}

/** The text heard in `audio`, sent as the multipart file speech.wav. */
export async function transcribe(auth: MediaAuth, model: string, audio: Blob): Promise<MediaResult<string>> {
  const form = new FormData();
  form.append("model", model);
  // Speech was asked for as WAV; keep that type when the answer did not name one.
  form.append("file", new File([audio], "speech.wav", { type: audio.type || "audio/wav" }));
  const response = await post("/v1/audio/transcriptions", auth, form);
  const { text } = await jsonOf(response);
  if (!isString(text)) throw unexpected(response.status);
  return { value: text, costMicros: costOf(response) };
}

const trueKeys = (value: unknown): string[] => (isObject(value) ? Object.entries(value).flatMap(([name, on]) => (on === true ? [name] : [])) : []);

export async function moderate(auth: MediaAuth, model: string, input: string): Promise<MediaResult<Moderation>> {
  const body: ModerationRequest = { model, input };
  const response = await post("/v1/moderations", auth, body);
  const result = firstOf((await jsonOf(response)).results);
  if (!isObject(result) || typeof result.flagged !== "boolean") throw unexpected(response.status);
  return { value: { flagged: result.flagged, categories: trueKeys(result.categories) }, costMicros: costOf(response) };
}

const rankedOf = (item: unknown): Ranked[] =>
  isObject(item) && isNumber(item.index) && isNumber(item.relevance_score) ? [{ index: item.index, score: item.relevance_score }] : [];

/** The documents' indexes, most relevant to `query` first (at most `topN`). */
export async function rerank(auth: MediaAuth, model: string, query: string, documents: string[], topN = 3): Promise<MediaResult<Ranked[]>> {
  const body: RerankRequest = { model, query, documents, top_n: topN };
  const response = await post("/v1/rerank", auth, body);
  const { results } = await jsonOf(response);
  if (!Array.isArray(results)) throw unexpected(response.status);
  return { value: results.flatMap(rankedOf), costMicros: costOf(response) };
}
