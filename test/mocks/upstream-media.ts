// The mock's OpenAI endpoints beyond chat (below /openai, see upstream.ts for faults and the log):
//   POST /v1/images/generations   JSON; gpt-image* models report usage (272 / 1056 / 4160 output
//                                  tokens per 1024² image at low / medium / high, by area for other
//                                  sizes; input = prompt words), others none
//   POST /v1/images/edits         multipart: image (or image[]) PNGs, prompt; answered as generations
//   POST /v1/audio/speech         JSON; wav: a real PCM16 WAV of 50 ms per input character at 8 kHz,
//                                  other formats: deterministic bytes of their content type
//   POST /v1/audio/transcriptions multipart: file; json { text } ("transcribed <n> bytes of <name>"),
//        /v1/audio/translations   text, srt, vtt, verbose_json (duration from a WAV's header, else 1);
//                                  gpt-4o* models add usage { type: "tokens", … }
//   POST /v1/moderations          JSON; "kill" flags violence
//   POST /v1/rerank               Cohere / Jina shape; usage.total_tokens = words of query × documents
//                                  + words of documents
//   Files: POST /v1/files (multipart file, purpose), GET /v1/files, GET|DELETE /v1/files/:id,
//          GET /v1/files/:id/content
//   Batches: POST /v1/batches, GET /v1/batches, GET /v1/batches/:id, POST /v1/batches/:id/cancel.
//          Each retrieve advances one state: validating → in_progress → completed (metadata
//          mock_outcome "failed" or "expired" ends there instead); cancel: cancelling → cancelled.
//          On completion an output file holds one line per request whose body.model does not start
//          with "fail-": a chat.completion (prompt_tokens = words of its messages, completion_tokens
//          = 5 or max_tokens if smaller), an embeddings list (prompt_tokens = words of input) or a
//          response (input_tokens / output_tokens likewise); the others go to the error file.
// Files and batches live in memory, at most MAX_STORED of each (the oldest dropped).
import { MODERATION_CATEGORIES } from "../../worker/gateway/providers/demo/moderation.ts";
import { mockWords } from "./upstream-keys.ts";
import type { MockReply, MockRequest, MockRoute } from "./upstream.ts";

type Json = Record<string, unknown>;

const CREATED = 1_735_689_600;
const MAX_STORED = 200;
const VOICES = new Set(["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"]);
const SPEECH_TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

const error = (status: number, message: string, param: string | null = null): MockReply => ({
  status,
  body: { error: { message, type: "invalid_request_error", param, code: null } },
});
const ok = (body: unknown): MockReply => ({ status: 200, body });
const str = (v: unknown): string => (typeof v === "string" ? v : "");

// ── images ────────────────────────────────────────────────────────────────────────────────

/** A 1×1 PNG: what every image answer holds. */
const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const IMAGE_TOKENS: Record<string, number> = { low: 272, medium: 1056, high: 4160, auto: 4160 };

function imageAnswer(model: string, prompt: string, n: number, size: string, quality: string, format: string): MockReply {
  const data = Array.from({ length: n }, () =>
    format === "url" ? { url: `https://images.mock/${model}.png` } : { b64_json: PNG_1X1, revised_prompt: prompt },
  );
  const [w, h] = size.split("x").map(Number) as [number, number];
  const perImage = Math.round(((IMAGE_TOKENS[quality] ?? IMAGE_TOKENS.auto!) * ((w || 1024) * (h || 1024))) / (1024 * 1024));
  const input = mockWords(prompt);
  const usage = model.startsWith("gpt-image")
    ? {
        usage: {
          input_tokens: input,
          output_tokens: perImage * n,
          total_tokens: input + perImage * n,
          input_tokens_details: { text_tokens: input, image_tokens: 0 },
        },
      }
    : {};
  return ok({ created: CREATED, data, ...usage });
}

function checkImage(model: string, prompt: string, n: number, size: string): MockReply | null {
  if (!prompt) return error(400, "'prompt' is required.", "prompt");
  if (!Number.isInteger(n) || n < 1 || n > 10) return error(400, "'n' must be from 1 to 10.", "n");
  if (size && size !== "auto" && !/^\d+x\d+$/.test(size)) return error(400, `Invalid size '${size}'.`, "size");
  return model ? null : error(400, "'model' is required.", "model");
}

function imageGenerations(req: MockRequest): MockReply {
  const b = req.json ?? {};
  const [model, prompt, n, size] = [str(b.model), str(b.prompt), typeof b.n === "number" ? b.n : 1, str(b.size) || "1024x1024"];
  return checkImage(model, prompt, n, size) ?? imageAnswer(model, prompt, n, size, str(b.quality) || "auto", str(b.response_format));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function imageEdits(req: MockRequest): Promise<MockReply> {
  const form = req.form;
  if (!form) return error(400, "Expected multipart/form-data.");
  const images = [...form.getAll("image"), ...form.getAll("image[]")].filter((v): v is File => typeof v !== "string");
  if (images.length === 0) return error(400, "'image' is required.", "image");
  const model = str(form.get("model"));
  for (const image of images) {
    const head = Buffer.from(await image.slice(0, 8).arrayBuffer());
    if (!model.startsWith("gpt-image") && !head.equals(PNG_SIGNATURE)) return error(400, "Invalid image file: must be a PNG.", "image");
  }
  const [prompt, n, size] = [str(form.get("prompt")), Number(form.get("n") ?? 1), str(form.get("size")) || "1024x1024"];
  return checkImage(model, prompt, n, size) ?? imageAnswer(model, prompt, n, size, str(form.get("quality")) || "auto", str(form.get("response_format")));
}

// ── audio ─────────────────────────────────────────────────────────────────────────────────

const SAMPLE_RATE = 8000;

/** A PCM16 mono WAV of a 440 Hz tone, `seconds` long. */
export function wavTone(seconds: number): Buffer {
  const samples = Math.round(seconds * SAMPLE_RATE);
  const out = Buffer.alloc(44 + samples * 2);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write("WAVEfmt ", 8, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(SAMPLE_RATE, 24);
  out.writeUInt32LE(SAMPLE_RATE * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), 44 + i * 2);
  return out;
}

function speech(req: MockRequest): MockReply {
  const b = req.json ?? {};
  const input = str(b.input);
  if (!input) return error(400, "'input' is required.", "input");
  if ([...input].length > 4096) return error(400, "'input' is longer than 4096 characters.", "input");
  const voice = typeof b.voice === "object" && b.voice !== null ? "custom" : str(b.voice);
  if (voice !== "custom" && !VOICES.has(voice)) return error(400, `Invalid voice '${voice}'.`, "voice");
  const format = str(b.response_format) || "mp3";
  const contentType = SPEECH_TYPES[format];
  if (!contentType) return error(400, `Invalid response_format '${format}'.`, "response_format");
  const data = format === "wav" ? wavTone([...input].length * 0.05) : Buffer.from(`${format}:${input}`.repeat(4));
  return { status: 200, body: null, bytes: { data, contentType } };
}

/** A WAV's duration from its header (fmt byte rate, data size), else 1 s. */
function durationOf(bytes: Buffer): number {
  if (bytes.length < 44 || bytes.toString("ascii", 0, 4) !== "RIFF") return 1;
  let byteRate = 0;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString("ascii", at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === "fmt " && at + 20 <= bytes.length) byteRate = bytes.readUInt32LE(at + 16);
    if (id === "data") return byteRate ? Math.min(size, bytes.length - at - 8) / byteRate : 1;
    at += 8 + size + (size & 1);
  }
  return 1;
}

const transcribe =
  (task: "transcribe" | "translate") =>
  async (req: MockRequest): Promise<MockReply> => {
    const file = req.form?.get("file");
    if (!file || typeof file === "string") return error(400, "'file' is required.", "file");
    const bytes = Buffer.from(await file.arrayBuffer());
    const text = `${task === "translate" ? "translated" : "transcribed"} ${bytes.length} bytes of ${file.name}`;
    const seconds = durationOf(bytes);
    const model = str(req.form?.get("model"));
    const format = str(req.form?.get("response_format")) || "json";
    const words = mockWords(text);
    const usage = model.startsWith("gpt-4o")
      ? {
          usage: {
            type: "tokens",
            input_tokens: Math.ceil(seconds * 10),
            output_tokens: words,
            total_tokens: Math.ceil(seconds * 10) + words,
            input_token_details: { audio_tokens: Math.ceil(seconds * 10), text_tokens: 0 },
          },
        }
      : {};
    const plain = (body: string): MockReply => ({ status: 200, body: null, bytes: { data: body, contentType: "text/plain; charset=utf-8" } });
    if (format === "text") return plain(`${text}\n`);
    if (format === "srt") return plain(`1\n00:00:00,000 --> 00:00:01,000\n${text}\n\n`);
    if (format === "vtt") return plain(`WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n${text}\n\n`);
    if (format === "verbose_json") return ok({ task, language: "english", duration: seconds, text, segments: [], ...usage });
    return ok({ text, ...usage });
  };

// ── moderation and rerank ─────────────────────────────────────────────────────────────────

function moderations(req: MockRequest): MockReply {
  const input = req.json?.input;
  const texts = (Array.isArray(input) ? input : [input]).map((p) => (typeof p === "string" ? p : str((p as Json | null)?.text)));
  if (texts.length === 0 || input === undefined) return error(400, "'input' is required.", "input");
  const results = texts.map((text) => {
    const violent = /\bkill\b/i.test(text);
    const categories = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, c === "violence" && violent]));
    const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, c === "violence" && violent ? 0.97 : 0.001]));
    const types = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ["text"]]));
    return { flagged: violent, categories, category_scores: scores, category_applied_input_types: types };
  });
  return ok({ id: `modr-mock-${req.seq}`, model: req.model, results });
}

function rerank(req: MockRequest): MockReply {
  const b = req.json ?? {};
  const query = str(b.query);
  const docs = (Array.isArray(b.documents) ? b.documents : []).map((d) => (typeof d === "string" ? d : str((d as Json | null)?.text)));
  if (!query || docs.length === 0) return error(400, "'query' and 'documents' are required.");
  const wanted = new Set(query.toLowerCase().split(/\s+/));
  const scored = docs.map((doc, index) => {
    const words = doc.toLowerCase().split(/\s+/);
    const score = words.filter((w) => wanted.has(w)).length / Math.max(1, words.length);
    return { index, relevance_score: score, ...(b.return_documents ? { document: { text: doc } } : {}) };
  });
  const topN = typeof b.top_n === "number" ? b.top_n : docs.length;
  const tokens = mockWords(query) * docs.length + docs.reduce((s, d) => s + mockWords(d), 0);
  return ok({
    id: `rerank-mock-${req.seq}`,
    model: req.model,
    results: scored.sort((x, y) => y.relevance_score - x.relevance_score || x.index - y.index).slice(0, topN),
    usage: { total_tokens: tokens },
  });
}

// ── files and batches ─────────────────────────────────────────────────────────────────────

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: Buffer;
  created_at: number;
}

interface StoredBatch {
  id: string;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata: Json | null;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
  created_at: number;
}

const files = new Map<string, StoredFile>();
const batches = new Map<string, StoredBatch>();
let stored = 0;

function keep<T>(map: Map<string, T>, id: string, value: T): void {
  map.set(id, value);
  while (map.size > MAX_STORED) map.delete(map.keys().next().value!);
}

const fileObject = (f: StoredFile) => ({
  id: f.id,
  object: "file",
  bytes: f.bytes.length,
  created_at: f.created_at,
  filename: f.filename,
  purpose: f.purpose,
  status: "processed",
});

function storeFile(filename: string, purpose: string, bytes: Buffer): StoredFile {
  const file = { id: `file-mock${++stored}`, filename, purpose, bytes, created_at: CREATED + stored };
  keep(files, file.id, file);
  return file;
}

async function uploadFile(req: MockRequest): Promise<MockReply> {
  const file = req.form?.get("file");
  const purpose = str(req.form?.get("purpose"));
  if (!file || typeof file === "string") return error(400, "'file' is required.", "file");
  if (!["batch", "assistants", "user_data", "vision", "fine-tune", "evals"].includes(purpose)) return error(400, `Invalid purpose '${purpose}'.`, "purpose");
  return ok(fileObject(storeFile(file.name, purpose, Buffer.from(await file.arrayBuffer()))));
}

const fileIdOf = (path: string) => /^\/v1\/files\/([^/]+)/.exec(path)?.[1] ?? "";
const batchIdOf = (path: string) => /^\/v1\/batches\/([^/]+)/.exec(path)?.[1] ?? "";

function fileRoute(req: MockRequest): MockReply {
  const file = files.get(fileIdOf(req.path));
  if (!file) return error(404, `No such File object: ${fileIdOf(req.path)}`, "id");
  if (req.method === "DELETE") {
    files.delete(file.id);
    return ok({ id: file.id, object: "file", deleted: true });
  }
  if (req.path.endsWith("/content")) return { status: 200, body: null, bytes: { data: file.bytes, contentType: "application/octet-stream" } };
  return ok(fileObject(file));
}

interface BatchLine {
  custom_id: string;
  method: string;
  url: string;
  body: Json;
}

function parseLines(bytes: Buffer): BatchLine[] | string {
  const lines = bytes
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim());
  const parsed: BatchLine[] = [];
  for (const [i, line] of lines.entries()) {
    let json: Json;
    try {
      json = JSON.parse(line) as Json;
    } catch {
      return `Line ${i + 1} is not JSON.`;
    }
    if (
      typeof json.custom_id !== "string" ||
      json.method !== "POST" ||
      typeof json.url !== "string" ||
      typeof (json.body as Json | undefined)?.model !== "string"
    ) {
      return `Line ${i + 1} needs custom_id, method POST, url and body.model.`;
    }
    parsed.push(json as unknown as BatchLine);
  }
  return parsed.length ? parsed : "The file has no requests.";
}

function createBatch(req: MockRequest): MockReply {
  const b = req.json ?? {};
  const input = files.get(str(b.input_file_id));
  if (!input) return error(400, `Invalid input_file_id '${str(b.input_file_id)}'.`, "input_file_id");
  const endpoint = str(b.endpoint);
  if (!["/v1/chat/completions", "/v1/embeddings", "/v1/responses"].includes(endpoint)) return error(400, `Invalid endpoint '${endpoint}'.`, "endpoint");
  if (b.completion_window !== "24h") return error(400, "completion_window must be 24h.", "completion_window");
  const lines = parseLines(input.bytes);
  if (typeof lines === "string") return error(400, lines, "input_file_id");
  if (lines.some((l) => l.url !== endpoint)) return error(400, "Every line's url must be the batch's endpoint.", "input_file_id");
  const batch: StoredBatch = {
    id: `batch_mock${++stored}`,
    input_file_id: input.id,
    endpoint,
    completion_window: "24h",
    metadata: (b.metadata as Json | undefined) ?? null,
    status: "validating",
    output_file_id: null,
    error_file_id: null,
    request_counts: { total: lines.length, completed: 0, failed: 0 },
    created_at: CREATED + stored,
  };
  keep(batches, batch.id, batch);
  return ok(batchObject(batch));
}

const batchObject = (b: StoredBatch) => ({
  id: b.id,
  object: "batch",
  endpoint: b.endpoint,
  errors: null,
  input_file_id: b.input_file_id,
  completion_window: b.completion_window,
  status: b.status,
  output_file_id: b.output_file_id,
  error_file_id: b.error_file_id,
  created_at: b.created_at,
  in_progress_at: null,
  expires_at: b.created_at + 86_400,
  completed_at: b.status === "completed" ? b.created_at + 60 : null,
  failed_at: b.status === "failed" ? b.created_at + 60 : null,
  expired_at: b.status === "expired" ? b.created_at + 86_400 : null,
  cancelled_at: b.status === "cancelled" ? b.created_at + 60 : null,
  request_counts: b.request_counts,
  metadata: b.metadata,
});

const wordsOfMessages = (messages: unknown): number =>
  (Array.isArray(messages) ? messages : []).reduce<number>(
    (s, m) => s + mockWords(typeof (m as Json).content === "string" ? ((m as Json).content as string) : ""),
    0,
  );

/** A line's answer, its usage from the mock's word counts. */
function lineBody(endpoint: string, body: Json): Json {
  const model = str(body.model);
  if (endpoint === "/v1/embeddings") {
    const inputs = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
    const tokens = inputs.reduce((s, t) => s + mockWords(t), 0);
    return {
      object: "list",
      model,
      data: inputs.map((_, index) => ({ object: "embedding", index, embedding: [0.1, 0.2] })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }
  const limit = [body.max_completion_tokens, body.max_tokens, body.max_output_tokens].find((v): v is number => typeof v === "number");
  const output = Math.min(5, limit ?? 5);
  if (endpoint === "/v1/responses") {
    const input = typeof body.input === "string" ? mockWords(body.input) : wordsOfMessages(body.input);
    return {
      id: `resp_mock${++stored}`,
      object: "response",
      status: "completed",
      model,
      output: [],
      usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
    };
  }
  const prompt = wordsOfMessages(body.messages);
  return {
    id: `chatcmpl-mock${++stored}`,
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "w1 w2 w3 w4 w5".split(" ").slice(0, output).join(" ") }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output },
  };
}

/** The batch finished: its output and error files written, its counts set. */
function complete(batch: StoredBatch): void {
  const lines = parseLines(files.get(batch.input_file_id)?.bytes ?? Buffer.from(""));
  if (typeof lines === "string") return;
  const out: string[] = [];
  const errors: string[] = [];
  for (const line of lines) {
    const failed = str(line.body.model).startsWith("fail-");
    const response = failed
      ? { status_code: 400, request_id: `req_mock${++stored}`, body: { error: { message: "Injected failure", type: "invalid_request_error" } } }
      : { status_code: 200, request_id: `req_mock${++stored}`, body: lineBody(batch.endpoint, line.body) };
    (failed ? errors : out).push(JSON.stringify({ id: `batch_req_${++stored}`, custom_id: line.custom_id, response, error: null }));
  }
  if (out.length) batch.output_file_id = storeFile(`${batch.id}_output.jsonl`, "batch_output", Buffer.from(`${out.join("\n")}\n`)).id;
  if (errors.length) batch.error_file_id = storeFile(`${batch.id}_error.jsonl`, "batch_output", Buffer.from(`${errors.join("\n")}\n`)).id;
  batch.request_counts = { total: lines.length, completed: out.length, failed: errors.length };
}

const NEXT: Record<string, string> = { validating: "in_progress", in_progress: "completed", cancelling: "cancelled" };

function retrieveBatch(req: MockRequest): MockReply {
  const batch = batches.get(batchIdOf(req.path));
  if (!batch) return error(404, `No batch found with id '${batchIdOf(req.path)}'.`, "batch_id");
  const outcome = str(batch.metadata?.mock_outcome);
  const next = batch.status === "in_progress" && (outcome === "failed" || outcome === "expired") ? outcome : NEXT[batch.status];
  if (next) {
    batch.status = next;
    if (next === "completed" || next === "expired") complete(batch);
  }
  return ok(batchObject(batch));
}

function cancelBatch(req: MockRequest): MockReply {
  const batch = batches.get(batchIdOf(req.path));
  if (!batch) return error(404, `No batch found with id '${batchIdOf(req.path)}'.`, "batch_id");
  if (batch.status === "validating" || batch.status === "in_progress") batch.status = "cancelling";
  return ok(batchObject(batch));
}

function listOf<T extends { id: string }>(items: T[]): Json {
  return { object: "list", data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false };
}

export const MEDIA_ROUTES: MockRoute[] = [
  { flavor: "openai", method: "POST", path: "/v1/images/generations", handle: imageGenerations },
  { flavor: "openai", method: "POST", path: "/v1/images/edits", handle: imageEdits },
  { flavor: "openai", method: "POST", path: "/v1/audio/speech", handle: speech },
  { flavor: "openai", method: "POST", path: "/v1/audio/transcriptions", handle: transcribe("transcribe") },
  { flavor: "openai", method: "POST", path: "/v1/audio/translations", handle: transcribe("translate") },
  { flavor: "openai", method: "POST", path: "/v1/moderations", handle: moderations },
  { flavor: "openai", method: "POST", path: "/v1/rerank", handle: rerank },
  { flavor: "openai", method: "POST", path: "/v1/files", handle: uploadFile },
  { flavor: "openai", method: "GET", path: "/v1/files", handle: () => ok(listOf([...files.values()].map(fileObject))) },
  { flavor: "openai", method: "GET", path: /^\/v1\/files\/[^/]+(\/content)?$/, handle: fileRoute },
  { flavor: "openai", method: "DELETE", path: /^\/v1\/files\/[^/]+$/, handle: fileRoute },
  { flavor: "openai", method: "POST", path: "/v1/batches", handle: createBatch },
  { flavor: "openai", method: "GET", path: "/v1/batches", handle: () => ok(listOf([...batches.values()].map(batchObject))) },
  { flavor: "openai", method: "GET", path: /^\/v1\/batches\/[^/]+$/, handle: retrieveBatch },
  { flavor: "openai", method: "POST", path: /^\/v1\/batches\/[^/]+\/cancel$/, handle: cancelBatch },
];
