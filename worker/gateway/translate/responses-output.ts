// The Responses client side, answer half: a canonical (OpenAI chat) completion → the Response
// object, and the items, statuses and usage the streamed form (responses-stream.ts) builds too,
// so a stream's final Response is what the same answer whole would have been.
// Output order: reasoning, then the message, then function calls. A message is there when the
// answer has text or a refusal, or nothing else to show (OpenAI answers an empty message then).
// When the answer was cut (max tokens, content filter), the item the cut hit — the last one — is
// "incomplete"; the others are "completed".
import type { OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "../formats/openai.ts";
import type {
  FunctionCallItem,
  ItemStatus,
  MessageItem,
  OutputItem,
  OutputText,
  ReasoningItem,
  Refusal,
  ResponseObject,
  ResponsesUsage,
  SummaryText,
} from "../formats/responses.ts";
import { emptyUsage, usageFromOpenAI } from "../types.ts";

type ChatMessage = OpenAIChatCompletion["choices"][number]["message"];

/** How a response ended, from the canonical finish reason. */
export interface Ending {
  status: "completed" | "incomplete";
  incomplete_details: ResponseObject["incomplete_details"];
}

/** A Responses id, e.g. `msg_<32 hex>` for an item, `resp_<32 hex>` for a response. */
export function newItemId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The Responses API's usage: cache reads and reasoning as its details (it has no field for cache writes, counted in input_tokens). */
export function usageToResponses(u: OpenAIUsage | null | undefined): ResponsesUsage {
  const usage = u ? usageFromOpenAI(u) : emptyUsage();
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function endingOf(finish: OpenAIFinishReason | null | undefined): Ending {
  if (finish === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

export const outputText = (text: string): OutputText => ({ type: "output_text", text, annotations: [], logprobs: [] });
export const refusalPart = (refusal: string): Refusal => ({ type: "refusal", refusal });
export const summaryText = (text: string): SummaryText => ({ type: "summary_text", text });

export function messageItem(id: string, content: (OutputText | Refusal)[], status: ItemStatus): MessageItem {
  return { type: "message", id, status, role: "assistant", content };
}

export function reasoningItem(id: string, summary: SummaryText[]): ReasoningItem {
  return { type: "reasoning", id, summary };
}

export function functionCallItem(id: string, call: { callId: string; name: string; args: string }, status: ItemStatus): FunctionCallItem {
  return { type: "function_call", id, call_id: call.callId, name: call.name, arguments: call.args, status };
}

/** The final Response: the skeleton with how it ended, its output and usage. */
export function finished(base: ResponseObject, ending: Ending, output: OutputItem[], usage: ResponsesUsage): ResponseObject {
  return { ...base, ...ending, error: null, output, usage };
}

function contentOf(message: ChatMessage | undefined): (OutputText | Refusal)[] {
  return [...(message?.content ? [outputText(message.content)] : []), ...(message?.refusal ? [refusalPart(message.refusal)] : [])];
}

const callItem = (call: OpenAIToolCall) =>
  functionCallItem(newItemId("fc"), { callId: call.id, name: call.function.name, args: call.function.arguments }, "completed");

function markCut(output: OutputItem[]): OutputItem[] {
  const last = output.at(-1);
  if (last && last.type !== "reasoning") output[output.length - 1] = { ...last, status: "incomplete" };
  return output;
}

export function completionToResponse(completion: OpenAIChatCompletion, base: ResponseObject): ResponseObject {
  const choice = completion.choices[0];
  const message = choice?.message;
  const ending = endingOf(choice?.finish_reason);
  const content = contentOf(message);
  const calls = message?.tool_calls ?? [];
  const output: OutputItem[] = [
    ...(message?.reasoning_content ? [reasoningItem(newItemId("rs"), [summaryText(message.reasoning_content)])] : []),
    ...(content.length || !calls.length ? [messageItem(newItemId("msg"), content.length ? content : [outputText("")], "completed")] : []),
    ...calls.map(callItem),
  ];
  return finished(base, ending, ending.status === "incomplete" ? markCut(output) : output, usageToResponses(completion.usage));
}
