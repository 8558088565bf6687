// POST /v1/responses: OpenAI's Responses API for every model. OpenAI-kind providers get the
// request as sent (bytes back as they arrive); every other kind gets it translated to the
// canonical chat call and the answer translated back, whole or in the Responses event grammar.
// With `store` (the default) the response and its input are kept per tenant, so
// `previous_response_id` continues a conversation on any provider: its turns are expanded here,
// and the whole prompt sent upstream is what is reserved and billed.
import type { Context } from "hono";
import { AppError } from "../../core/errors.ts";
import { log } from "../../core/logger.ts";
import { readSizedJson } from "../../core/validation.ts";
import { type Db, getDb } from "../../db/client.ts";
import { findOutputItems, loadResponse, type ResponseRecord, responseRetentionDays, saveResponse } from "../../db/stored-responses.ts";
import type { AppEnv } from "../../env.ts";
import { endpoint, type JsonAnswer, type OpenedStream } from "../call.ts";
import type { InputItem, ResponseObject, ResponsesRequest } from "../formats/responses.ts";
import { responsesRequest } from "../formats/responses.ts";
import type { PlannedTarget } from "../plan.ts";
import { promptTokenBound } from "../prompt-bound.ts";
import { responsesPromptTokens } from "../prompt-tokens.ts";
import { adapterFor, endpointUrl, serves } from "../providers/index.ts";
import type { CallOptions } from "../providers/types.ts";
import { encodeResponses, passResponses, ResponsesPassState, renderResponses, StreamTally } from "../stream-out.ts";
import { countTokens } from "../tokens.ts";
import { checkInputItems, checkToolOutputs, inputForUpstream, inputItems, responsesToChat, withItemIds } from "../translate/responses-input.ts";
import { completionToResponse, newItemId } from "../translate/responses-output.ts";
import { ChunksToResponses } from "../translate/responses-stream.ts";
import { estimatedUsage, type Usage, usageFromOpenAI, usageFromResponses } from "../types.ts";
import { UpstreamError, upstreamFetch } from "../upstream.ts";

/** One Responses call, once read: the items it runs on and what it keeps. */
interface ResponsesCall {
  body: ResponsesRequest;
  /** Every input item, previous turns first, each with its id. */
  items: InputItem[];
  /** The input sent upstream is not the client's: earlier turns, or items referenced, are in it. */
  rewritten: boolean;
  /** Whether the response is kept (store, and the tenant keeps responses at all). */
  kept: boolean;
  /** Keeps the response, when it is kept. */
  keep: (response: ResponseObject) => Promise<void>;
  promptTokens: number;
}

export const responses = endpoint<JsonAnswer>(async (c) => {
  const { body, bytes, text } = await readSizedJson(c.req.raw, responsesRequest);
  const call = await readCall(c, body);
  // The bound is of what goes upstream: earlier turns and referenced items included.
  const expanded = call.rewritten ? JSON.stringify({ ...body, input: call.items }) : text;
  const size = {
    promptTokens: call.promptTokens,
    promptBound: promptTokenBound(expanded, call.rewritten ? new TextEncoder().encode(expanded).byteLength : bytes),
    maxOutput: body.max_output_tokens ?? null,
  };
  const shared = { endpoint: "responses", model: body.model, body, size, refuseUnpriced: true };
  if (body.stream) {
    let failure: StreamAttempt["failure"] | null = null;
    return {
      ...shared,
      stream: true,
      promptTokens: call.promptTokens,
      errorEvent: (error) =>
        failure?.(error instanceof UpstreamError ? `Upstream stream failed: ${error.message}` : "Upstream stream failed.") ?? new Uint8Array(),
      attempt: async (target, options) => {
        const opened = await openStream(call, target, options);
        failure = opened.failure;
        return opened;
      },
    };
  }
  return { ...shared, stream: false, render: (answer) => answer, attempt: (target, options) => answerOnce(call, target, options) };
});

async function readCall(c: Context<AppEnv>, body: ResponsesRequest): Promise<ResponsesCall> {
  const tenantId = c.var.apiKey.tenantId;
  const db = getDb(c.env.DB);
  const previous = body.previous_response_id ? await loadResponse(db, tenantId, body.previous_response_id) : null;
  if (body.previous_response_id && !previous) {
    throw new AppError("not_found", `Previous response with id '${body.previous_response_id.slice(0, 256)}' not found.`, {
      code: "previous_response_not_found",
      param: "previous_response_id",
    });
  }
  const sent = inputItems(body.input);
  const fresh = await resolveReferences(db, tenantId, sent);
  checkInputItems(fresh);
  const history = previous ? [...previous.inputItems, ...(previous.response.output as unknown as InputItem[])] : [];
  const items = [...history, ...withItemIds(fresh)];
  const rewritten = history.length > 0 || fresh.some((item, i) => item !== sent[i]);
  checkToolOutputs(items);
  const retention = body.store === false ? 0 : await responseRetentionDays(db, tenantId);
  const record = (response: ResponseObject): ResponseRecord => ({
    id: response.id,
    tenantId,
    keyId: c.var.apiKey.id,
    model: body.model,
    createdAt: Date.now(),
    response,
    inputItems: items,
  });
  const keep = async (response: ResponseObject) => {
    if (retention <= 0) return;
    // The answer is already paid for: a failed write loses the state, never the answer.
    await saveResponse(db, record(response), retention).catch((error: unknown) => log("error", "responses.store_failed", { error: String(error) }));
  };
  return { body, items, rewritten, kept: retention > 0, keep, promptTokens: responsesPromptTokens(body, items) };
}

/**
 * Input items that refer to a stored output item (`item_reference`, as the AI SDK sends earlier
 * answers) replaced by the item: looked up in the tenant's own store, never upstream, where the
 * operator's key could reach another tenant's items.
 */
async function resolveReferences(db: Db, tenantId: string, items: InputItem[]): Promise<InputItem[]> {
  const ids = items.filter((item) => item.type === "item_reference").map((item) => String(item.id));
  if (!ids.length) return items;
  const found = await findOutputItems(db, tenantId, ids);
  return items.map((item, i) => {
    if (item.type !== "item_reference") return item;
    const stored = found.get(String(item.id));
    if (!stored) {
      throw new AppError("not_found", `Item with id '${String(item.id).slice(0, 256)}' not found.`, { code: "item_not_found", param: `input[${i}].id` });
    }
    return stored as InputItem;
  });
}

/** The Response's skeleton: the request's settings echoed, as OpenAI's own objects carry them. */
function skeleton(body: ResponsesRequest, kept: boolean): ResponseObject {
  return {
    id: newItemId("resp"),
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: body.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: kept,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: null,
    user: body.user ?? null,
  };
}

const passesThrough = (target: PlannedTarget) => serves(target.provider.kind, "responses");

/** The body an OpenAI-kind provider gets: as sent, but with earlier turns in place of our id. */
function upstreamBody(call: ResponsesCall): Record<string, unknown> {
  // Its state would live upstream, where GET /v1/responses/{id} (served from ours) cannot follow it.
  if (call.body.background === true) {
    throw new AppError("invalid_request", "Background responses are not supported: run the call in the foreground (streamed, if it is long).", {
      code: "unsupported_parameter",
      param: "background",
    });
  }
  if (!call.rewritten) return call.body;
  const { previous_response_id: _previous, ...body } = call.body;
  return { ...body, input: inputForUpstream(call.items) };
}

function passUpstream(call: ResponsesCall, target: PlannedTarget, options: CallOptions): Promise<Response> {
  const native = adapterFor(target.provider).nativeRequest!(target.target, upstreamBody(call), options);
  return upstreamFetch({ ...native, url: endpointUrl(target.target, "responses") });
}

/** Our settings on a response an OpenAI-kind provider made, where our state is involved. */
function restamp(call: ResponsesCall, response: ResponseObject): ResponseObject {
  return call.rewritten ? { ...response, previous_response_id: call.body.previous_response_id ?? null } : response;
}

async function answerOnce(call: ResponsesCall, target: PlannedTarget, options: CallOptions): Promise<JsonAnswer> {
  if (passesThrough(target)) {
    // Read within the attempt: a body that is not JSON is the provider failing, and may fall back.
    const text = await (await passUpstream(call, target, options)).text();
    let parsed: ResponseObject;
    try {
      parsed = JSON.parse(text) as ResponseObject;
    } catch {
      throw new UpstreamError("protocol", "upstream sent a body that is not JSON");
    }
    const response = restamp(call, parsed);
    await call.keep(response);
    return { text: response === parsed ? text : JSON.stringify(response), usage: passedUsage(parsed, call.promptTokens) };
  }
  const chat = responsesToChat(call.body, call.items, target.provider.kind);
  const completion = await adapterFor(target.provider).chat(target.target, chat, options);
  const response = completionToResponse(completion, skeleton(call.body, call.kept));
  await call.keep(response);
  const usage = completion.usage
    ? usageFromOpenAI(completion.usage)
    : estimatedUsage(call.promptTokens, countTokens(completion.choices[0]?.message.content ?? ""));
  return { text: JSON.stringify(response), usage };
}

type StreamAttempt = OpenedStream & { failure: (message: string) => Uint8Array };

async function openStream(call: ResponsesCall, target: PlannedTarget, options: CallOptions): Promise<StreamAttempt> {
  const tally = new StreamTally();
  const keep = async (response: ResponseObject) => call.keep(restamp(call, response));
  if (passesThrough(target)) {
    const res = await passUpstream(call, target, options);
    if (!res.body) throw new UpstreamError("protocol", "upstream sent no stream");
    const state = new ResponsesPassState();
    return { events: passResponses(res.body, tally, state, keep), tally, failure: (message) => state.failure(message) };
  }
  const chat = responsesToChat(call.body, call.items, target.provider.kind);
  const chunks = await adapterFor(target.provider).chatStream(target.target, { ...chat, stream: true }, options);
  const writer = new ChunksToResponses(skeleton(call.body, call.kept));
  const events = renderResponses(chunks, writer, tally, call.keep);
  // The first event decides: a failure before it still falls back to the next target.
  const first = await events.next();
  if (first.done) throw new UpstreamError("protocol", "upstream stream ended before any event");
  return { first: first.value, events, tally, failure: (message) => encodeResponses([writer.failed(message)]) };
}

/** The provider's usage, or (none reported) an estimate: the prompt plus the output's tokens. */
function passedUsage(parsed: ResponseObject, promptTokens: number): Usage {
  const reported = usageFromResponses(parsed.usage);
  if (reported) return reported;
  const output = (parsed.output ?? []) as { content?: { text?: unknown }[]; arguments?: unknown; summary?: { text?: unknown }[] }[];
  const texts = output.flatMap((item) => [...(item.content ?? []).map((part) => part.text), item.arguments, ...(item.summary ?? []).map((s) => s.text)]);
  const outputTokens = texts.reduce<number>((sum, text) => sum + (typeof text === "string" ? countTokens(text) : 0), 0);
  return estimatedUsage(promptTokens, outputTokens);
}
