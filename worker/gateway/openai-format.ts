// Renders provider-neutral results in OpenAI's chat completion wire format, including SSE.
import type { ChatResult, ChatStreamEvent, FinishReason, Usage } from "./types.ts";

export function openAiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export interface CompletionMeta {
  id: string;
  model: string;
  created: number;
}

export function chatCompletionBody(meta: CompletionMeta, result: ChatResult) {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: result.text, refusal: null },
        logprobs: null,
        finish_reason: result.finishReason,
      },
    ],
    usage: openAiUsage(result.usage),
  };
}

function chunk(meta: CompletionMeta, delta: Record<string, unknown>, finishReason: FinishReason | null) {
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

const encoder = new TextEncoder();
const sse = (data: unknown) => encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

export interface StreamOutcome {
  /** The usage reported at the end, or what was produced before the client went away. */
  usage: Usage;
  /** How the stream ended. */
  end: "complete" | "client_closed" | "error";
  ttfbMs: number | null;
}

/**
 * An SSE body of `chat.completion.chunk` events ending in `data: [DONE]`. Pull-based: each
 * upstream event is encoded when the client is ready for it, nothing is buffered ahead.
 * `onEnd` runs exactly once, whether the stream completes, fails or the client disconnects.
 */
export function chatCompletionStream(
  meta: CompletionMeta,
  events: AsyncIterator<ChatStreamEvent>,
  options: { includeUsage: boolean; startedAt: number; countTokens: (text: string) => number; promptTokens: number },
  onEnd: (outcome: StreamOutcome) => void,
): ReadableStream<Uint8Array> {
  let produced = 0;
  let ttfbMs: number | null = null;
  let ended = false;
  const finish = (outcome: Omit<StreamOutcome, "ttfbMs">) => {
    if (ended) return;
    ended = true;
    onEnd({ ...outcome, ttfbMs });
  };
  const partialUsage = (): Usage => ({
    inputTokens: options.promptTokens,
    outputTokens: produced,
    cachedTokens: 0,
    reasoningTokens: 0,
    estimated: true,
  });

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(sse(chunk(meta, { role: "assistant", content: "" }, null)));
    },
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) throw new Error("upstream stream ended without a finish event");
        const event = next.value;
        ttfbMs ??= Date.now() - options.startedAt;
        if (event.type === "delta") {
          produced += options.countTokens(event.text);
          controller.enqueue(sse(chunk(meta, { content: event.text }, null)));
          return;
        }
        controller.enqueue(sse(chunk(meta, {}, event.finishReason)));
        if (options.includeUsage) controller.enqueue(sse({ ...chunk(meta, {}, null), choices: [], usage: openAiUsage(event.usage) }));
        controller.enqueue(sse("[DONE]"));
        controller.close();
        finish({ usage: event.usage, end: "complete" });
      } catch (error) {
        const message = error instanceof Error ? error.message : "stream failed";
        controller.enqueue(sse({ error: { message: `Upstream stream failed: ${message}`, type: "server_error", param: null, code: "upstream_error" } }));
        controller.close();
        finish({ usage: partialUsage(), end: "error" });
      }
    },
    async cancel() {
      finish({ usage: partialUsage(), end: "client_closed" });
      await events.return?.(undefined);
    },
  });
}
