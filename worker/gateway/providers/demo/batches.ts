// The demo provider's Batch API, so batches work on a fresh install without a provider account.
// It keeps nothing: a file's id carries its contents and a batch's id its output (both small),
// and a batch runs its chat and embeddings lines when created, answering as the demo models do.
import { AppError } from "../../../core/errors.ts";
import { chatCompletionRequest, embeddingsRequest } from "../../openai-schema.ts";
import type { BatchApi, UpstreamBatch } from "../types.ts";
import { assertDemoCanAnswer, demoChat } from "./chat.ts";
import { demoEmbed } from "./embed.ts";

/** The largest input file the demo takes: ids carry contents, and D1 keeps them. */
export const DEMO_BATCH_FILE_BYTES = 64 * 1024;
const FILE = "demo-file-";
const BATCH = "demo-batch-";

function encode(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decode(id: string, prefix: string): string {
  if (!id.startsWith(prefix)) throw new AppError("not_found", "No such demo file or batch.", { code: "not_found" });
  const binary = atob(id.slice(prefix.length).replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

interface Line {
  custom_id?: unknown;
  url?: unknown;
  body?: unknown;
}

/** One line's answer as the demo models give it, or the error a provider would put in its place. */
function answer(line: Line, n: number): { ok: boolean; json: string } {
  const respond = (status_code: number, body: unknown) =>
    JSON.stringify({ id: `batch_req_demo${n}`, custom_id: line.custom_id, response: { status_code, request_id: `req_demo${n}`, body }, error: null });
  try {
    if (line.url === "/v1/embeddings") {
      const req = embeddingsRequest.parse(line.body);
      return { ok: true, json: respond(200, demoEmbed(req.model, typeof req.input === "string" ? [req.input] : req.input, req.dimensions)) };
    }
    if (line.url !== "/v1/chat/completions") throw new AppError("invalid_request", "The demo provider batches chat completions and embeddings.");
    const req = chatCompletionRequest.parse(line.body);
    assertDemoCanAnswer(req);
    return { ok: true, json: respond(200, demoChat(req.model, req)) };
  } catch (error) {
    const message = error instanceof AppError ? error.message : "Invalid request body.";
    return { ok: false, json: respond(400, { error: { message, type: "invalid_request_error" } }) };
  }
}

function run(input: string): { output: string; errors: string; total: number } {
  const out: string[] = [];
  const errors: string[] = [];
  const lines = input.split("\n").filter((l) => l.trim() !== "");
  lines.forEach((raw, i) => {
    const result = answer(JSON.parse(raw) as Line, i + 1);
    (result.ok ? out : errors).push(result.json);
  });
  const jsonl = (rows: string[]) => (rows.length ? `${rows.join("\n")}\n` : "");
  return { output: jsonl(out), errors: jsonl(errors), total: lines.length };
}

/** The batch its id describes: done, since it ran when created. */
function batchObject(id: string): UpstreamBatch {
  const { output, errors, total, endpoint } = JSON.parse(decode(id, BATCH)) as { output: string; errors: string; total: number; endpoint: string };
  const failed = errors ? errors.trim().split("\n").length : 0;
  return {
    id,
    object: "batch",
    endpoint,
    status: "completed",
    output_file_id: output ? `${FILE}${encode(output)}` : null,
    error_file_id: errors ? `${FILE}${encode(errors)}` : null,
    completion_window: "24h",
    request_counts: { total, completed: total - failed, failed },
  };
}

export const demoBatches: BatchApi = {
  async uploadFile(_target, file) {
    if (file.size > DEMO_BATCH_FILE_BYTES) {
      throw new AppError("payload_too_large", `The demo provider takes batch files of at most ${DEMO_BATCH_FILE_BYTES / 1024} KiB.`, {
        code: "request_too_large",
        param: "file",
      });
    }
    return { id: `${FILE}${encode(await file.text())}`, bytes: file.size };
  },
  async createBatch(_target, body) {
    const ran = run(decode(body.input_file_id, FILE));
    const id = `${BATCH}${encode(JSON.stringify({ ...ran, endpoint: body.endpoint }))}`;
    return { ...batchObject(id), status: "in_progress" };
  },
  retrieveBatch: async (_target, id) => batchObject(id),
  cancelBatch: async (_target, id) => batchObject(id),
  async fileContent(_target, id) {
    return new Response(decode(id, FILE), { headers: { "content-type": "application/jsonl" } });
  },
  async deleteFile() {},
};
