// The data plane: the OpenAI- and Anthropic-compatible /v1 router. Each endpoint is one file in
// endpoints/; every call through one goes the same way (call.ts).
import { Hono } from "hono";
import { AppError } from "../core/errors.ts";
import type { AppEnv } from "../env.ts";
import { authenticateKey } from "./auth.ts";
import { chatCompletions, messages } from "./endpoints/chat.ts";
import { countTokens } from "./endpoints/count-tokens.ts";
import { cancelBatch, createBatch, listBatchesHandler, retrieveBatch } from "./endpoints/batches.ts";
import { deleteFile, fileContent, getFile, listFiles, uploadFile } from "./endpoints/files.ts";
import { speech, transcriptions, translations } from "./endpoints/audio.ts";
import { embeddings } from "./endpoints/embeddings.ts";
import { imageEdits, imageGenerations } from "./endpoints/images.ts";
import { moderations } from "./endpoints/moderations.ts";
import { rerank } from "./endpoints/rerank.ts";
import { listModels } from "./endpoints/models.ts";
import { responses } from "./endpoints/responses.ts";
import { cancelStoredResponse, deleteStoredResponse, getStoredResponse, listInputItems } from "./endpoints/stored-responses.ts";
import { refuseLoops } from "./hops.ts";
import { recordRefusals } from "./record.ts";

export const v1 = new Hono<AppEnv>();

v1.use("*", authenticateKey, recordRefusals, refuseLoops);

v1.post("/chat/completions", chatCompletions);
v1.post("/messages", messages);
v1.post("/messages/count_tokens", countTokens);
v1.post("/embeddings", embeddings);
v1.post("/images/generations", imageGenerations);
v1.post("/images/edits", imageEdits);
v1.post("/audio/speech", speech);
v1.post("/audio/transcriptions", transcriptions);
v1.post("/audio/translations", translations);
v1.post("/moderations", moderations);
v1.post("/rerank", rerank);
v1.post("/responses", responses);
v1.get("/responses/:id", getStoredResponse);
v1.delete("/responses/:id", deleteStoredResponse);
v1.get("/responses/:id/input_items", listInputItems);
v1.post("/responses/:id/cancel", cancelStoredResponse);
v1.get("/models", listModels);
v1.post("/files", uploadFile);
v1.get("/files", listFiles);
v1.get("/files/:id", getFile);
v1.get("/files/:id/content", fileContent);
v1.delete("/files/:id", deleteFile);
v1.post("/batches", createBatch);
v1.get("/batches", listBatchesHandler);
v1.get("/batches/:id", retrieveBatch);
v1.post("/batches/:id/cancel", cancelBatch);

v1.all("*", (c) => {
  throw new AppError("not_found", `Unknown endpoint: ${c.req.method} ${c.req.path}`, { code: "unknown_url" });
});
