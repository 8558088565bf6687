// A local stand-in for the providers' HTTP APIs, for tests: OpenAI under /openai, Anthropic
// under /anthropic, Gemini under /gemini, each checking its own auth header, answering in its
// own wire format (JSON and SSE) and its own error shape. Loopback only, bounded in body size,
// log size and how long it holds a connection.
//
// Endpoints (below each prefix):
//   openai     GET /v1/models, POST /v1/chat/completions, /v1/embeddings, /v1/responses; images,
//              audio, moderations, rerank, files and batches (upstream-media.ts)
//   anthropic  GET /v1/models, POST /v1/messages, /v1/messages/count_tokens
//   gemini     GET /v1beta/models, POST /v1beta/models/{model}:generateContent,
//              :streamGenerateContent?alt=sse, :batchEmbedContents, :predict (Imagen)
//   GET /__requests?model=<m>[&flavor=<f>]  what reached the mock (see RecordedRequest)
//
// Answers are deterministic (see upstream-keys.ts for the token count):
//   - the last user turn carries tool results → "Tool results: <r1>; <r2>"
//   - tools are given and the last user text names some → those tools are called, in parallel,
//     with arguments from their schema (string "<tool>.<prop>", number 42, boolean true)
//   - else the last user text echoed, prefixed "[<system>] " when there is a system prompt, with
//     " [image:<media type>:base64:<length>]" / " [image:url:<url>]" per image
//   - stop sequences cut the answer (stop_sequence), max tokens truncate it (length).
// Requests are checked the way the real APIs check them (a 400 in the flavour's shape): tool
// calls answered by matching tool results, no empty text blocks, max_tokens for Anthropic,
// stream_options only with stream, anthropic-version present, Anthropic cache_control ephemeral
// with a ttl of 5m or 1h and at most four of them; with Anthropic `thinking` enabled,
// budget_tokens from 1024 to below max_tokens, temperature 1 or unset, no top_k, top_p unset or
// at least 0.95, no tool_choice forcing a tool, and a final assistant turn that calls tools must
// start with its thinking block.
//
// Thinking (see upstream-keys.ts for the directives):
//   anthropic  `[thinking=N]` in the prompt: a thinking block "t1 … tN" (signature "sig_mock")
//              before the text, whole and streamed (thinking_delta), asked for or not
//   gemini     `[reasoning=N]`: N thoughtsTokenCount; when generationConfig.thinkingConfig
//              .includeThoughts is true, also N thought words "r1 … rN" as `thought: true` parts
//              before the answer, whole and streamed
//
// Faults, chosen by the model the request names (stateless but for flaky's counter, so
// parallel tests do not interfere; any "-<tag>" suffix makes a model unique):
//   fail-<status>      that status in the flavour's error shape (429 with Retry-After: 1); the
//                      message quotes the key and the URL, so tests can prove neither leaks
//   flaky-<n>-<tag>    503 for the first n requests of that exact model string, then answers
//   flaky429-<n>-<tag> the same with 429 and Retry-After: 1
//   slow-<ms>          waits that long before sending headers
//   reset              destroys the socket without answering
//   malformed          a body that is not JSON (streams: a first event that is not JSON)
//   truncate           half a JSON body; a stream stops after two content events, without its
//                      terminator ([DONE], message_stop, a finishReason, response.completed)
//   midstream          a stream sends two content events, then an error event in the flavour's
//                      shape (quoting the key and URL), then ends
//   stall              a stream sends its first event then hangs (until the client leaves)
//   long-<n>           answers n words "w1 … wn", streamed 15 ms apart
//   nousage            answers without usage (OpenAI, Gemini, Responses)
//   redirect           a 307 to the same path with ?redirected=1, where it answers normally:
//                      a gateway that follows redirects shows up as a recorded second request
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MEDIA_ROUTES } from "./upstream-media.ts";
import { mockWords, type RecordedRequest, UPSTREAM_KEYS, UPSTREAM_MODELS, type UpstreamFlavor } from "./upstream-keys.ts";

type Json = Record<string, unknown>;

export interface MockRequest {
  method: string;
  /** The path below the flavour's prefix, e.g. `/v1/models`. */
  path: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body as it came (multipart uploads are binary). */
  raw: Buffer;
  /** The body parsed, when it is a JSON object. */
  json: Json | undefined;
  /** The body parsed, when it is multipart/form-data. */
  form: FormData | undefined;
  /** The model the request names (body `model`, or Gemini's path). */
  model: string | null;
  fault: Fault | null;
  /** The request's sequence number, for ids. */
  seq: number;
}

export interface MockResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent as they are instead of `body` as JSON (audio, file contents), with this content type. */
  bytes?: { data: Uint8Array | string; contentType: string };
}

export interface MockSseEvent {
  event?: string;
  data: string;
  /** Carries output (a text or tool-call delta). */
  content?: boolean;
  /** Part of the stream's ending: its terminator, final usage or finish reason. */
  terminal?: boolean;
}

export interface MockStream {
  sse: MockSseEvent[];
  /** Milliseconds between content events. */
  intervalMs?: number;
}

export type MockReply = MockResponse | MockStream;

export interface MockRoute {
  flavor: UpstreamFlavor;
  method: string;
  path: string | RegExp;
  handle(req: MockRequest): MockReply | Promise<MockReply>;
}

interface Flavor {
  /** The key the caller presented, or undefined. */
  presentedKey(req: MockRequest): string | undefined;
  /** A provider-shaped error body. */
  error(status: number, message: string): unknown;
  /** What the provider says to a wrong or missing key. */
  unauthorized(key: string | undefined): string;
}

const CREATED = 1_735_689_600; // 2025-01-01T00:00:00Z
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_LOG = 2000;
const MAX_RECORDED_EVENTS = 1000;
const MAX_WAIT_MS = 20_000;
const LONG_INTERVAL_MS = 15;

const header = (req: { headers: IncomingMessage["headers"] }, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const ANTHROPIC_ERROR: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};
const GEMINI_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const FLAVORS: Record<UpstreamFlavor, Flavor> = {
  openai: {
    presentedKey: (req) => /^Bearer (.+)$/.exec(header(req, "authorization") ?? "")?.[1],
    // The real API masks most of the key; echoing it whole lets tests prove the gateway never passes it on.
    error: (status, message) => ({
      error: {
        message,
        type: status === 401 || status === 400 || status === 404 ? "invalid_request_error" : status === 429 ? "requests" : "server_error",
        param: null,
        code: status === 401 ? "invalid_api_key" : status === 429 ? "rate_limit_exceeded" : null,
      },
    }),
    unauthorized: (key) => `Incorrect API key provided: ${key ?? "(none)"}.`,
  },
  anthropic: {
    presentedKey: (req) => header(req, "x-api-key"),
    error: (status, message) => ({ type: "error", error: { type: ANTHROPIC_ERROR[status] ?? "api_error", message } }),
    unauthorized: () => "invalid x-api-key",
  },
  gemini: {
    presentedKey: (req) => header(req, "x-goog-api-key") ?? req.url.searchParams.get("key") ?? undefined,
    error: (status, message) => ({ error: { code: status, message, status: GEMINI_STATUS[status] ?? (status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT") } }),
    unauthorized: () => "API key not valid. Please pass a valid API key.",
  },
};

// ── faults ────────────────────────────────────────────────────────────────────────────────

export type Fault =
  | { kind: "fail"; status: number }
  | { kind: "flaky"; times: number; status: 503 | 429 }
  | { kind: "slow"; ms: number }
  | { kind: "reset" | "malformed" | "truncate" | "midstream" | "stall" | "nousage" | "redirect" }
  | { kind: "long"; words: number };

export function faultOf(model: string | null): Fault | null {
  if (!model) return null;
  let m: RegExpExecArray | null;
  if ((m = /^fail-(\d{3})(?:-.*)?$/.exec(model))) return { kind: "fail", status: Number(m[1]) };
  if ((m = /^flaky(429)?-(\d+)-.+$/.exec(model))) return { kind: "flaky", times: Number(m[2]), status: m[1] ? 429 : 503 };
  if ((m = /^slow-(\d+)(?:-.*)?$/.exec(model))) return { kind: "slow", ms: Math.min(MAX_WAIT_MS, Number(m[1])) };
  if ((m = /^long-(\d+)(?:-.*)?$/.exec(model))) return { kind: "long", words: Math.min(5000, Number(m[1])) };
  if ((m = /^(reset|malformed|truncate|midstream|stall|nousage|redirect)(?:-.*)?$/.exec(model))) return { kind: m[1] as "reset" };
  return null;
}

// ── the conversation, read from any wire format ───────────────────────────────────────────

interface Turn {
  role: "user" | "assistant";
  text: string;
  images: string[];
  toolResults: string[];
}

interface Tool {
  name: string;
  parameters: Json;
}

interface Conversation {
  model: string;
  system: string;
  turns: Turn[];
  tools: Tool[];
  maxTokens: number | undefined;
  stop: string[];
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const int = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

const imageFromUrl = (url: string): string => {
  const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
  return data ? `[image:${data[1]}:base64:${data[2]!.length}]` : `[image:url:${url}]`;
};

const turn = (role: Turn["role"]): Turn => ({ role, text: "", images: [], toolResults: [] });
const joinText = (a: string, b: string) => (a && b ? `${a}\n${b}` : a || b);

/** Consecutive turns of one role are one turn (OpenAI's tool messages join the user side). */
function pushTurn(turns: Turn[], t: Turn): void {
  const last = turns.at(-1);
  if (last && last.role === t.role) {
    last.text = joinText(last.text, t.text);
    last.images.push(...t.images);
    last.toolResults.push(...t.toolResults);
  } else turns.push(t);
}

function stopList(v: unknown): string[] {
  return typeof v === "string" ? [v] : arr(v).map(str).filter(Boolean);
}

function fromOpenAIChat(body: Json, model: string): Conversation {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const raw of arr(body.messages)) {
    const m = obj(raw);
    const role = str(m.role);
    const t = turn(role === "assistant" ? "assistant" : "user");
    for (const part of typeof m.content === "string" ? [{ type: "text", text: m.content }] : arr(m.content)) {
      const p = obj(part);
      if (p.type === "text") t.text = joinText(t.text, str(p.text));
      else if (p.type === "image_url") t.images.push(imageFromUrl(str(obj(p.image_url).url)));
    }
    if (role === "system" || role === "developer") system.push(t.text);
    else if (role === "tool") pushTurn(turns, { ...turn("user"), toolResults: [t.text] });
    else pushTurn(turns, t);
  }
  return {
    model,
    system: system.join("\n"),
    turns,
    tools: arr(body.tools).map((tool) => ({ name: str(obj(obj(tool).function).name), parameters: obj(obj(obj(tool).function).parameters) })),
    maxTokens: int(body.max_completion_tokens) ?? int(body.max_tokens),
    stop: stopList(body.stop),
  };
}

function anthropicText(content: unknown): string {
  return typeof content === "string"
    ? content
    : arr(content)
        .map((b) => (obj(b).type === "text" ? str(obj(b).text) : ""))
        .join("\n");
}

function fromAnthropic(body: Json, model: string): Conversation {
  const turns: Turn[] = [];
  for (const raw of arr(body.messages)) {
    const m = obj(raw);
    const t = turn(m.role === "assistant" ? "assistant" : "user");
    for (const block of typeof m.content === "string" ? [{ type: "text", text: m.content }] : arr(m.content)) {
      const b = obj(block);
      if (b.type === "text") t.text = joinText(t.text, str(b.text));
      else if (b.type === "image") {
        const source = obj(b.source);
        t.images.push(source.type === "base64" ? `[image:${str(source.media_type)}:base64:${str(source.data).length}]` : `[image:url:${str(source.url)}]`);
      } else if (b.type === "tool_result") t.toolResults.push(anthropicText(b.content));
    }
    pushTurn(turns, t);
  }
  return {
    model,
    system: anthropicText(body.system),
    turns,
    tools: arr(body.tools).map((tool) => ({ name: str(obj(tool).name), parameters: obj(obj(tool).input_schema) })),
    maxTokens: int(body.max_tokens),
    stop: stopList(body.stop_sequences),
  };
}

function fromGemini(body: Json, model: string): Conversation {
  const turns: Turn[] = [];
  for (const raw of arr(body.contents)) {
    const c = obj(raw);
    const t = turn(c.role === "model" ? "assistant" : "user");
    for (const part of arr(c.parts)) {
      const p = obj(part);
      if (typeof p.text === "string") t.text = joinText(t.text, p.text);
      else if (isObj(p.inlineData)) t.images.push(`[image:${str(p.inlineData.mimeType)}:base64:${str(p.inlineData.data).length}]`);
      else if (isObj(p.fileData)) t.images.push(`[image:url:${str(p.fileData.fileUri)}]`);
      else if (isObj(p.functionResponse)) {
        const content = obj(p.functionResponse.response).content;
        t.toolResults.push(typeof content === "string" ? content : JSON.stringify(content));
      }
    }
    pushTurn(turns, t);
  }
  const config = obj(body.generationConfig);
  return {
    model,
    system: arr(obj(body.systemInstruction).parts)
      .map((p) => str(obj(p).text))
      .join("\n"),
    turns,
    tools: arr(body.tools).flatMap((t) => arr(obj(t).functionDeclarations).map((f) => ({ name: str(obj(f).name), parameters: obj(obj(f).parameters) }))),
    maxTokens: int(config.maxOutputTokens),
    stop: stopList(config.stopSequences),
  };
}

function fromResponses(body: Json, model: string): Conversation {
  const turns: Turn[] = [];
  const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : arr(body.input);
  for (const raw of input) {
    const m = obj(raw);
    const t = turn(m.role === "assistant" ? "assistant" : "user");
    for (const part of typeof m.content === "string" ? [{ type: "input_text", text: m.content }] : arr(m.content)) {
      const p = obj(part);
      if (p.type === "input_text" || p.type === "output_text") t.text = joinText(t.text, str(p.text));
      else if (p.type === "input_image") t.images.push(imageFromUrl(str(p.image_url)));
    }
    pushTurn(turns, t);
  }
  return { model, system: str(body.instructions), turns, tools: [], maxTokens: int(body.max_output_tokens), stop: [] };
}

// ── the answer ────────────────────────────────────────────────────────────────────────────

interface ToolCall {
  name: string;
  args: Json;
}

interface Answer {
  text: string;
  pieces: string[];
  calls: ToolCall[];
  finish: "stop" | "length" | "stop_sequence" | "tool";
  stopSequence: string | null;
  /** Input tokens, cache reads and writes included. */
  input: number;
  cached: number;
  /** Input tokens written to the cache for 5 minutes and for an hour (Anthropic reports them apart). */
  write5m: number;
  write1h: number;
  /** Output tokens, reasoning ones included. */
  output: number;
  reasoning: number;
  /** Anthropic thinking words streamed before the text (counted in output). */
  thinking: number;
}

/** Output tokens a tool call costs. */
const TOKENS_PER_CALL = 5;

const directive = (text: string, name: string): number => Number(new RegExp(`\\[${name}=(\\d+)\\]`).exec(text)?.[1] ?? 0);

function argsFor(tool: Tool): Json {
  const props = obj(tool.parameters.properties);
  return Object.fromEntries(
    Object.entries(props).map(([prop, schema]) => {
      const type = obj(schema).type;
      return [prop, type === "string" ? `${tool.name}.${prop}` : type === "number" || type === "integer" ? 42 : type === "boolean" ? true : null];
    }),
  );
}

type InputCounts = Pick<Answer, "input" | "cached" | "write5m" | "write1h" | "reasoning" | "thinking">;

/** The input tokens of a conversation: the words of its texts, plus any [cached=N], [write5m=N], [write1h=N] and [input=N]. */
function inputTokens(c: Conversation): InputCounts {
  const all = [c.system, ...c.turns.map((t) => t.text)].join("\n");
  const [cached, write5m, write1h] = [directive(all, "cached"), directive(all, "write5m"), directive(all, "write1h")];
  return {
    input: mockWords(all) + cached + write5m + write1h + directive(all, "input"),
    cached,
    write5m,
    write1h,
    reasoning: directive(all, "reasoning"),
    thinking: directive(all, "thinking"),
  };
}

function answer(c: Conversation, fault: Fault | null): Answer {
  const { input, cached, write5m, write1h, reasoning, thinking } = inputTokens(c);
  const last = [...c.turns].reverse().find((t) => t.role === "user") ?? turn("user");
  let text = "";
  let calls: ToolCall[] = [];
  if (fault?.kind === "long") text = Array.from({ length: fault.words }, (_, i) => `w${i + 1}`).join(" ");
  else if (last.toolResults.length) text = `Tool results: ${last.toolResults.join("; ")}`;
  else {
    calls = c.tools.filter((t) => t.name && last.text.includes(t.name)).map((t) => ({ name: t.name, args: argsFor(t) }));
    if (!calls.length) text = [c.system ? `[${c.system}]` : "", last.text, ...last.images].filter(Boolean).join(" ");
  }
  let finish: Answer["finish"] = calls.length ? "tool" : "stop";
  let stopSequence: string | null = null;
  let cut = -1;
  for (const s of calls.length ? [] : c.stop) {
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) [cut, stopSequence] = [at, s];
  }
  if (cut >= 0) {
    text = text.slice(0, cut);
    finish = "stop_sequence";
  }
  let pieces: string[] = text.trim().match(/\s*\S+/g) ?? [];
  if (c.maxTokens !== undefined && pieces.length > c.maxTokens) {
    pieces = pieces.slice(0, c.maxTokens);
    finish = "length";
    stopSequence = null;
  }
  return {
    text: pieces.join(""),
    pieces,
    calls,
    finish,
    stopSequence,
    input,
    cached,
    write5m,
    write1h,
    output: pieces.length + calls.length * TOKENS_PER_CALL + reasoning + thinking,
    reasoning,
    thinking,
  };
}

/** `n` words "<prefix>1 … <prefix>n" as stream pieces, each but the first with its leading space. */
const thoughtPieces = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${i ? " " : ""}${prefix}${i + 1}`);

/** A tool call's arguments as two deltas, the way providers stream them. */
function halves(json: string): [string, string] {
  const mid = Math.ceil(json.length / 2);
  return [json.slice(0, mid), json.slice(mid)];
}

const sse = (data: unknown, extra: Omit<MockSseEvent, "data"> = {}): MockSseEvent => ({
  ...extra,
  data: typeof data === "string" ? data : JSON.stringify(data),
});

// ── request checks: what the real APIs refuse, a translation bug would send ──────────────

const bad = (flavor: UpstreamFlavor, message: string): MockResponse => ({ status: 400, body: FLAVORS[flavor].error(400, message) });

function checkOpenAIChat(body: Json): string | null {
  const messages = arr(body.messages).map(obj);
  if (typeof body.model !== "string") return "you must provide a model parameter";
  if (!messages.length) return "'messages' must contain at least one message";
  if (body.stream_options !== undefined && body.stream !== true) return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  for (const [i, m] of messages.entries()) {
    if (!["system", "developer", "user", "assistant", "tool"].includes(str(m.role))) return `Invalid value for 'messages[${i}].role'.`;
    const calls = arr(m.tool_calls).map((c) => str(obj(c).id));
    if (calls.length) {
      const answered = messages.slice(i + 1).findIndex((n) => n.role !== "tool");
      const replies = messages.slice(i + 1, answered < 0 ? undefined : i + 1 + answered).map((n) => str(n.tool_call_id));
      const missing = calls.filter((id) => !replies.includes(id));
      if (missing.length)
        return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`;
    }
    if (m.role === "tool") {
      const owner = messages
        .slice(0, i)
        .reverse()
        .find((n) => n.role !== "tool");
      if (!owner || !arr(owner.tool_calls).some((c) => obj(c).id === m.tool_call_id))
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
    }
  }
  return null;
}

function checkAnthropic(body: Json, countOnly: boolean): string | null {
  if (typeof body.model !== "string") return "model: Field required";
  if (!countOnly && int(body.max_tokens) === undefined) return "max_tokens: Field required";
  const messages = arr(body.messages).map(obj);
  if (!messages.length) return "messages: at least one message is required";
  for (const [i, m] of messages.entries()) {
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : arr(m.content).map(obj);
    if (!blocks.length) return `messages.${i}: all messages must have non-empty content`;
    for (const b of blocks) if (b.type === "text" && str(b.text) === "") return `messages: text content blocks must be non-empty`;
    const uses = blocks.filter((b) => b.type === "tool_use").map((b) => str(b.id));
    const next = messages[i + 1];
    const results = (next && Array.isArray(next.content) ? next.content.map(obj) : []).filter((b) => b.type === "tool_result").map((b) => str(b.tool_use_id));
    const missing = uses.filter((id) => !results.includes(id));
    if (m.role === "assistant" && missing.length)
      return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}`;
    const previous = messages[i - 1];
    const known = (previous && Array.isArray(previous.content) ? previous.content.map(obj) : []).filter((b) => b.type === "tool_use").map((b) => str(b.id));
    for (const b of blocks) {
      if (b.type === "tool_result" && !known.includes(str(b.tool_use_id)))
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${str(b.tool_use_id)}`;
    }
  }
  return checkCacheControl(body, messages) ?? (countOnly ? null : checkAnthropicThinking(body, messages));
}

/** Every block, system prompt and tool that can carry a cache breakpoint. */
function cacheables(body: Json, messages: Json[]): Json[] {
  const blocks = messages.flatMap((m) => (Array.isArray(m.content) ? m.content.map(obj) : []));
  const nested = blocks.flatMap((b) => (b.type === "tool_result" && Array.isArray(b.content) ? b.content.map(obj) : []));
  return [...(Array.isArray(body.system) ? body.system.map(obj) : []), ...blocks, ...nested, ...arr(body.tools).map(obj)];
}

/** Anthropic's rules for cache_control: ephemeral, a ttl of 5m or 1h, at most four breakpoints. */
function checkCacheControl(body: Json, messages: Json[]): string | null {
  const marks = cacheables(body, messages).flatMap((b) => (b.cache_control === undefined ? [] : [b.cache_control]));
  for (const mark of marks) {
    const m = obj(mark);
    if (m.type !== "ephemeral") return "cache_control.type: Input should be 'ephemeral'";
    if (m.ttl !== undefined && m.ttl !== "5m" && m.ttl !== "1h") return "cache_control.ttl: Input should be '5m' or '1h'";
  }
  return marks.length > 4 ? `A maximum of 4 blocks with cache_control may be provided. Found ${marks.length}.` : null;
}

const THINKING_DOCS = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

/** What Anthropic refuses alongside `thinking: { type: "enabled" }`. */
function checkAnthropicThinking(body: Json, messages: Json[]): string | null {
  const thinking = obj(body.thinking);
  if (thinking.type !== "enabled") return null;
  const budget = int(thinking.budget_tokens);
  if (budget === undefined) return "thinking.enabled.budget_tokens: Field required";
  if (budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  if (budget >= (int(body.max_tokens) ?? 0)) return `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. ${THINKING_DOCS}`;
  if (body.temperature !== undefined && body.temperature !== 1) return `\`temperature\` may only be set to 1 when thinking is enabled. ${THINKING_DOCS}`;
  if (body.top_k !== undefined) return `\`top_k\` must be unset when thinking is enabled. ${THINKING_DOCS}`;
  if (typeof body.top_p === "number" && body.top_p < 0.95)
    return `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${THINKING_DOCS}`;
  const choice = str(obj(body.tool_choice).type);
  if (choice === "any" || choice === "tool") return "Thinking may not be enabled when `tool_choice` forces tool use.";
  const last = messages.findLast((m) => m.role === "assistant");
  const blocks = last && Array.isArray(last.content) ? last.content.map(obj) : [];
  if (blocks.some((b) => b.type === "tool_use") && blocks[0]?.type !== "thinking" && blocks[0]?.type !== "redacted_thinking") {
    return `messages.${messages.lastIndexOf(last!)}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${str(blocks[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). ${THINKING_DOCS}`;
  }
  return null;
}

function checkGemini(body: Json): string | null {
  const contents = arr(body.contents).map(obj);
  if (!contents.length) return "* GenerateContentRequest.contents: contents is not specified";
  for (const [i, c] of contents.entries()) {
    if (c.role !== "user" && c.role !== "model") return `* GenerateContentRequest.contents[${i}].role: must be user or model`;
    const parts = arr(c.parts).map(obj);
    if (!parts.length) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    const calls = parts.filter((p) => isObj(p.functionCall)).length;
    if (calls) {
      const responses = arr(obj(contents[i + 1]).parts).filter((p) => isObj(obj(p).functionResponse)).length;
      if (contents[i + 1] && responses !== calls) {
        return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.";
      }
    }
  }
  return null;
}

// ── OpenAI ────────────────────────────────────────────────────────────────────────────────

const OPENAI_FINISH = { stop: "stop", stop_sequence: "stop", length: "length", tool: "tool_calls" } as const;

function openAIUsage(a: Answer): Json {
  return {
    prompt_tokens: a.input,
    completion_tokens: a.output,
    total_tokens: a.input + a.output,
    prompt_tokens_details: { cached_tokens: a.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: a.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openAIChat(req: MockRequest): MockReply {
  const body = req.json ?? {};
  const problem = checkOpenAIChat(body);
  if (problem) return bad("openai", problem);
  const model = req.model ?? "";
  const a = answer(fromOpenAIChat(body, model), req.fault);
  const usage = req.fault?.kind === "nousage" ? {} : null;
  const id = `chatcmpl-mock${req.seq}`;
  const calls = a.calls.map((call, i) => ({ id: `call_mock_${i}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args) } }));
  if (body.stream !== true) {
    return {
      status: 200,
      body: {
        id,
        object: "chat.completion",
        created: CREATED,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: calls.length ? null : a.text,
              refusal: null,
              annotations: [],
              ...(calls.length ? { tool_calls: calls } : {}),
            },
            logprobs: null,
            finish_reason: OPENAI_FINISH[a.finish],
          },
        ],
        ...(usage ?? { usage: openAIUsage(a) }),
        service_tier: "default",
        system_fingerprint: "fp_mock",
      },
    };
  }
  const includeUsage = obj(body.stream_options).include_usage === true && !usage;
  const chunk = (choices: unknown[], extra: Json = {}) => ({
    id,
    object: "chat.completion.chunk",
    created: CREATED,
    model,
    service_tier: "default",
    system_fingerprint: "fp_mock",
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const delta = (d: Json, finish: string | null = null) => [{ index: 0, delta: d, logprobs: null, finish_reason: finish }];
  const events: MockSseEvent[] = [sse(chunk(delta({ role: "assistant", content: "", refusal: null })))];
  for (const piece of a.pieces) events.push(sse(chunk(delta({ content: piece })), { content: true }));
  calls.forEach((call, index) => {
    events.push(
      sse(chunk(delta({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] })), { content: true }),
    );
    for (const part of halves(call.function.arguments))
      events.push(sse(chunk(delta({ tool_calls: [{ index, function: { arguments: part } }] })), { content: true }));
  });
  events.push(sse(chunk(delta({}, OPENAI_FINISH[a.finish])), { terminal: true }));
  if (includeUsage) events.push(sse(chunk([], { usage: openAIUsage(a) }), { terminal: true }));
  events.push(sse("[DONE]", { terminal: true }));
  return { sse: events, ...(req.fault?.kind === "long" ? { intervalMs: LONG_INTERVAL_MS } : {}) };
}

/** A deterministic unit vector for a text. */
function vector(text: string, dimensions: number): number[] {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0;
  const v = Array.from({ length: dimensions }, (_, i) => Math.sin(seed + i * 7.1));
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.fround(x / norm));
}

function openAIEmbeddings(req: MockRequest): MockReply {
  const body = req.json ?? {};
  const inputs = typeof body.input === "string" ? [body.input] : arr(body.input).map(str);
  const dimensions = int(body.dimensions) ?? 8;
  const base64 = body.encoding_format === "base64";
  const tokens = inputs.reduce((n, t) => n + mockWords(t), 0);
  return {
    status: 200,
    body: {
      object: "list",
      data: inputs.map((text, index) => {
        const v = vector(text, dimensions);
        return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v };
      }),
      model: req.model,
      usage: req.fault?.kind === "nousage" ? undefined : { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

function responsesApi(req: MockRequest): MockReply {
  const body = req.json ?? {};
  const model = req.model ?? "";
  const a = answer(fromResponses(body, model), req.fault);
  const incomplete = a.finish === "length";
  const usage =
    req.fault?.kind === "nousage"
      ? null
      : {
          input_tokens: a.input,
          input_tokens_details: { cached_tokens: a.cached },
          output_tokens: a.output,
          output_tokens_details: { reasoning_tokens: a.reasoning },
          total_tokens: a.input + a.output,
        };
  const itemId = `msg_mock${req.seq}`;
  const part = { type: "output_text", text: a.text, annotations: [] };
  const item = { type: "message", id: itemId, status: incomplete ? "incomplete" : "completed", role: "assistant", content: [part] };
  const response = (status: string, output: unknown[], u: unknown) => ({
    id: `resp_mock${req.seq}`,
    object: "response",
    created_at: CREATED,
    status,
    model,
    output,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    usage: u,
  });
  const final = response(incomplete ? "incomplete" : "completed", [item], usage);
  if (body.stream !== true) return { status: 200, body: final };
  let sequence = 0;
  const ev = (type: string, data: Json, extra: Omit<MockSseEvent, "data"> = {}) =>
    sse({ type, sequence_number: sequence++, ...data }, { event: type, ...extra });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const events = [
    ev("response.created", { response: response("in_progress", [], null) }),
    ev("response.in_progress", { response: response("in_progress", [], null) }),
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
    ev("response.content_part.added", { ...at, part: { ...part, text: "" } }),
    ...a.pieces.map((delta) => ev("response.output_text.delta", { ...at, delta, logprobs: [] }, { content: true })),
    ev("response.output_text.done", { ...at, text: a.text, logprobs: [] }),
    ev("response.content_part.done", { ...at, part }),
    ev("response.output_item.done", { output_index: 0, item }),
    ev(incomplete ? "response.incomplete" : "response.completed", { response: final }, { terminal: true }),
  ];
  return { sse: events, ...(req.fault?.kind === "long" ? { intervalMs: LONG_INTERVAL_MS } : {}) };
}

// ── Anthropic ─────────────────────────────────────────────────────────────────────────────

const ANTHROPIC_STOP = { stop: "end_turn", stop_sequence: "stop_sequence", length: "max_tokens", tool: "tool_use" } as const;

function anthropicMessages(req: MockRequest): MockReply {
  const body = req.json ?? {};
  if (!header(req, "anthropic-version")) return bad("anthropic", "anthropic-version: header is required");
  const problem = checkAnthropic(body, false);
  if (problem) return bad("anthropic", problem);
  const model = req.model ?? "";
  const a = answer(fromAnthropic(body, model), req.fault);
  const id = `msg_mock${req.seq}`;
  const usage = {
    input_tokens: a.input - a.cached - a.write5m - a.write1h,
    cache_creation_input_tokens: a.write5m + a.write1h,
    cache_read_input_tokens: a.cached,
    cache_creation: { ephemeral_5m_input_tokens: a.write5m, ephemeral_1h_input_tokens: a.write1h },
    output_tokens: a.output,
    service_tier: "standard",
  };
  const tools = a.calls.map((call, i) => ({ type: "tool_use", id: `toolu_mock_${i}`, name: call.name, input: call.args }));
  const hasText = a.text !== "" || tools.length === 0;
  const thinking = thoughtPieces("t", a.thinking);
  if (body.stream !== true) {
    return {
      status: 200,
      body: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [
          ...(thinking.length ? [{ type: "thinking", thinking: thinking.join(""), signature: "sig_mock" }] : []),
          ...(hasText ? [{ type: "text", text: a.text }] : []),
          ...tools,
        ],
        stop_reason: ANTHROPIC_STOP[a.finish],
        stop_sequence: a.stopSequence,
        usage,
      },
    };
  }
  const ev = (data: Json, extra: Omit<MockSseEvent, "data"> = {}) => sse(data, { event: String(data.type), ...extra });
  const events: MockSseEvent[] = [
    ev({
      type: "message_start",
      message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    }),
  ];
  let index = 0;
  if (thinking.length) {
    events.push(ev({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "" } }));
    for (const piece of thinking)
      events.push(ev({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } }, { content: true }));
    events.push(
      ev({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: "sig_mock" } }),
      ev({ type: "content_block_stop", index }),
    );
    index++;
  }
  if (hasText) {
    events.push(ev({ type: "content_block_start", index, content_block: { type: "text", text: "" } }), ev({ type: "ping" }));
    for (const text of a.pieces) events.push(ev({ type: "content_block_delta", index, delta: { type: "text_delta", text } }, { content: true }));
    events.push(ev({ type: "content_block_stop", index }));
    index++;
  }
  for (const tool of tools) {
    events.push(ev({ type: "content_block_start", index, content_block: { ...tool, input: {} } }));
    for (const partial_json of ["", ...halves(JSON.stringify(tool.input))]) {
      events.push(ev({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }, { content: partial_json !== "" }));
    }
    events.push(ev({ type: "content_block_stop", index }));
    index++;
  }
  events.push(
    ev(
      { type: "message_delta", delta: { stop_reason: ANTHROPIC_STOP[a.finish], stop_sequence: a.stopSequence }, usage: { output_tokens: a.output } },
      { terminal: true },
    ),
    ev({ type: "message_stop" }, { terminal: true }),
  );
  return { sse: events, ...(req.fault?.kind === "long" ? { intervalMs: LONG_INTERVAL_MS } : {}) };
}

function anthropicCountTokens(req: MockRequest): MockReply {
  if (!header(req, "anthropic-version")) return bad("anthropic", "anthropic-version: header is required");
  const problem = checkAnthropic(req.json ?? {}, true);
  if (problem) return bad("anthropic", problem);
  return { status: 200, body: { input_tokens: inputTokens(fromAnthropic(req.json ?? {}, req.model ?? "")).input } };
}

// ── Gemini ────────────────────────────────────────────────────────────────────────────────

function geminiUsage(a: Answer, final: boolean): Json {
  const candidates = final ? a.output - a.reasoning : 0;
  const thoughts = final ? a.reasoning : 0;
  return {
    promptTokenCount: a.input,
    ...(final ? { candidatesTokenCount: candidates } : {}),
    totalTokenCount: a.input + candidates + thoughts,
    ...(a.cached ? { cachedContentTokenCount: a.cached } : {}),
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: a.input }],
  };
}

function geminiGenerate(req: MockRequest, stream: boolean): MockReply {
  const problem = checkGemini(req.json ?? {});
  if (problem) return bad("gemini", problem);
  const model = req.model ?? "";
  const a = answer(fromGemini(req.json ?? {}, model), req.fault);
  const noUsage = req.fault?.kind === "nousage";
  const finishReason = a.finish === "length" ? "MAX_TOKENS" : "STOP";
  const calls = a.calls.map((call) => ({ functionCall: { name: call.name, args: call.args } }));
  const thoughts = obj(obj(req.json?.generationConfig).thinkingConfig).includeThoughts === true ? thoughtPieces("r", a.reasoning) : [];
  const response = (parts: unknown[], final: boolean) => ({
    candidates: [{ content: { role: "model", parts }, ...(final ? { finishReason } : {}), index: 0 }],
    ...(noUsage ? {} : { usageMetadata: geminiUsage(a, final) }),
    modelVersion: model,
    responseId: `mock${req.seq}`,
  });
  if (!stream) {
    const thought = thoughts.length ? [{ text: thoughts.join(""), thought: true }] : [];
    return { status: 200, body: response([...thought, ...(a.text || !calls.length ? [{ text: a.text }] : []), ...calls], true) };
  }
  const events: MockSseEvent[] = thoughts.map((text) => sse(response([{ text, thought: true }], false), { content: true }));
  events.push(...a.pieces.map((text) => sse(response([{ text }], false), { content: true })));
  if (calls.length) events.push(sse(response(calls, false), { content: true }));
  events.push(sse(response([{ text: "" }], true), { terminal: true }));
  return { sse: events, ...(req.fault?.kind === "long" ? { intervalMs: LONG_INTERVAL_MS } : {}) };
}

function geminiEmbed(req: MockRequest): MockReply {
  const requests = arr(req.json?.requests).map(obj);
  return {
    status: 200,
    body: {
      embeddings: requests.map((r) => ({
        values: vector(
          arr(obj(r.content).parts)
            .map((p) => str(obj(p).text))
            .join(""),
          int(r.outputDimensionality) ?? 8,
        ),
      })),
    },
  };
}

/** The error event a provider sends when it fails after its stream began. */
/** Imagen's :predict: sampleCount 1×1 PNGs, base64. */
function imagenPredict(req: MockRequest): MockReply {
  const body = req.json ?? {};
  const prompt = str((arr(body.instances)[0] as Json | undefined)?.prompt);
  if (!prompt) return { status: 400, body: FLAVORS.gemini.error(400, "instances[0].prompt is required.") };
  const count = int((body.parameters as Json | undefined)?.sampleCount) ?? 1;
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
  return { status: 200, body: { predictions: Array.from({ length: count }, () => ({ bytesBase64Encoded: png, mimeType: "image/png" })) } };
}

function midstreamError(flavor: UpstreamFlavor, path: string, message: string, sequence: number): MockSseEvent {
  if (flavor === "anthropic") return sse({ type: "error", error: { type: "overloaded_error", message } }, { event: "error" });
  if (flavor === "gemini") return sse({ error: { code: 503, message, status: "UNAVAILABLE" } });
  if (path === "/v1/responses") return sse({ type: "error", code: "server_error", message, param: null, sequence_number: sequence }, { event: "error" });
  return sse({ error: { message, type: "server_error", param: null, code: null } });
}

const GEMINI_ACTION = /^\/v1beta\/models\/([^/:]+):(\w+)$/;

export const ROUTES: MockRoute[] = [
  {
    flavor: "openai",
    method: "GET",
    path: "/v1/models",
    handle: () => ({
      status: 200,
      body: { object: "list", data: UPSTREAM_MODELS.openai.map((id) => ({ id, object: "model", created: CREATED, owned_by: "openai" })) },
    }),
  },
  { flavor: "openai", method: "POST", path: "/v1/chat/completions", handle: openAIChat },
  { flavor: "openai", method: "POST", path: "/v1/embeddings", handle: openAIEmbeddings },
  { flavor: "openai", method: "POST", path: "/v1/responses", handle: responsesApi },
  {
    flavor: "anthropic",
    method: "GET",
    path: "/v1/models",
    handle: (req) => {
      if (!header(req, "anthropic-version")) return { status: 400, body: FLAVORS.anthropic.error(400, "anthropic-version: header is required") };
      const data = UPSTREAM_MODELS.anthropic.map((id) => ({ type: "model", id, display_name: id, created_at: new Date(CREATED * 1000).toISOString() }));
      return { status: 200, body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null } };
    },
  },
  { flavor: "anthropic", method: "POST", path: "/v1/messages", handle: anthropicMessages },
  { flavor: "anthropic", method: "POST", path: "/v1/messages/count_tokens", handle: anthropicCountTokens },
  {
    flavor: "gemini",
    method: "GET",
    path: "/v1beta/models",
    handle: () => ({
      status: 200,
      body: {
        models: UPSTREAM_MODELS.gemini.map((id) => ({
          name: `models/${id}`,
          version: "001",
          displayName: id,
          inputTokenLimit: 1_048_576,
          outputTokenLimit: 65_536,
          supportedGenerationMethods: ["generateContent", "countTokens"],
        })),
      },
    }),
  },
  {
    flavor: "gemini",
    method: "POST",
    path: GEMINI_ACTION,
    handle: (req) => {
      const action = GEMINI_ACTION.exec(req.path)?.[2];
      if (action === "generateContent") return geminiGenerate(req, false);
      if (action === "streamGenerateContent") {
        if (req.url.searchParams.get("alt") !== "sse") return { status: 400, body: FLAVORS.gemini.error(400, "This mock streams only with alt=sse.") };
        return geminiGenerate(req, true);
      }
      if (action === "batchEmbedContents") return geminiEmbed(req);
      if (action === "predict") return imagenPredict(req);
      return { status: 404, body: FLAVORS.gemini.error(404, `No action ${action ?? ""}`) };
    },
  },
  ...MEDIA_ROUTES,
];

// ── the server ────────────────────────────────────────────────────────────────────────────

function flavorOf(pathname: string): { flavor: UpstreamFlavor; path: string } | undefined {
  const match = /^\/(openai|anthropic|gemini)(\/.*)$/.exec(pathname);
  if (!match) return undefined;
  return { flavor: match[1] as UpstreamFlavor, path: match[2]! };
}

function modelOf(flavor: UpstreamFlavor, path: string, json: Json | undefined): string | null {
  if (flavor === "gemini") return GEMINI_ACTION.exec(path)?.[1] ?? null;
  return typeof json?.model === "string" ? json.model : null;
}

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

const isStream = (reply: MockReply): reply is MockStream => "sse" in reply;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A multipart body parsed as the platform parses one; undefined when it is not one or does not parse. */
async function readForm(contentType: string | undefined, raw: Buffer): Promise<FormData | undefined> {
  if (!contentType?.startsWith("multipart/form-data")) return undefined;
  try {
    return await new Request("http://mock/", { method: "POST", headers: { "content-type": contentType }, body: raw }).formData();
  } catch {
    return undefined;
  }
}

/** A form's text fields and its files' names, types and sizes, for the log. */
function formSummary(form: FormData): NonNullable<RecordedRequest["form"]> {
  const summary: NonNullable<RecordedRequest["form"]> = { fields: {}, files: [] };
  for (const [name, value] of form) {
    if (typeof value === "string") summary.fields[name] = value;
    else summary.files.push({ name, filename: value.name, type: value.type, size: value.size });
  }
  return summary;
}

export interface UpstreamMock {
  port: number;
  /** What reached the mock, oldest first. */
  requests(filter?: { model?: string; flavor?: UpstreamFlavor }): RecordedRequest[];
  close(): Promise<void>;
}

/** False for a body too deeply nested to serialise again (the bad-input corpus sends some): the log must stay readable. */
function serializable(json: Json | undefined): boolean {
  try {
    JSON.stringify(json);
    return true;
  } catch {
    return false;
  }
}

export async function startUpstreamMock(routes: MockRoute[] = ROUTES): Promise<UpstreamMock> {
  const log: RecordedRequest[] = [];
  const flaky = new Map<string, number>();
  let seq = 0;

  const requests = (filter: { model?: string | null; flavor?: string | null; marker?: string | null } = {}) =>
    log.filter(
      (r) =>
        (!filter.model || r.model === filter.model) &&
        (!filter.flavor || r.flavor === filter.flavor) &&
        (!filter.marker || JSON.stringify(r.body).includes(filter.marker)),
    );

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/__requests" && req.method === "GET") {
      // `marker` filters here: a popular model's full log (the fuzz sends thousands) is many MB.
      const filter = { model: url.searchParams.get("model"), flavor: url.searchParams.get("flavor"), marker: url.searchParams.get("marker") };
      return sendJson(res, 200, { requests: requests(filter) });
    }
    const target = flavorOf(url.pathname);
    if (!target) return sendJson(res, 404, { error: `unknown prefix: ${url.pathname}` });
    const shape = FLAVORS[target.flavor];
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, shape.error(413, "Request body too large."), { connection: "close" });
      throw error;
    }
    const text = raw.toString("utf8");
    const form = await readForm(header(req, "content-type"), raw);
    let json: Json | undefined;
    try {
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      json = isObj(parsed) ? parsed : undefined;
    } catch {
      json = undefined;
    }
    const formModel = form?.get("model");
    const model = typeof formModel === "string" ? formModel : modelOf(target.flavor, target.path, json);
    const request: MockRequest = {
      method: req.method ?? "GET",
      path: target.path,
      url,
      headers: req.headers,
      body: text,
      raw,
      json,
      form,
      model,
      fault: faultOf(model),
      seq: ++seq,
    };
    const key = shape.presentedKey(request);
    const record: RecordedRequest = {
      seq: request.seq,
      at: Date.now(),
      flavor: target.flavor,
      method: request.method,
      path: target.path,
      query: url.search,
      model,
      stream: json?.stream === true || target.path.endsWith(":streamGenerateContent"),
      authorized: key === UPSTREAM_KEYS[target.flavor],
      headers: Object.fromEntries(
        ["anthropic-version", "content-type", "accept", "x-aggregator-hops", "traceparent"].flatMap((h) => (header(req, h) ? [[h, header(req, h)!]] : [])),
      ),
      body: text.length <= 256 * 1024 && serializable(json) ? (json ?? null) : null,
      ...(form ? { form: formSummary(form) } : {}),
      status: null,
      events: [],
      completed: false,
      aborted: false,
    };
    log.push(record);
    if (log.length > MAX_LOG) log.splice(0, log.length - MAX_LOG);
    let selfClosed = false;
    res.on("close", () => {
      if (!res.writableFinished && !selfClosed) record.aborted = true;
    });
    res.on("finish", () => {
      record.completed = true;
    });
    const closed = () => res.destroyed || record.aborted;
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          res.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        res.once("close", done);
      });
    const head = (status: number, headers: Record<string, string>) => {
      record.status = status;
      res.writeHead(status, headers);
    };
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      head(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(shape.error(status, message)));
    };

    if (!record.authorized) return fail(401, shape.unauthorized(key));
    const route = routes.find(
      (r) => r.flavor === target.flavor && r.method === request.method && (typeof r.path === "string" ? r.path === target.path : r.path.test(target.path)),
    );
    if (!route) return fail(404, `No route for ${request.method} ${target.path}`);

    const fault = request.fault;
    // Leak bait: a careless gateway would pass this on to its client.
    const bait = `(${request.method} http://${header(req, "host") ?? "127.0.0.1"}${req.url ?? ""} with key ${key ?? ""})`;
    if (fault?.kind === "slow") {
      await wait(fault.ms);
      if (closed()) return;
    }
    if (fault?.kind === "reset") {
      selfClosed = true;
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === "redirect" && !url.searchParams.has("redirected")) {
      head(307, { location: `${url.pathname}?redirected=1`, "content-type": "application/json" });
      res.end("{}");
      return;
    }
    if (fault?.kind === "fail") {
      return fail(fault.status, `Injected failure ${fault.status} ${bait}`, fault.status === 429 ? { "retry-after": "1" } : {});
    }
    if (fault?.kind === "flaky") {
      const seen = flaky.get(model ?? "") ?? 0;
      flaky.set(model ?? "", seen + 1);
      if (seen < fault.times)
        return fail(fault.status, `Injected flaky failure ${seen + 1} of ${fault.times}`, fault.status === 429 ? { "retry-after": "1" } : {});
    }

    const reply = await route.handle(request);
    if (!isStream(reply)) {
      if (reply.bytes && reply.status < 400) {
        head(reply.status, { "content-type": reply.bytes.contentType, ...reply.headers });
        res.end(reply.bytes.data);
        return;
      }
      if (reply.status >= 400 || !fault || !["malformed", "truncate", "stall"].includes(fault.kind)) {
        head(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(JSON.stringify(reply.body));
        return;
      }
      head(reply.status, { "content-type": "application/json" });
      if (fault.kind === "stall") {
        res.flushHeaders();
        await wait(MAX_WAIT_MS);
        selfClosed = true;
        if (!closed()) res.destroy();
        return;
      }
      const full = JSON.stringify(reply.body);
      res.end(fault.kind === "malformed" ? `<html>Bad gateway ${full.slice(0, 20)}` : full.slice(0, Math.floor(full.length / 2)));
      return;
    }

    let events = reply.sse;
    if (fault?.kind === "malformed") events = [{ data: '{"broken": ', event: events[0]?.event ?? "" }, ...events.slice(1)];
    if (fault?.kind === "truncate" || fault?.kind === "midstream") {
      const kept: MockSseEvent[] = [];
      let content = 0;
      for (const e of events) {
        if (e.terminal || content >= 2) break;
        kept.push(e);
        if (e.content) content++;
      }
      events = kept;
      if (fault.kind === "midstream") events.push(midstreamError(target.flavor, target.path, `Overloaded ${bait}`, events.length));
    }
    if (fault?.kind === "stall") events = events.slice(0, 1);
    head(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
    for (const event of events) {
      if (closed()) return;
      if (event.content && reply.intervalMs) await wait(reply.intervalMs);
      if (closed()) return;
      if (record.events.length < MAX_RECORDED_EVENTS) record.events.push(event.data);
      res.write(`${event.event ? `event: ${event.event}\n` : ""}data: ${event.data}\n\n`);
    }
    if (fault?.kind === "stall") {
      await wait(MAX_WAIT_MS);
      selfClosed = true;
      if (!closed()) res.destroy();
      return;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    // One request per connection: workerd pools idle connections, and reusing one the server
    // has just closed fails as "Network connection lost" under a busy test run.
    res.shouldKeepAlive = false;
    serve(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests: (filter) => requests(filter),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
