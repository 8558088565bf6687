// OpenAI chat request → Gemini generateContent request.
import type { GeminiContent, GeminiPart, GeminiRequest } from "../../formats/gemini.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../formats/openai.ts";
import { parseArguments, parseDataUrl, rejectPresent, unsupported } from "../../translate/common.ts";

const TARGET = "Gemini";
const UNSUPPORTED = [
  "n",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "audio",
  "modalities",
  "prediction",
  "functions",
  "function_call",
  "parallel_tool_calls",
] as const;

function guessMime(url: string): string {
  const ext = /\.(\w+)(?:\?|#|$)/.exec(url)?.[1]?.toLowerCase();
  return (
    ({ png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", pdf: "application/pdf" } as Record<string, string>)[
      ext ?? ""
    ] ?? "image/jpeg"
  );
}

function partsOf(message: ChatMessage): GeminiPart[] {
  const { content } = message;
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!content) return [];
  // Gemini rejects empty text parts; an empty text part says nothing anyway.
  return content.flatMap((part): GeminiPart[] => {
    if (part.type === "text" && "text" in part) return part.text === "" ? [] : [{ text: String(part.text) }];
    if (part.type === "image_url" && "image_url" in part) {
      const url = String((part.image_url as { url: string }).url);
      const data = parseDataUrl(url);
      return [data ? { inlineData: { mimeType: data.mediaType, data: data.data } } : { fileData: { mimeType: guessMime(url), fileUri: url } }];
    }
    throw unsupported(`messages.content.${part.type}`, TARGET);
  });
}

/** A tool's result as Gemini's structured response: parsed when it is JSON, else the text itself. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toContents(messages: ChatMessage[]): GeminiContent[] {
  const out: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: GeminiContent["role"], parts: GeminiPart[]) => {
    if (!parts.length) return;
    const last = out.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  };
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "assistant") {
      const parts = partsOf(m);
      for (const call of m.tool_calls ?? []) {
        toolNames.set(call.id, call.function.name);
        parts.push({ functionCall: { name: call.function.name, args: parseArguments(call.function.arguments) as Record<string, unknown> } });
      }
      push("model", parts);
    } else if (m.role === "tool") {
      const text = partsOf(m)
        .map((p) => ("text" in p ? p.text : ""))
        .join("");
      const name = toolNames.get(m.tool_call_id ?? "") ?? m.name ?? "tool";
      push("user", [{ functionResponse: { name, response: { content: jsonOrText(text) } } }]);
    } else {
      push("user", partsOf(m));
    }
  }
  return out;
}

interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: unknown };
}

function toToolConfig(choice: unknown): GeminiRequest["toolConfig"] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (typeof choice === "object" && "function" in choice) {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [(choice as { function: { name: string } }).function.name] } };
  }
  throw unsupported("tool_choice", TARGET);
}

type GenerationConfig = NonNullable<GeminiRequest["generationConfig"]>;
type ThinkingConfig = NonNullable<GenerationConfig["thinkingConfig"]>;

/** Thinking budgets by reasoning_effort, as Google's own OpenAI-compatible endpoint maps them. */
const THINKING_BUDGETS = new Map<unknown, number>([
  ["minimal", 1024],
  ["low", 1024],
  ["medium", 8192],
  ["high", 24576],
]);

/** "none" turns thinking off (budget 0); none given leaves the model's own default. */
function thinkingConfig(effort: unknown): ThinkingConfig | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (effort === "none") return { thinkingBudget: 0 };
  const budget = THINKING_BUDGETS.get(effort);
  if (budget === undefined) throw unsupported("reasoning_effort", TARGET, ` set to ${JSON.stringify(effort)}`);
  return { thinkingBudget: budget, includeThoughts: true };
}

export function toGeminiRequest(req: ChatCompletionRequest): GeminiRequest {
  rejectPresent(req, UNSUPPORTED, TARGET);
  const system = req.messages.filter((m) => m.role === "system" || m.role === "developer").flatMap(partsOf);
  const format = req.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format && !["text", "json_object", "json_schema"].includes(format.type ?? "")) throw unsupported("response_format", TARGET);
  const stop = typeof req.stop === "string" ? [req.stop] : (req.stop ?? undefined);
  const thinking = thinkingConfig(req.reasoning_effort);
  const generationConfig: GenerationConfig = {
    ...((req.max_completion_tokens ?? req.max_tokens) ? { maxOutputTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined } : {}),
    ...(req.temperature !== undefined && req.temperature !== null ? { temperature: req.temperature } : {}),
    ...(req.top_p !== undefined && req.top_p !== null ? { topP: req.top_p } : {}),
    ...(typeof req.presence_penalty === "number" ? { presencePenalty: req.presence_penalty } : {}),
    ...(typeof req.frequency_penalty === "number" ? { frequencyPenalty: req.frequency_penalty } : {}),
    ...(typeof req.seed === "number" ? { seed: req.seed } : {}),
    ...(stop?.length ? { stopSequences: stop } : {}),
    ...(format?.type === "json_object" || format?.type === "json_schema" ? { responseMimeType: "application/json" } : {}),
    ...(format?.type === "json_schema" && format.json_schema?.schema ? { responseJsonSchema: format.json_schema.schema } : {}),
    ...(thinking ? { thinkingConfig: thinking } : {}),
  };
  const tools = req.tools?.length
    ? [
        {
          functionDeclarations: (req.tools as FunctionTool[]).map((t) => ({
            name: t.function.name,
            ...(t.function.description ? { description: t.function.description } : {}),
            ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
          })),
        },
      ]
    : undefined;
  const toolConfig = toToolConfig(req.tool_choice);
  return {
    contents: toContents(req.messages),
    ...(system.length ? { systemInstruction: { parts: system.filter((p): p is { text: string } => "text" in p) } } : {}),
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
    ...(tools ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
  };
}
