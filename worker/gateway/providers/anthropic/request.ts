// OpenAI chat request → Anthropic Messages request.
import type { ChatCompletionRequest, ChatMessage } from "../../formats/openai.ts";
import { parseArguments, parseDataUrl, rejectPresent, unsupported } from "../../translate/common.ts";
import { maxOutputTokens } from "../model-limits.ts";

const TARGET = "Anthropic";
/** OpenAI parameters Anthropic has no equivalent for. */
const UNSUPPORTED = [
  "n",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "audio",
  "modalities",
  "prediction",
  "functions",
  "function_call",
] as const;

type Block = Record<string, unknown>;
interface AnthropicOut {
  role: "user" | "assistant";
  content: Block[];
}

function partsOf(message: ChatMessage): Block[] {
  const { content } = message;
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!content) return [];
  // Anthropic rejects empty text blocks; an empty text part says nothing anyway.
  return content.flatMap((part): Block[] => {
    if (part.type === "text" && "text" in part) return part.text === "" ? [] : [{ type: "text", text: String(part.text) }];
    if (part.type === "image_url" && "image_url" in part) {
      const url = String((part.image_url as { url: string }).url);
      const data = parseDataUrl(url);
      return [
        data ? { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.data } } : { type: "image", source: { type: "url", url } },
      ];
    }
    throw unsupported(`messages.content.${part.type}`, TARGET);
  });
}

function systemText(messages: ChatMessage[]): string | undefined {
  const texts = messages.filter((m) => m.role === "system" || m.role === "developer").flatMap((m) => partsOf(m).map((b) => String(b.text ?? "")));
  return texts.length ? texts.join("\n\n") : undefined;
}

/** Anthropic wants alternating roles: consecutive messages of one role are merged, empty ones dropped. */
function pushMerged(out: AnthropicOut[], role: "user" | "assistant", blocks: Block[]): void {
  if (!blocks.length) return;
  const last = out.at(-1);
  if (last && last.role === role) last.content.push(...blocks);
  else out.push({ role, content: blocks });
}

function toMessages(messages: ChatMessage[]): AnthropicOut[] {
  const out: AnthropicOut[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "tool") {
      const text = partsOf(m)
        .map((b) => String(b.text ?? ""))
        .join("");
      pushMerged(out, "user", [{ type: "tool_result", tool_use_id: m.tool_call_id ?? "", content: text }]);
      continue;
    }
    if (m.role === "assistant") {
      const blocks = partsOf(m);
      for (const call of m.tool_calls ?? []) {
        blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
      }
      pushMerged(out, "assistant", blocks);
      continue;
    }
    pushMerged(out, "user", partsOf(m));
  }
  return out;
}

interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

function toTools(tools: unknown): Block[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return (tools as FunctionTool[]).map((t) => {
    if (t.type !== "function") throw unsupported(`tools.type.${String(t.type)}`, TARGET);
    return {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    };
  });
}

function toToolChoice(choice: unknown, parallel: unknown): Block | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: "auto", ...disable } : undefined;
  if (choice === "auto") return { type: "auto", ...disable };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...disable };
  if (typeof choice === "object" && choice && "function" in choice) {
    return { type: "tool", name: (choice as { function: { name: string } }).function.name, ...disable };
  }
  throw unsupported("tool_choice", TARGET);
}

/** The tool that carries a json_schema response_format (Anthropic answers it as tool input). */
export const JSON_TOOL = "json_response";

export function toAnthropicRequest(req: ChatCompletionRequest, model: string): Record<string, unknown> {
  rejectPresent(req, UNSUPPORTED, TARGET);
  if (req.temperature !== undefined && req.temperature !== null && req.temperature > 1) {
    throw unsupported("temperature", TARGET, " above 1");
  }
  let system = systemText(req.messages);
  let tools = toTools(req.tools);
  let toolChoice = toToolChoice(req.tool_choice, req.parallel_tool_calls);
  const format = req.response_format as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | undefined;
  if (format?.type === "json_object") {
    system = [system, "Respond only with a single valid JSON object."].filter(Boolean).join("\n\n");
  } else if (format?.type === "json_schema") {
    // The answer is this tool's input. A model that has tools of its own may still call them
    // first (tool_choice "any": some tool, the answer being one); otherwise it answers now.
    const mayCallOthers = tools?.length && toolChoice?.type !== "none";
    tools = [
      ...(tools ?? []),
      { name: JSON_TOOL, description: "Return the response as this JSON.", input_schema: format.json_schema?.schema ?? { type: "object" } },
    ];
    if (!mayCallOthers) toolChoice = { type: "tool", name: JSON_TOOL };
    else if (toolChoice?.type !== "tool") toolChoice = { ...toolChoice, type: "any" };
  } else if (format && format.type !== "text") {
    throw unsupported("response_format", TARGET);
  }
  const stop = typeof req.stop === "string" ? [req.stop] : (req.stop ?? undefined);
  return {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? maxOutputTokens(model),
    messages: toMessages(req.messages),
    ...(system ? { system } : {}),
    ...(stop?.length ? { stop_sequences: stop } : {}),
    ...(req.temperature !== undefined && req.temperature !== null ? { temperature: req.temperature } : {}),
    ...(req.top_p !== undefined && req.top_p !== null ? { top_p: req.top_p } : {}),
    ...(tools ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(req.user ? { metadata: { user_id: req.user } } : {}),
    ...(req.stream ? { stream: true } : {}),
  };
}
