// OpenAI's Batch API as the gateway uses it: a JSONL file uploaded with purpose "batch", a batch
// created over it, retrieved until it ends, and its output file read for each line's usage.
import { UpstreamError, upstreamFetch, upstreamJson, type UpstreamRequest } from "../../upstream.ts";
import type { BatchApi, CallOptions, Target, UpstreamBatch, UpstreamFile } from "../types.ts";
import { OPENAI_WIRE } from "./wire.ts";

function request(target: Target, path: string, options: CallOptions, init: Pick<UpstreamRequest, "method" | "body"> & { json?: boolean }): UpstreamRequest {
  return {
    url: `${target.baseUrl.replace(/\/+$/, "")}${path}`,
    method: init.method ?? "POST",
    headers: { ...(init.json ? { "content-type": "application/json" } : {}), ...OPENAI_WIRE.headers(target.apiKey) },
    ...(init.body !== undefined ? { body: init.body } : {}),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    hops: options.hops,
    trace: options.trace,
  };
}

async function object<T extends { id: string }>(req: UpstreamRequest): Promise<T> {
  const answer = await upstreamJson<T>(await upstreamFetch(req));
  if (typeof answer !== "object" || answer === null || typeof answer.id !== "string") {
    throw new UpstreamError("protocol", "upstream sent no object with an id");
  }
  return answer;
}

const segment = (id: string) => encodeURIComponent(id);

export const openAIBatches: BatchApi = {
  async uploadFile(target, file, options) {
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file", file, file.name);
    const answer = await object<UpstreamFile>(request(target, "/files", options, { body: form }));
    return { id: answer.id, bytes: Number(answer.bytes) || file.size };
  },
  createBatch: (target, body, options) => object<UpstreamBatch>(request(target, "/batches", options, { body: JSON.stringify(body), json: true })),
  retrieveBatch: (target, id, options) => object<UpstreamBatch>(request(target, `/batches/${segment(id)}`, options, { method: "GET" })),
  cancelBatch: (target, id, options) => object<UpstreamBatch>(request(target, `/batches/${segment(id)}/cancel`, options, {})),
  fileContent: (target, id, options) => upstreamFetch({ ...request(target, `/files/${segment(id)}/content`, options, { method: "GET" }), binary: true }),
  async deleteFile(target, id, options) {
    await upstreamFetch(request(target, `/files/${segment(id)}`, options, { method: "DELETE" }));
  },
};
