// The Responses client side, request half: a Responses request (its input items, previous turns
// included) → the canonical (OpenAI chat) request every adapter takes. Anything the chat form
// cannot carry is refused by name (400 unsupported_parameter), never dropped.
import { AppError } from "../../core/errors.ts";
import type { ChatCompletionRequest } from "../formats/openai.ts";
import type { FunctionTool, InputItem, ResponsesRequest } from "../formats/responses.ts";
import type { CacheControl } from "../openai-schema.ts";
import { checkedCacheControlOf } from "./cache-control.ts";
import { unsupported } from "./common.ts";
import { newItemId } from "./responses-output.ts";

type Json = Record<string, unknown>;
type Message = Json & { role: string };

/** Fields the translation reads; any other field set to something is refused. */
const TRANSLATED = new Set([
  "model",
  "input",
  "instructions",
  "previous_response_id",
  "store",
  "stream",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "text",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "metadata",
  "user",
  "safety_identifier",
  // Cache hints: an OpenAI-shaped target gets them, the others do without (nothing in the answer changes).
  "prompt_cache_key",
  "prompt_cache_retention",
]);

/** Values that ask for nothing, so any target honours them. */
const NEUTRAL: Record<string, (value: unknown) => boolean> = {
  background: (v) => v === false,
  truncation: (v) => v === "disabled",
  service_tier: (v) => v === "auto" || v === "default",
  include: (v) => Array.isArray(v) && v.every((x) => x === "reasoning.encrypted_content"),
  stream_options: (v) => typeof v === "object" && v !== null && Object.keys(v).length === 0,
};

const invalid = (param: string, message: string) => new AppError("invalid_request", message, { code: "invalid_value", param });

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The request's input as items: a string is one user message. */
export function inputItems(input: ResponsesRequest["input"]): InputItem[] {
  if (input === undefined) return [];
  return typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input;
}

function checkFields(req: ResponsesRequest, target: string): void {
  for (const [field, value] of Object.entries(req)) {
    if (value === undefined || value === null || TRANSLATED.has(field)) continue;
    if (!NEUTRAL[field]?.(value)) throw unsupported(field, target);
  }
}

function textOfPart(part: unknown, param: string): string {
  if (isObject(part) && typeof part.text === "string" && ["input_text", "output_text", "text"].includes(String(part.type))) return part.text;
  if (isObject(part) && part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
  throw invalid(param, `'${param}' must be a text part here.`);
}

/** Text content: one string, or (when a part carries a cache breakpoint) text parts that keep it. */
function textContent(parts: unknown, param: string): string | Json[] {
  if (typeof parts === "string") return parts;
  if (!Array.isArray(parts)) throw invalid(param, `'${param}' must be a string or a list of content parts.`);
  const texts = parts.map((part: unknown, i) => ({ type: "text", text: textOfPart(part, `${param}[${i}]`), ...checkedCacheControlOf(part, `${param}[${i}]`) }));
  return texts.some((t) => "cache_control" in t) ? texts : texts.map((t) => t.text).join("");
}

function userPart(part: unknown, param: string, target: string): Json {
  if (!isObject(part)) throw invalid(param, `'${param}' must be a content part object.`);
  const cache = checkedCacheControlOf(part, param);
  if (part.type === "input_text" && typeof part.text === "string") return { type: "text", text: part.text, ...cache };
  if (part.type === "input_image") {
    if (typeof part.image_url !== "string" || part.image_url === "") throw unsupported(`${param}.file_id`, target, " (send the image as image_url)");
    return { type: "image_url", image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) }, ...cache };
  }
  if (part.type === "input_file") {
    if (typeof part.file_data !== "string") throw unsupported(`${param}.file_url`, target, " (send the file inline as file_data)");
    const file = { file_data: part.file_data, ...(typeof part.filename === "string" ? { filename: part.filename } : {}) };
    return { type: "file", file, ...cache };
  }
  throw invalid(`${param}.type`, `Unknown content part type '${String(part.type).slice(0, 64)}' in '${param}'.`);
}

function messageOf(item: InputItem, param: string, target: string): Message {
  const role = item.role;
  if (role === "system" || role === "developer") return { role: "system", content: textContent(item.content, `${param}.content`) };
  if (role === "assistant") return { role: "assistant", content: textContent(item.content, `${param}.content`) };
  if (role !== "user") throw invalid(`${param}.role`, `'${param}.role' must be one of user, assistant, system, developer.`);
  const content = item.content;
  if (typeof content === "string") return { role: "user", content };
  if (!Array.isArray(content)) throw invalid(`${param}.content`, `'${param}.content' must be a string or a list of content parts.`);
  return { role: "user", content: content.map((part: unknown, i) => userPart(part, `${param}.content[${i}]`, target)) };
}

// Function items' fields were checked as the call was read (checkInputItems).

/** A function call joins the assistant turn before it (text and calls are one chat message). */
function pushCall(messages: Message[], item: InputItem): void {
  const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } };
  const last = messages.at(-1);
  if (last?.role === "assistant") last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
  else messages.push({ role: "assistant", content: null, tool_calls: [call] });
}

function toolOutput(item: InputItem, param: string): Message {
  return { role: "tool", tool_call_id: item.call_id, content: textContent(item.output, `${param}.output`) };
}

function toMessages(items: InputItem[], instructions: string | null | undefined, target: string): Message[] {
  const messages: Message[] = instructions ? [{ role: "system", content: instructions }] : [];
  items.forEach((item, i) => {
    const param = `input[${i}]`;
    const type = item.type ?? "message";
    if (type === "message") messages.push(messageOf(item, param, target));
    else if (type === "function_call") pushCall(messages, item);
    else if (type === "function_call_output") messages.push(toolOutput(item, param));
    // Earlier thinking is the model's own context, which other providers cannot take back.
    else if (type === "reasoning") return;
    // Item references were resolved as the call was read; what is left is OpenAI's own tools' items.
    else throw unsupported(`${param}.type`, target, ` ('${String(type).slice(0, 64)}' items come from tools that run only on OpenAI)`);
  });
  return messages;
}

function toTools(tools: ResponsesRequest["tools"], target: string): ChatCompletionRequest["tools"] {
  if (!tools?.length) return undefined;
  return tools.map((tool, i) => {
    if (tool.type !== "function") throw unsupported(`tools[${i}].type`, target, ` ('${String(tool.type).slice(0, 64)}' runs only on OpenAI)`);
    const { name, description, parameters, strict } = tool as FunctionTool;
    return {
      type: "function" as const,
      function: { name, ...(description ? { description } : {}), ...(parameters ? { parameters } : {}), ...(strict != null ? { strict } : {}) },
      ...(checkedCacheControlOf(tool, `tools[${i}]`) as { cache_control?: CacheControl }),
    };
  });
}

function toToolChoice(choice: ResponsesRequest["tool_choice"], target: string): ChatCompletionRequest["tool_choice"] {
  if (choice === undefined || choice === null || typeof choice === "string") return choice ?? undefined;
  if (choice.type === "function" && typeof choice.name === "string") return { type: "function", function: { name: choice.name } };
  throw unsupported("tool_choice", target, ` of type '${String(choice.type).slice(0, 64)}'`);
}

function toResponseFormat(text: ResponsesRequest["text"], target: string): ChatCompletionRequest["response_format"] {
  if (text?.verbosity != null && text.verbosity !== "medium") throw unsupported("text.verbosity", target);
  const format = text?.format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, schema, strict, description } = format as { name: string; schema: Json; strict?: boolean | null; description?: string | null };
  return { type: "json_schema", json_schema: { name, schema, ...(strict != null ? { strict } : {}), ...(description ? { description } : {}) } };
}

/**
 * The chat request for a Responses request whose input, previous turns included, is `items`.
 * `target` names the provider kind in refusals; `maxTokensField` is the field it reads.
 */
export function responsesToChat(req: ResponsesRequest, items: InputItem[], target: string): ChatCompletionRequest {
  checkFields(req, target);
  if (req.reasoning?.summary != null && req.reasoning.effort == null) throw unsupported("reasoning.summary", target, " without reasoning.effort");
  const messages = toMessages(items, req.instructions, target);
  if (!messages.some((m) => m.role !== "system")) throw invalid("input", "'input' must contain at least one item.");
  const tools = toTools(req.tools, target);
  const toolChoice = tools ? toToolChoice(req.tool_choice, target) : undefined;
  const responseFormat = toResponseFormat(req.text, target);
  const user = req.safety_identifier ?? req.user;
  return {
    model: req.model,
    messages: messages as ChatCompletionRequest["messages"],
    ...(req.max_output_tokens != null ? { max_tokens: req.max_output_tokens } : {}),
    ...(req.temperature != null ? { temperature: req.temperature } : {}),
    ...(req.top_p != null ? { top_p: req.top_p } : {}),
    ...(tools ? { tools } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    ...(tools && req.parallel_tool_calls === false ? { parallel_tool_calls: false } : {}),
    ...(responseFormat ? { response_format: responseFormat } : {}),
    ...(req.reasoning?.effort != null ? { reasoning_effort: req.reasoning.effort } : {}),
    ...(user ? { user } : {}),
    ...(req.prompt_cache_key != null ? { prompt_cache_key: String(req.prompt_cache_key) } : {}),
    ...(req.prompt_cache_retention != null ? { prompt_cache_retention: String(req.prompt_cache_retention) } : {}),
  };
}

/** Every function_call_output answers a function_call that comes before it (OpenAI refuses the rest too). */
export function checkToolOutputs(items: InputItem[]): void {
  const calls = new Set<unknown>();
  items.forEach((item, i) => {
    if (item.type === "function_call") calls.add(item.call_id);
    if (item.type === "function_call_output" && !calls.has(item.call_id)) {
      throw new AppError("invalid_request", `No function call found for the function_call_output with call_id '${String(item.call_id).slice(0, 64)}'.`, {
        code: "invalid_value",
        param: `input[${i}].call_id`,
      });
    }
  });
}

/** Item types an OpenAI-kind provider may take as input; only some of them translate to others. */
const ITEM_TYPES = new Set([
  "message",
  "function_call",
  "function_call_output",
  "reasoning",
  "item_reference",
  "web_search_call",
  "file_search_call",
  "computer_call",
  "computer_call_output",
  "code_interpreter_call",
  "image_generation_call",
  "local_shell_call",
  "local_shell_call_output",
  "custom_tool_call",
  "custom_tool_call_output",
  "mcp_list_tools",
  "mcp_approval_request",
  "mcp_approval_response",
  "mcp_call",
]);

const ROLES = new Set(["user", "assistant", "system", "developer"]);
const PART_TYPES = new Set(["input_text", "input_image", "input_file", "input_audio", "output_text", "refusal"]);

function checkMessage(item: InputItem, param: string): void {
  if (!ROLES.has(String(item.role))) throw invalid(`${param}.role`, `'${param}.role' must be one of user, assistant, system, developer.`);
  if (typeof item.content === "string") return;
  if (!Array.isArray(item.content)) throw invalid(`${param}.content`, `'${param}.content' must be a string or a list of content parts.`);
  item.content.forEach((part: unknown, j) => {
    if (!isObject(part) || !PART_TYPES.has(String(part.type))) {
      throw invalid(`${param}.content[${j}].type`, `'${param}.content[${j}]' must be a content part of a known type (input_text, input_image, input_file, …).`);
    }
  });
}

function checkFunctionItem(item: InputItem, param: string): void {
  const fields = item.type === "function_call" ? ["call_id", "name", "arguments"] : ["call_id"];
  for (const field of fields) {
    if (typeof item[field] !== "string") throw invalid(`${param}.${field}`, `'${param}.${field}' must be a string.`);
  }
  if (item.type === "function_call_output" && typeof item.output !== "string" && !Array.isArray(item.output)) {
    throw invalid(`${param}.output`, `'${param}.output' must be a string or a list of content parts.`);
  }
}

/** A 400 for an input item the Responses API would refuse, whatever the target: its type, role, parts or fields. */
export function checkInputItems(items: InputItem[]): void {
  items.forEach((item, i) => {
    const param = `input[${i}]`;
    const type = item.type ?? "message";
    if (!ITEM_TYPES.has(type)) throw invalid(`${param}.type`, `Unknown input item type '${String(type).slice(0, 64)}'.`);
    if (type === "message") checkMessage(item, param);
    if (type === "function_call" || type === "function_call_output") checkFunctionItem(item, param);
  });
}

const ID_PREFIX: Record<string, string> = { message: "msg", function_call: "fc", function_call_output: "fco", reasoning: "rs" };

/** The items as stored: each with an id (its own, or a new one), as input_items lists them. */
export function withItemIds(items: InputItem[]): InputItem[] {
  return items.map((item) => {
    if (typeof item.id === "string" && item.id) return item;
    const prefix = ID_PREFIX[item.type ?? "message"] ?? "item";
    return { id: newItemId(prefix), ...(item.type ? {} : { type: "message" }), ...item };
  });
}

/**
 * Input rewritten by us (earlier turns, referenced items) as an OpenAI-kind provider takes it:
 * without the ids and statuses we or another provider gave the items (it would look them up), and
 * without reasoning items that carry no encrypted content (it cannot use a summary, and would
 * look up the id).
 */
export function inputForUpstream(items: InputItem[]): InputItem[] {
  return items
    .filter((item) => item.type !== "reasoning" || typeof item.encrypted_content === "string")
    .map(({ id: _id, status: _status, ...item }) => (item.type === "reasoning" ? { ...item, summary: item.summary ?? [] } : item));
}
