// OpenAI's Responses API wire types: the request as read (loosely: an OpenAI-kind provider gets
// it as sent, the translation to other providers checks each item), the Response object, its
// output items and the stream's events.
import * as z from "zod";

const functionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
// Built-in tools (web search, file search, …) pass to OpenAI-kind providers; others refuse them.
const otherTool = z.looseObject({ type: z.string().refine((t) => t !== "function", "A function tool needs a name.") });

const textFormat = z.union([
  z.looseObject({ type: z.enum(["text", "json_object"]) }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

export const responsesRequest = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().optional() }))]).optional(),
  instructions: z.string().nullish(),
  previous_response_id: z.string().min(1).max(256).nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  tools: z
    .array(z.union([functionTool, otherTool]))
    .max(128)
    .nullish(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string(), name: z.string().optional() })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: textFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  user: z.string().max(512).nullish(),
  safety_identifier: z.string().max(512).nullish(),
});

export type ResponsesRequest = z.output<typeof responsesRequest>;
export type FunctionTool = z.output<typeof functionTool>;

export type InputItem = Record<string, unknown> & { type?: string };

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface Refusal {
  type: "refusal";
  refusal: string;
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface MessageItem {
  type: "message";
  id: string;
  status: ItemStatus;
  role: "assistant";
  content: (OutputText | Refusal)[];
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface SummaryText {
  type: "summary_text";
  text: string;
}

export interface ReasoningItem {
  type: "reasoning";
  id: string;
  summary: SummaryText[];
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  model: string;
  output: OutputItem[];
  usage: ResponsesUsage | null;
  [field: string]: unknown;
}

/** One stream event before its sequence number is stamped on. */
export type ResponsesEvent = { type: string } & Record<string, unknown>;
