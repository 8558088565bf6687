// OpenAI chat → Gemini generateContent: the request, the response back, and the stream back.
import type { GeminiContent, GeminiPart, GeminiRequest, GeminiResponse, GeminiUsage } from "../formats/gemini.ts";
import type { ChatCompletionRequest, ChatMessage, OpenAIChatCompletion, OpenAIChunk, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "../formats/openai.ts";
import { parseArguments, parseDataUrl, rejectPresent, stringifyArguments, unsupported } from "./common.ts";

const TARGET = "Gemini";
const UNSUPPORTED = ["n", "logprobs", "top_logprobs", "logit_bias", "audio", "modalities", "prediction", "functions", "function_call", "parallel_tool_calls"] as const;

function guessMime(url: string): string {
  const ext = /\.(\w+)(?:\?|#|$)/.exec(url)?.[1]?.toLowerCase();
  return ({ png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", pdf: "application/pdf" } as Record<string, string>)[ext ?? ""] ?? "image/jpeg";
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
      const text = partsOf(m).map((p) => ("text" in p ? p.text : "")).join("");
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

type GenerationConfig = NonNullable<GeminiRequest["generationConfig"]> & { presencePenalty?: number; frequencyPenalty?: number; seed?: number };

export function toGeminiRequest(req: ChatCompletionRequest): GeminiRequest {
  rejectPresent(req, UNSUPPORTED, TARGET);
  const system = req.messages.filter((m) => m.role === "system" || m.role === "developer").flatMap(partsOf);
  const format = req.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format && !["text", "json_object", "json_schema"].includes(format.type ?? "")) throw unsupported("response_format", TARGET);
  const stop = typeof req.stop === "string" ? [req.stop] : req.stop ?? undefined;
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
  };
  const tools = req.tools?.length
    ? [{ functionDeclarations: (req.tools as FunctionTool[]).map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), ...(t.function.parameters ? { parameters: t.function.parameters } : {}) })) }]
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

/** Finish reasons that mean Gemini withheld content; the others (OTHER, MALFORMED_FUNCTION_CALL, ...) just ended. */
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"]);

export function finishFromGemini(reason: string | undefined, hasToolCalls: boolean): OpenAIFinishReason | null {
  if (!reason) return null;
  if (hasToolCalls) return "tool_calls";
  if (reason === "MAX_TOKENS") return "length";
  return FILTERED.has(reason) ? "content_filter" : "stop";
}

export function usageFromGemini(u: GeminiUsage | undefined): OpenAIUsage {
  const prompt = u?.promptTokenCount ?? 0;
  const reasoning = u?.thoughtsTokenCount ?? 0;
  const completion = (u?.candidatesTokenCount ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** Gemini seldom names its calls; ours must be unique across the conversation, not just this turn. */
const callId = () => `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

function splitParts(parts: GeminiPart[] | undefined): { text: string; calls: OpenAIToolCall[] } {
  let text = "";
  const calls: OpenAIToolCall[] = [];
  for (const part of parts ?? []) {
    if ("text" in part && !part.thought) text += part.text;
    else if ("functionCall" in part) {
      calls.push({ id: part.functionCall.id ?? callId(), type: "function", function: { name: part.functionCall.name, arguments: stringifyArguments(part.functionCall.args) } });
    }
  }
  return { text, calls };
}

export function geminiResponseToOpenAI(res: GeminiResponse, meta: { id: string; model: string; created: number }): OpenAIChatCompletion {
  const candidate = res.candidates?.[0];
  const { text, calls } = splitParts(candidate?.content?.parts);
  const blocked = res.promptFeedback?.blockReason;
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text || (calls.length ? null : ""), refusal: null, ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: blocked ? "content_filter" : finishFromGemini(candidate?.finishReason ?? "STOP", calls.length > 0),
      },
    ],
    usage: usageFromGemini(res.usageMetadata),
  };
}

/** Gemini stream responses → OpenAI chunks. Gemini has no terminator: `finished` tells. */
export class GeminiToOpenAIStream {
  private started = false;
  private calls = 0;
  private usage: GeminiUsage | undefined;
  finished = false;
  private readonly meta: { id: string; model: string; created: number };

  constructor(meta: { id: string; model: string; created: number }) {
    this.meta = meta;
  }

  private chunk(delta: OpenAIChunk["choices"][number]["delta"], finish: OpenAIFinishReason | null = null): OpenAIChunk {
    return { ...this.meta, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }

  get openAIUsage(): OpenAIUsage {
    return usageFromGemini(this.usage);
  }

  usageChunk(): OpenAIChunk {
    return { ...this.meta, object: "chat.completion.chunk", choices: [], usage: this.openAIUsage };
  }

  push(res: GeminiResponse): OpenAIChunk[] {
    const out: OpenAIChunk[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.chunk({ role: "assistant", content: "" }));
    }
    if (res.usageMetadata) this.usage = res.usageMetadata;
    const candidate = res.candidates?.[0];
    const { text, calls } = splitParts(candidate?.content?.parts);
    if (text) out.push(this.chunk({ content: text }));
    calls.forEach((call, i) => out.push(this.chunk({ tool_calls: [{ index: this.calls + i, id: call.id, type: "function", function: call.function }] })));
    this.calls += calls.length;
    const finish = res.promptFeedback?.blockReason ? "content_filter" : finishFromGemini(candidate?.finishReason, this.calls > 0);
    if (finish) {
      this.finished = true;
      out.push(this.chunk({}, finish));
    }
    return out;
  }
}
