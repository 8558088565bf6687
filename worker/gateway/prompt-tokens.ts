// Our own count of a request's prompt, for estimates when a provider reports no usage and for
// /v1/messages/count_tokens on providers without a counting endpoint.
import type { AnthropicMessagesRequest } from "./formats/anthropic.ts";
import { type ChatCompletionRequest, messageText } from "./openai-schema.ts";
import { countTokens } from "./tokens.ts";

export function openAIPromptTokens(req: ChatCompletionRequest): number {
  return req.messages.reduce((sum, m) => sum + countTokens(messageText(m)) + (m.tool_calls?.length ? countTokens(JSON.stringify(m.tool_calls)) : 0), 0);
}

export function anthropicPromptTokens(req: Pick<AnthropicMessagesRequest, "system" | "messages" | "tools">): number {
  const system = typeof req.system === "string" ? req.system : (req.system ?? []).map((b) => b.text).join("\n");
  const blocks = req.messages.flatMap((m) =>
    typeof m.content === "string" ? [m.content] : m.content.map((b) => (b.type === "text" && typeof b.text === "string" ? b.text : JSON.stringify(b))),
  );
  return countTokens(system) + blocks.reduce((sum, text) => sum + countTokens(text), 0) + (req.tools ? countTokens(JSON.stringify(req.tools)) : 0);
}

/** A Responses request's prompt: its instructions, every input item's text (earlier turns included) and its tools. */
export function responsesPromptTokens(req: { instructions?: string | null; tools?: unknown }, items: readonly Record<string, unknown>[]): number {
  const texts = items.flatMap((item) => {
    if (typeof item.content === "string") return [item.content];
    if (item.type === "function_call") return [String(item.name ?? ""), String(item.arguments ?? "")];
    if (item.type === "function_call_output") return [typeof item.output === "string" ? item.output : JSON.stringify(item.output ?? "")];
    if (!Array.isArray(item.content)) return [];
    return (item.content as Record<string, unknown>[]).map((part) => (typeof part.text === "string" ? part.text : ""));
  });
  const tools = Array.isArray(req.tools) && req.tools.length ? countTokens(JSON.stringify(req.tools)) : 0;
  return countTokens(req.instructions ?? "") + texts.reduce((sum, text) => sum + countTokens(text), 0) + tools;
}
