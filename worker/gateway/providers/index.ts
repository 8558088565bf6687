// The adapter for each provider kind. Only `demo` is wired so far; the others arrive with
// the gateway issue and plug in here.
import { AppError } from "../../core/errors.ts";
import type { ProviderRow } from "../../db/catalog.ts";
import type { ChatCompletionRequest } from "../openai-schema.ts";
import type { ChatResult, ChatStreamEvent, EmbeddingsResult } from "../types.ts";
import { demoChat, demoChatStream, demoEmbed } from "./demo.ts";

export interface ProviderAdapter {
  chat(model: string, req: ChatCompletionRequest): Promise<ChatResult> | ChatResult;
  chatStream(model: string, req: ChatCompletionRequest): AsyncIterator<ChatStreamEvent>;
  embed(model: string, inputs: string[], dimensions?: number): Promise<EmbeddingsResult> | EmbeddingsResult;
}

const demo: ProviderAdapter = { chat: demoChat, chatStream: demoChatStream, embed: demoEmbed };

export function adapterFor(provider: ProviderRow): ProviderAdapter {
  if (provider.kind === "demo") return demo;
  throw new AppError("invalid_request", `Provider kind '${provider.kind}' is not supported by this gateway version.`, {
    code: "provider_not_supported",
    param: "model",
  });
}
