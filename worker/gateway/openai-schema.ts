// OpenAI request shapes the gateway accepts. Unknown fields pass through (providers may
// support them); known fields are checked so a bad value is a 400 naming the field.
import * as z from "zod";

/**
 * Anthropic's prompt-cache breakpoint, as Anthropic-minded clients (LiteLLM, OpenRouter's users)
 * send it in the OpenAI format: on content parts, messages and tools. Kept for Anthropic targets
 * and OpenAI-compatible servers, which may honour it.
 */
export const cacheControl = z.strictObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() });
export type CacheControl = z.output<typeof cacheControl>;

const textPart = z.object({ type: z.literal("text"), text: z.string(), cache_control: cacheControl.optional() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
  cache_control: cacheControl.optional(),
});
// Other part types pass through (a provider may know them); a text or image part must have its shape.
const otherPart = z.looseObject({
  type: z.string().refine((t) => t !== "text" && t !== "image_url", "A text part needs a string text; an image_url part an image_url object with a url."),
  cache_control: cacheControl.optional(),
});
const contentPart = z.union([textPart, imagePart, otherPart]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const chatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
  /** LiteLLM's form: the breakpoint on the message, meaning its last content block. */
  cache_control: cacheControl.optional(),
});

const functionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
  cache_control: cacheControl.optional(),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
]);

const responseFormat = z.union([
  z.looseObject({ type: z.enum(["text", "json_object"]) }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({ name: z.string().min(1).max(64), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
  }),
]);

export const chatCompletionRequest = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(chatMessage).min(1, "must contain at least one message"),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.int().min(1).max(1, "only n=1 is supported").nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  user: z.string().optional(),
  tools: z.array(functionTool).max(128).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  // Cache hints: passed to OpenAI-shaped providers, dropped for the others (leaving them out changes no answer).
  prompt_cache_key: z.string().nullish(),
  prompt_cache_retention: z.string().nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>;
export type ChatMessage = z.output<typeof chatMessage>;

export const embeddingsRequest = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.int().min(1).max(4096).optional(),
});

export type EmbeddingsRequest = z.output<typeof embeddingsRequest>;

/** The plain text of a message's content (text parts joined). */
export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((p) => ("text" in p && typeof p.text === "string" ? p.text : "")).join("");
}
