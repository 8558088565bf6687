// Gemini generateContent response → OpenAI chat completion.
import type { GeminiPart, GeminiResponse, GeminiUsage } from "../../formats/gemini.ts";
import type { OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "../../formats/openai.ts";
import { stringifyArguments } from "../../translate/common.ts";

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

export function splitParts(parts: GeminiPart[] | undefined): { text: string; reasoning: string; calls: OpenAIToolCall[] } {
  let text = "";
  let reasoning = "";
  const calls: OpenAIToolCall[] = [];
  for (const part of parts ?? []) {
    if ("text" in part) {
      if (part.thought) reasoning += part.text;
      else text += part.text;
    } else if ("functionCall" in part) {
      calls.push({
        id: part.functionCall.id ?? callId(),
        type: "function",
        function: { name: part.functionCall.name, arguments: stringifyArguments(part.functionCall.args) },
      });
    }
  }
  return { text, reasoning, calls };
}

export function geminiResponseToOpenAI(res: GeminiResponse, meta: { id: string; model: string; created: number }): OpenAIChatCompletion {
  const candidate = res.candidates?.[0];
  const { text, reasoning, calls } = splitParts(candidate?.content?.parts);
  const blocked = res.promptFeedback?.blockReason;
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text || (calls.length ? null : ""),
          refusal: null,
          ...(calls.length ? { tool_calls: calls } : {}),
          ...(reasoning ? { reasoning_content: reasoning } : {}),
        },
        logprobs: null,
        finish_reason: blocked ? "content_filter" : finishFromGemini(candidate?.finishReason ?? "STOP", calls.length > 0),
      },
    ],
    usage: usageFromGemini(res.usageMetadata),
  };
}
