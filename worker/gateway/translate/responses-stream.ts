// The Responses client side, answer half, streamed: canonical chunks → OpenAI's Responses event
// grammar, one chunk at a time, with the final Response the whole answer would have been
// (responses-output.ts builds both from the same pieces).
// Items are added in the order their content first appears, and one is done before the next is
// added — except function calls: parallel calls stay open together until other content or the
// end, since an OpenAI-compatible server may interleave their deltas by index. A delta for a call
// that closed (other content came between) cannot be told in this grammar: push() then throws a
// protocol error before it emits anything, so failed() can still end the stream in sequence.
import type { OpenAIChunk, OpenAIFinishReason, OpenAIToolCallDelta, OpenAIUsage } from "../formats/openai.ts";
import type { ItemStatus, OutputItem, OutputText, Refusal, ResponseObject, ResponsesEvent } from "../formats/responses.ts";
import { UpstreamError } from "../upstream.ts";
import {
  endingOf,
  finished,
  functionCallItem,
  messageItem,
  newItemId,
  outputText,
  reasoningItem,
  refusalPart,
  summaryText,
  usageToResponses,
} from "./responses-output.ts";

type Delta = OpenAIChunk["choices"][number]["delta"];
type PartKind = "output_text" | "refusal";

interface OpenMessage {
  kind: "message";
  id: string;
  index: number;
  /** The last part is the open one. */
  parts: (OutputText | Refusal)[];
}

interface OpenReasoning {
  kind: "reasoning";
  id: string;
  index: number;
  text: string;
}

interface OpenCall {
  id: string;
  index: number;
  callId: string;
  name: string;
  args: string;
}

const partText = (part: OutputText | Refusal) => (part.type === "output_text" ? part.text : part.refusal);

function withText(part: OutputText | Refusal, text: string): OutputText | Refusal {
  return part.type === "output_text" ? { ...part, text } : { ...part, refusal: text };
}

/** What closes open function calls: any content that is not a tool call. */
const hasOtherContent = (d: Delta) => Boolean(d.reasoning_content || d.reasoning || d.content || d.refusal);

export class ChunksToResponses {
  private sequence = 0;
  private started = false;
  private nextIndex = 0;
  private readonly done: OutputItem[] = [];
  private open: OpenMessage | OpenReasoning | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private readonly closedCalls = new Set<number>();
  /** Whether a message or a function call was added (else end() adds an empty message). */
  private answered = false;
  /** Set by end() when the answer was cut: the last item is then done as "incomplete". */
  private cut = false;
  private finish: OpenAIFinishReason | null = null;
  private usage: OpenAIUsage | null = null;
  private finalResponse: ResponseObject | null = null;
  private readonly base: ResponseObject;

  constructor(base: ResponseObject) {
    this.base = base;
  }

  get final(): ResponseObject | null {
    return this.finalResponse;
  }

  /** response.created then response.in_progress; once (push and end begin the stream when it has not). */
  start(): ResponsesEvent[] {
    if (this.started) return [];
    this.started = true;
    return [this.emit("response.created", { response: { ...this.base } }), this.emit("response.in_progress", { response: { ...this.base } })];
  }

  push(chunk: OpenAIChunk): ResponsesEvent[] {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return this.start();
    this.refuseLateCalls(choice.delta);
    const events = this.start();
    const { delta } = choice;
    const reasoning = delta.reasoning_content || delta.reasoning;
    if (reasoning) events.push(...this.reasoningDelta(reasoning));
    if (delta.content) events.push(...this.partDelta("output_text", delta.content));
    if (delta.refusal) events.push(...this.partDelta("refusal", delta.refusal));
    for (const call of delta.tool_calls ?? []) events.push(...this.callDelta(call));
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return events;
  }

  /** After the chunk stream ended normally: every open item done, then the terminal event. */
  end(): ResponsesEvent[] {
    if (this.finalResponse) return [];
    const events = this.start();
    const ending = endingOf(this.finish);
    this.cut = ending.status === "incomplete";
    if (!this.answered) events.push(...this.emptyMessage());
    events.push(...this.closeOpen(), ...this.closeCalls());
    this.finalResponse = finished(this.base, ending, [...this.done], usageToResponses(this.usage));
    events.push(this.emit(`response.${ending.status}`, { response: this.finalResponse }));
    return events;
  }

  /** The stream failed mid-way: response.failed with the items done so far. */
  failed(message: string): ResponsesEvent {
    const response: ResponseObject = {
      ...this.base,
      status: "failed",
      error: { code: "server_error", message },
      incomplete_details: null,
      output: [...this.done],
      usage: this.usage ? usageToResponses(this.usage) : null,
    };
    return this.emit("response.failed", { response });
  }

  private emit(type: string, fields: Record<string, unknown>): ResponsesEvent {
    return { type, sequence_number: this.sequence++, ...fields };
  }

  private refuseLateCalls(delta: Delta): void {
    const closing = hasOtherContent(delta) ? this.calls : new Map<number, OpenCall>();
    for (const call of delta.tool_calls ?? []) {
      if (this.closedCalls.has(call.index) || closing.has(call.index)) {
        throw new UpstreamError("protocol", `upstream continued tool call ${call.index} after other content`);
      }
    }
  }

  private statusOf(index: number): ItemStatus {
    return this.cut && index === this.nextIndex - 1 ? "incomplete" : "completed";
  }

  // --- reasoning ---------------------------------------------------------------------------

  private reasoningDelta(delta: string): ResponsesEvent[] {
    const events = this.open?.kind === "reasoning" ? [] : this.openReasoning();
    const item = this.open as OpenReasoning;
    item.text += delta;
    events.push(this.emit("response.reasoning_summary_text.delta", { item_id: item.id, output_index: item.index, summary_index: 0, delta }));
    return events;
  }

  private openReasoning(): ResponsesEvent[] {
    const events = [...this.closeOpen(), ...this.closeCalls()];
    const item: OpenReasoning = { kind: "reasoning", id: newItemId("rs"), index: this.nextIndex++, text: "" };
    this.open = item;
    const at = { item_id: item.id, output_index: item.index, summary_index: 0 };
    events.push(
      this.emit("response.output_item.added", { output_index: item.index, item: reasoningItem(item.id, []) }),
      this.emit("response.reasoning_summary_part.added", { ...at, part: summaryText("") }),
    );
    return events;
  }

  private closeReasoning(item: OpenReasoning): ResponsesEvent[] {
    const at = { item_id: item.id, output_index: item.index, summary_index: 0 };
    const done = reasoningItem(item.id, [summaryText(item.text)]);
    this.done.push(done);
    return [
      this.emit("response.reasoning_summary_text.done", { ...at, text: item.text }),
      this.emit("response.reasoning_summary_part.done", { ...at, part: summaryText(item.text) }),
      this.emit("response.output_item.done", { output_index: item.index, item: done }),
    ];
  }

  // --- the message ---------------------------------------------------------------------------

  private partDelta(kind: PartKind, delta: string): ResponsesEvent[] {
    const events = this.open?.kind === "message" ? [] : this.openMessage();
    const message = this.open as OpenMessage;
    if (message.parts.at(-1)?.type !== kind) events.push(...this.closePart(message), ...this.addPart(message, kind));
    const contentIndex = message.parts.length - 1;
    const part = message.parts[contentIndex]!;
    message.parts[contentIndex] = withText(part, partText(part) + delta);
    const at = { item_id: message.id, output_index: message.index, content_index: contentIndex };
    const type = kind === "output_text" ? "response.output_text.delta" : "response.refusal.delta";
    events.push(this.emit(type, { ...at, delta, ...(kind === "output_text" ? { logprobs: [] } : {}) }));
    return events;
  }

  private openMessage(): ResponsesEvent[] {
    const events = [...this.closeOpen(), ...this.closeCalls()];
    const message: OpenMessage = { kind: "message", id: newItemId("msg"), index: this.nextIndex++, parts: [] };
    this.open = message;
    this.answered = true;
    events.push(this.emit("response.output_item.added", { output_index: message.index, item: messageItem(message.id, [], "in_progress") }));
    return events;
  }

  /** What OpenAI answers when there is nothing to say: a message with empty text. */
  private emptyMessage(): ResponsesEvent[] {
    const events = this.openMessage();
    events.push(...this.addPart(this.open as OpenMessage, "output_text"));
    return events;
  }

  private addPart(message: OpenMessage, kind: PartKind): ResponsesEvent[] {
    message.parts.push(kind === "output_text" ? outputText("") : refusalPart(""));
    const at = { item_id: message.id, output_index: message.index, content_index: message.parts.length - 1 };
    return [this.emit("response.content_part.added", { ...at, part: kind === "output_text" ? outputText("") : refusalPart("") })];
  }

  private closePart(message: OpenMessage): ResponsesEvent[] {
    const part = message.parts.at(-1);
    if (!part) return [];
    const at = { item_id: message.id, output_index: message.index, content_index: message.parts.length - 1 };
    const done =
      part.type === "output_text"
        ? this.emit("response.output_text.done", { ...at, text: part.text, logprobs: [] })
        : this.emit("response.refusal.done", { ...at, refusal: part.refusal });
    return [done, this.emit("response.content_part.done", { ...at, part: { ...part } })];
  }

  private closeMessage(message: OpenMessage): ResponsesEvent[] {
    const events = this.closePart(message);
    const done = messageItem(message.id, message.parts, this.statusOf(message.index));
    this.done.push(done);
    events.push(this.emit("response.output_item.done", { output_index: message.index, item: done }));
    return events;
  }

  /** Done events for the open message or reasoning item, if any. */
  private closeOpen(): ResponsesEvent[] {
    const open = this.open;
    this.open = null;
    if (!open) return [];
    return open.kind === "message" ? this.closeMessage(open) : this.closeReasoning(open);
  }

  // --- function calls ------------------------------------------------------------------------

  private callDelta(delta: OpenAIToolCallDelta): ResponsesEvent[] {
    const events = this.calls.has(delta.index) ? [] : this.openCall(delta);
    const call = this.calls.get(delta.index)!;
    if (delta.function?.name) call.name = delta.function.name;
    const args = delta.function?.arguments;
    if (args) {
      call.args += args;
      events.push(this.emit("response.function_call_arguments.delta", { item_id: call.id, output_index: call.index, delta: args }));
    }
    return events;
  }

  private openCall(delta: OpenAIToolCallDelta): ResponsesEvent[] {
    const events = this.closeOpen();
    const callId = delta.id || `call_${crypto.randomUUID().replaceAll("-", "")}`;
    const call: OpenCall = { id: newItemId("fc"), index: this.nextIndex++, callId, name: delta.function?.name ?? "", args: "" };
    this.calls.set(delta.index, call);
    this.answered = true;
    const item = functionCallItem(call.id, { ...call, args: "" }, "in_progress");
    events.push(this.emit("response.output_item.added", { output_index: call.index, item }));
    return events;
  }

  /** Done events for every open call, in the order they were added. */
  private closeCalls(): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    for (const [toolIndex, call] of this.calls) {
      const at = { item_id: call.id, output_index: call.index };
      const done = functionCallItem(call.id, call, this.statusOf(call.index));
      this.done.push(done);
      this.closedCalls.add(toolIndex);
      events.push(
        this.emit("response.function_call_arguments.done", { ...at, name: call.name, arguments: call.args }),
        this.emit("response.output_item.done", { output_index: call.index, item: done }),
      );
    }
    this.calls.clear();
    return events;
  }
}
