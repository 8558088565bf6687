// Anthropic message → OpenAI chat completion.
import type { AnthropicMessageResponse, AnthropicStopReason } from "../../formats/anthropic.ts";
import type { OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall } from "../../formats/openai.ts";
import { stringifyArguments } from "../../translate/common.ts";
import { JSON_TOOL } from "./request.ts";
import { usageFromAnthropic } from "./usage.ts";

export function finishFromAnthropic(reason: AnthropicStopReason | null): OpenAIFinishReason | null {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return null;
  }
}

export function anthropicResponseToOpenAI(res: AnthropicMessageResponse, model: string, created: number): OpenAIChatCompletion {
  let text = "";
  let reasoning = "";
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of res.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") reasoning += block.thinking;
    else if (block.type === "tool_use") {
      if (block.name === JSON_TOOL) text += stringifyArguments(block.input);
      else toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: stringifyArguments(block.input) } });
    }
  }
  const onlyJsonTool = res.stop_reason === "tool_use" && toolCalls.length === 0;
  return {
    id: res.id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text || (toolCalls.length ? null : ""),
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          ...(reasoning ? { reasoning_content: reasoning } : {}),
        },
        logprobs: null,
        finish_reason: onlyJsonTool ? "stop" : finishFromAnthropic(res.stop_reason),
      },
    ],
    usage: usageFromAnthropic(res.usage),
  };
}
