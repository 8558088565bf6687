// Test-only: a strict checker of an OpenAI Responses event stream, for the gateway's translated
// streams and for OpenAI's own passed through (events as parsed from the SSE data). It follows
// the grammar OpenAI streams and the SDK's accumulator rely on: response.created first, items
// added at the next output_index and done once, deltas only into open items and parts, every
// done value equal to its deltas, each item's done form equal to its parts' done forms, one
// terminal event last whose output is the items done (response.failed: some of them, in order).
// Several items may be open at once (the SDK allows it). Event types of OpenAI's built-in tools
// and audio are accepted with only their item checked.

type Json = Record<string, unknown>;

export type StreamEvent = { type: string; sequence_number: number; [k: string]: unknown };

interface Part {
  type: string;
  text: string;
  /** The text its .done event gave. */
  done: string | null;
  /** The part as its part.done event gave it. */
  final: unknown;
}

interface ItemState {
  index: number;
  type: string;
  id: unknown;
  callId: unknown;
  open: boolean;
  parts: Part[];
  summary: Part[];
  args: string;
  argsDone: string | null;
}

/** Delta and done events of a part's text: the part type they write and the field .done carries. */
const TEXT_EVENTS: Record<string, { part: string; field: string; list: "parts" | "summary"; index: string; item: string }> = {
  "response.output_text": { part: "output_text", field: "text", list: "parts", index: "content_index", item: "message" },
  "response.refusal": { part: "refusal", field: "refusal", list: "parts", index: "content_index", item: "message" },
  "response.reasoning_text": { part: "reasoning_text", field: "text", list: "parts", index: "content_index", item: "reasoning" },
  "response.reasoning_summary_text": { part: "summary_text", field: "text", list: "summary", index: "summary_index", item: "reasoning" },
};

/** The text field of a part, by part type. */
const PART_FIELD: Record<string, string> = { output_text: "text", refusal: "refusal", reasoning_text: "text", summary_text: "text" };

const LIFECYCLE = new Set(["response.in_progress", "response.queued"]);
const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Legal event types checked only for the item they name. */
const LOOSE = new Set([
  "response.output_text.annotation.added",
  "response.custom_tool_call_input.delta",
  "response.custom_tool_call_input.done",
  "response.mcp_call_arguments.delta",
  "response.mcp_call_arguments.done",
  "response.mcp_call.in_progress",
  "response.mcp_call.completed",
  "response.mcp_call.failed",
  "response.mcp_list_tools.in_progress",
  "response.mcp_list_tools.completed",
  "response.mcp_list_tools.failed",
  "response.shell_call_command.added",
  "response.shell_call_command.delta",
  "response.shell_call_command.done",
  "response.shell_call_output_content.delta",
  "response.shell_call_output_content.done",
  "response.code_interpreter_call_code.delta",
  "response.code_interpreter_call_code.done",
  "response.code_interpreter_call.in_progress",
  "response.code_interpreter_call.interpreting",
  "response.code_interpreter_call.completed",
  "response.file_search_call.in_progress",
  "response.file_search_call.searching",
  "response.file_search_call.completed",
  "response.web_search_call.in_progress",
  "response.web_search_call.searching",
  "response.web_search_call.completed",
  "response.image_generation_call.in_progress",
  "response.image_generation_call.generating",
  "response.image_generation_call.completed",
  "response.image_generation_call.partial_image",
  "response.audio.delta",
  "response.audio.done",
  "response.audio.transcript.delta",
  "response.audio.transcript.done",
  "response.compaction.compacting",
  "keepalive",
  "error",
]);

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON with sorted keys: equal values, equal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

const short = (value: unknown) => {
  const s = canonical(value) ?? "undefined";
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

class Checker {
  private readonly items: ItemState[] = [];
  private readonly done: unknown[] = [];
  private terminal: string | null = null;
  private at = 0;
  private event: StreamEvent = { type: "", sequence_number: 0 };

  check(events: StreamEvent[]): void {
    events.forEach((event, at) => {
      this.at = at;
      this.event = event;
      this.step(event);
    });
    if (!this.terminal) {
      throw new Error(`Responses stream: ends after ${events.length} events without response.completed, response.incomplete or response.failed`);
    }
  }

  private fail(message: string): never {
    throw new Error(`Responses stream, event ${this.at} (${this.event.type}): ${message}`);
  }

  private expectSame(what: string, actual: unknown, expected: unknown): void {
    if (canonical(actual) !== canonical(expected)) this.fail(`${what} is ${short(actual)}, expected ${short(expected)}`);
  }

  private step(e: StreamEvent): void {
    if (!isObject(e) || typeof e.type !== "string") this.fail("not an event object with a type");
    if (e.sequence_number !== this.at) this.fail(`sequence_number ${String(e.sequence_number)}, expected ${this.at}`);
    if (this.terminal) this.fail(`an event after ${this.terminal}`);
    if ((this.at === 0) !== (e.type === "response.created")) this.fail("response.created must be the first event, and only it");
    this.dispatch(e);
  }

  private dispatch(e: StreamEvent): void {
    const [family, last] = [e.type.slice(0, e.type.lastIndexOf(".")), e.type.slice(e.type.lastIndexOf(".") + 1)];
    if (e.type === "response.created" || LIFECYCLE.has(e.type)) return this.lifecycle(e);
    if (TERMINAL.has(e.type)) return this.end(e);
    if (e.type === "response.output_item.added") return this.itemAdded(e);
    if (e.type === "response.output_item.done") return this.itemDone(e);
    if (e.type === "response.content_part.added" || e.type === "response.reasoning_summary_part.added") return this.partAdded(e);
    if (e.type === "response.content_part.done" || e.type === "response.reasoning_summary_part.done") return this.partDone(e);
    if (TEXT_EVENTS[family] && (last === "delta" || last === "done")) return last === "delta" ? this.textDelta(e, family) : this.textDone(e, family);
    if (e.type === "response.function_call_arguments.delta") return this.argsDelta(e);
    if (e.type === "response.function_call_arguments.done") return this.argsDone(e);
    if (LOOSE.has(e.type)) return this.loose(e);
    this.fail("unknown event type");
  }

  private lifecycle(e: StreamEvent): void {
    if (!isObject(e.response)) this.fail("no response object");
    const status = e.response.status;
    if (status !== "in_progress" && status !== "queued") this.fail(`response.status is ${short(status)}, expected in_progress or queued`);
  }

  // --- items ---------------------------------------------------------------------------------

  /** The open item the event names by output_index (and item_id, when it has one). */
  private openItem(e: StreamEvent, type?: string): ItemState {
    const index = e.output_index;
    if (typeof index !== "number") this.fail("no output_index");
    const item = this.items[index];
    if (!item) this.fail(`output_index ${index} names no item added`);
    if (!item.open) this.fail(`item ${index} is already done`);
    if (e.item_id !== undefined && e.item_id !== item.id) this.fail(`item_id ${short(e.item_id)} is not item ${index}'s id ${short(item.id)}`);
    if (type && item.type !== type) this.fail(`item ${index} is a ${item.type}, expected a ${type}`);
    return item;
  }

  private itemAdded(e: StreamEvent): void {
    const item = e.item;
    if (e.output_index !== this.items.length) this.fail(`output_index ${short(e.output_index)}, expected ${this.items.length}`);
    if (!isObject(item) || typeof item.type !== "string") this.fail("no item with a type");
    this.checkNewItem(item);
    this.items.push({
      index: this.items.length,
      type: item.type,
      id: item.id,
      callId: item.call_id,
      open: true,
      parts: [],
      summary: [],
      args: typeof item.arguments === "string" ? item.arguments : "",
      argsDone: null,
    });
  }

  private checkNewItem(item: Json): void {
    const idOptional = item.type === "function_call" || item.type === "custom_tool_call";
    if (!(idOptional && item.id === undefined) && (typeof item.id !== "string" || item.id === "")) this.fail("the item has no id");
    if (item.id !== undefined && this.items.some((other) => other.id === item.id)) this.fail(`duplicate item id ${short(item.id)}`);
    if (item.type === "message" || item.type === "function_call") this.expectSame("the added item's status", item.status, "in_progress");
    if (item.type === "message") this.expectSame("the added message's content", item.content, []);
    if (item.type === "reasoning") this.expectSame("the added reasoning's summary", item.summary, []);
    if (item.type === "function_call") {
      if (typeof item.call_id !== "string") this.fail("the function call has no call_id");
      if (this.items.some((other) => other.type === "function_call" && other.callId === item.call_id)) this.fail(`duplicate call_id ${short(item.call_id)}`);
      if (typeof item.arguments !== "string") this.fail("the function call's arguments are not a string");
    }
  }

  private itemDone(e: StreamEvent): void {
    const state = this.openItem(e);
    const item = e.item;
    if (!isObject(item)) this.fail("no item");
    this.expectSame("the item's type", item.type, state.type);
    this.expectSame("the item's id", item.id, state.id);
    if (state.type === "function_call") this.expectSame("the item's call_id", item.call_id, state.callId);
    if (state.type === "message" || state.type === "function_call") {
      if (item.status !== "completed" && item.status !== "incomplete") this.fail(`the done item's status is ${short(item.status)}`);
    }
    this.checkDoneContent(state, item);
    state.open = false;
    this.done[state.index] = item;
  }

  private checkDoneContent(state: ItemState, item: Json): void {
    if (state.type === "function_call") {
      if (state.argsDone === null) this.fail("no response.function_call_arguments.done before the item's done");
      this.expectSame("the item's arguments", item.arguments, state.argsDone);
    }
    if (state.type === "message") this.expectSame("the message's content", item.content, this.finals(state.parts, "content part"));
    if (state.type === "reasoning") {
      this.expectSame("the reasoning's summary", item.summary, this.finals(state.summary, "summary part"));
      if (state.parts.length) this.expectSame("the reasoning's content", item.content, this.finals(state.parts, "content part"));
    }
  }

  private finals(parts: Part[], what: string): unknown[] {
    return parts.map((part, i) => {
      if (part.final === null) this.fail(`${what} ${i} is not done before its item`);
      return part.final;
    });
  }

  // --- parts and their text -----------------------------------------------------------------

  private partList(e: StreamEvent): { list: "parts" | "summary"; index: unknown } {
    const summary = e.type.startsWith("response.reasoning_summary_part.");
    return summary ? { list: "summary", index: e.summary_index } : { list: "parts", index: e.content_index };
  }

  private partAdded(e: StreamEvent): void {
    const { list, index } = this.partList(e);
    const part = e.part;
    if (!isObject(part) || typeof part.type !== "string" || !PART_FIELD[part.type]) this.fail(`an unknown part ${short(part)}`);
    const itemType = part.type === "output_text" || part.type === "refusal" ? "message" : "reasoning";
    if ((list === "summary") !== (part.type === "summary_text")) this.fail(`a ${part.type} part in the wrong event`);
    const item = this.openItem(e, itemType);
    if (index !== item[list].length) this.fail(`part index ${short(index)}, expected ${item[list].length}`);
    const text = part[PART_FIELD[part.type]!];
    if (text !== "") this.fail(`the added part's text is ${short(text)}, expected ""`);
    item[list].push({ type: part.type, text: "", done: null, final: null });
  }

  private partDone(e: StreamEvent): void {
    const { list, index } = this.partList(e);
    const part = e.part;
    if (!isObject(part) || typeof part.type !== "string") this.fail("no part");
    const slot = this.openPart(e, list, index, part.type === "output_text" || part.type === "refusal" ? "message" : "reasoning");
    this.expectSame("the part's type", part.type, slot.type);
    if (slot.done === null) this.fail(`no .done event for the part's text before its part.done`);
    this.expectSame("the done part's text", part[PART_FIELD[slot.type]!], slot.done);
    slot.final = part;
  }

  private openPart(e: StreamEvent, list: "parts" | "summary", index: unknown, itemType: string): Part {
    const item = this.openItem(e, itemType);
    const part = typeof index === "number" ? item[list][index] : undefined;
    if (!part) this.fail(`part ${short(index)} of item ${item.index} was not added`);
    if (part.final !== null) this.fail(`part ${short(index)} of item ${item.index} is already done`);
    return part;
  }

  private textDelta(e: StreamEvent, family: string): void {
    const spec = TEXT_EVENTS[family]!;
    const part = this.openPart(e, spec.list, e[spec.index], spec.item);
    if (part.type !== spec.part) this.fail(`a delta for a ${part.type} part`);
    if (part.done !== null) this.fail("a delta after the part's text was done");
    if (typeof e.delta !== "string") this.fail("the delta is not a string");
    part.text += e.delta;
  }

  private textDone(e: StreamEvent, family: string): void {
    const spec = TEXT_EVENTS[family]!;
    const part = this.openPart(e, spec.list, e[spec.index], spec.item);
    if (part.type !== spec.part) this.fail(`a .done for a ${part.type} part`);
    if (part.done !== null) this.fail("the part's text is done twice");
    this.expectSame(`the done ${spec.field} (the deltas joined)`, e[spec.field], part.text);
    part.done = part.text;
  }

  private argsDelta(e: StreamEvent): void {
    const item = this.openItem(e, "function_call");
    if (item.argsDone !== null) this.fail("an arguments delta after they were done");
    if (typeof e.delta !== "string") this.fail("the delta is not a string");
    item.args += e.delta;
  }

  private argsDone(e: StreamEvent): void {
    const item = this.openItem(e, "function_call");
    if (item.argsDone !== null) this.fail("the arguments are done twice");
    this.expectSame("the done arguments (the deltas joined)", e.arguments, item.args);
    item.argsDone = item.args;
  }

  private loose(e: StreamEvent): void {
    if (e.output_index !== undefined) this.openItem(e);
  }

  // --- the end --------------------------------------------------------------------------------

  private end(e: StreamEvent): void {
    const status = e.type.slice("response.".length);
    const response = e.response;
    if (!isObject(response)) this.fail("no response object");
    this.expectSame("response.status", response.status, status);
    if (!Array.isArray(response.output)) this.fail("response.output is not a list");
    this.terminal = e.type;
    if (status === "failed") return this.failedEnd(response, response.output);
    const open = this.items.filter((item) => item.open).map((item) => item.index);
    if (open.length) this.fail(`items ${open.join(", ")} are not done`);
    this.expectSame("response.output (the items done)", response.output, this.done);
    if (status === "incomplete" && !isObject(response.incomplete_details)) this.fail("an incomplete response without incomplete_details");
  }

  /** A failed response's output: some of the items done, in order. */
  private failedEnd(response: Json, output: unknown[]): void {
    if (!isObject(response.error) || typeof response.error.message !== "string") this.fail("a failed response without error.message");
    const done = this.done.filter((item) => item !== undefined).map(canonical);
    let next = 0;
    for (const item of output) {
      const found = done.indexOf(canonical(item), next);
      if (found < 0) this.fail(`response.output holds an item not done (or out of order): ${short(item)}`);
      next = found + 1;
    }
  }
}

/** Throws, naming the event and what is wrong, unless `events` is a well-formed Responses stream. */
export function checkResponsesStream(events: StreamEvent[]): void {
  new Checker().check(events);
}
