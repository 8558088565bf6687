// The one path of a gateway call: the body read → plan → unpriced extras refused → admission
// → attempts over the plan → the answer, whole or streamed (pipe.ts) → recorded once, with the
// attempt chain and the rate-limit headers on success and failure alike. An endpoint
// (endpoints/*.ts) supplies only what is its own: a GatewayCall.
import type { Context } from "hono";
import { getDb } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { admitCall, admitFreeCall, type CallSize } from "./admission.ts";
import { type AttemptRecord, attemptHeaders, runAttempts } from "./attempts.ts";
import { cacheGet, cacheKey, cachePut, cacheTtl } from "./cache.ts";
import { endUserOf } from "./end-user.ts";
import { drainMs, pipe } from "./pipe.ts";
import { type CallPlan, type PlannedTarget, planCall } from "./plan.ts";
import type { CallOptions } from "./providers/types.ts";
import { costMicros } from "./cost.ts";
import { type CallRecord, chargedMicros, recordCall, recordFailedCall } from "./record.ts";
import { tenantCatalog } from "./resolve.ts";
import type { ClientEvents, StreamTally } from "./stream-out.ts";
import type { Usage } from "./types.ts";
import { refuseUnpricedFeatures } from "./unpriced-features.ts";
import { redactHeaders } from "../core/redact.ts";
import { formatTraceparent } from "../core/trace-context.ts";
import type { CallMarks } from "./call-detail.ts";
import { StreamAssembler, type StreamFormat } from "./capture/assemble.ts";
import type { CapturedBodies } from "./capture/store.ts";
import type { CostOf } from "./usage-cost.ts";

/** A whole answer: the JSON the client gets and what it is billed (null: nothing billable). */
export interface JsonAnswer {
  text: string;
  usage: Usage | null;
  /** An answer that is not JSON (speech audio, a transcript as text): sent as it comes, never cached; `text` is unused. */
  raw?: { body: ReadableStream<Uint8Array> | Uint8Array | string; contentType: string };
}

/** A streamed answer once an attempt has opened it. */
export interface OpenedStream {
  /** The first event, when reading it decided the attempt (a failure before it still falls back). */
  first?: Uint8Array;
  /** The rest, in the client's format; a throw ends the stream with `errorEvent`. */
  events: ClientEvents;
  /** Counts usage and output as the events pass, so the call is billed however the stream ends. */
  tally: StreamTally;
}

interface CallBase {
  /** As logged in request_log.endpoint. */
  endpoint: string;
  model: string;
  /** The request as read: checked for unpriced extras, and the response cache's key. */
  body: object;
  /** What admission reserves; "free" counts against the requests per minute only. */
  size: CallSize | "free";
  /** Extras a provider bills beyond tokens are refused on platform providers (unpriced-features.ts). */
  refuseUnpriced: boolean;
  /** Chat: a whole answer may be served from and kept in the response cache; x-aggregator-cache says which. */
  cacheable?: boolean;
  /** The plan this endpoint can run: only the targets that serve it (throws when none does), or its own retries and timeout. */
  narrow?: (plan: CallPlan) => CallPlan;
}

export interface JsonCall<V> extends CallBase {
  stream: false;
  /** One upstream call to one target; a throw is judged by runAttempts (retry, fall back or fail). */
  attempt: (target: PlannedTarget, options: CallOptions) => Promise<V>;
  /** An answer given without calling the target at all (no attempt is made or recorded); undefined: call it. */
  local?: (target: PlannedTarget) => V | undefined;
  render: (value: V) => JsonAnswer;
  /** The answer as sent, with what the call is charged in it (OpenAI format: usage.cost); absent: as rendered. */
  withCost?: (text: string, chargedMicros: number) => string;
}

export interface StreamCall extends CallBase {
  stream: true;
  /** `costOf`: what the call is charged for a usage, for a stream that reports it in usage.cost. */
  attempt: (target: PlannedTarget, options: CallOptions, costOf: CostOf) => Promise<OpenedStream>;
  /** Our count of the prompt: billed when the stream ends before the provider reports its own. */
  promptTokens: number;
  /** The event a stream ends with when the upstream fails mid-way, in the client's format. */
  errorEvent: (error: unknown) => Uint8Array;
}

export type GatewayCall<V> = JsonCall<V> | StreamCall;

/** An endpoint's own first step: the request read and checked, and what the call is. */
export type Reader<V> = (c: Context<AppEnv>) => Promise<GatewayCall<V>>;

/** A /v1 handler from an endpoint's reader: every step after reading is the pipeline's. */
export function endpoint<V>(read: Reader<V>): (c: Context<AppEnv>) => Promise<Response> {
  return (c) => runCall(c, read);
}

/** What every step after admission shares. */
interface Admitted {
  c: Context<AppEnv>;
  plan: CallPlan;
  limitHeaders: Record<string, string>;
  record: Omit<CallRecord, "target" | "status" | "usage"> & { marks: CallMarks };
  hops: number;
  fail: (error: unknown) => never;
}

/** An attempt's options: its traceparent, and with capture on, its headers noted (redacted) for the request log. */
function attemptOptions(a: Admitted, spanId: string, options: Omit<CallOptions, "hops" | "trace">): CallOptions {
  const { trace } = a.c.var;
  const marks = a.record.marks;
  const onSend =
    marks.capture === "none" ? undefined : (headers: Record<string, string>) => (marks.sentHeaders ??= new Map()).set(spanId, redactHeaders(headers));
  return {
    ...options,
    hops: a.hops,
    promptCache: a.plan.promptCache,
    ...(trace ? { trace: { traceparent: formatTraceparent({ traceId: trace.traceId, spanId, sampled: trace.sampled }), ...(onSend ? { onSend } : {}) } } : {}),
  };
}

/** The parsed answer for a captured body: JSON when it is, else what it was. */
function answerBody(answer: JsonAnswer): unknown {
  if (answer.raw) return `[${answer.raw.contentType} answer not captured]`;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return answer.text;
  }
}

async function runCall<V>(c: Context<AppEnv>, read: Reader<V>): Promise<Response> {
  const startedAt = Date.now();
  const call = await read(c);
  c.set("endUser", endUserOf(c.req.raw.headers, call.body));
  const key = c.var.apiKey;
  const catalog = await tenantCatalog(getDb(c.env.DB), key.tenantId);
  const planned = await planCall(catalog, key, call.model, c.env.SECRETS_KEY, call.body);
  const plan = call.narrow ? call.narrow(planned) : planned;
  if (call.refuseUnpriced) refuseUnpricedFeatures(plan, call.body);
  const marks: CallMarks = { startedAt, capture: plan.capture, observability: catalog.observability, admissionStartedAt: Date.now() };
  const limitHeaders = await (call.size === "free" ? admitFreeCall(c, plan) : admitCall(c, plan, call.size, call.body));
  marks.admittedAt = Date.now();
  const attempts: AttemptRecord[] = [];
  const bodies = plan.capture === "bodies" ? { bodies: () => ({ request: call.body, response: null }) } : {};
  const record = { c, endpoint: call.endpoint, stream: call.stream, startedAt, attempts, marks, ...bodies };
  const fail = (error: unknown): never => recordFailedCall({ ...record, target: plan.targets[0], limitHeaders }, error);
  const admitted: Admitted = { c, plan, limitHeaders, record, hops: c.var.upstreamHops, fail };
  return call.stream ? streamed(admitted, call) : answered(admitted, call);
}

async function answered<V>(a: Admitted, call: JsonCall<V>): Promise<Response> {
  const { c, plan, record, limitHeaders } = a;
  const ttl = call.cacheable ? cacheTtl(c.req.header("x-aggregator-cache"), plan.cacheTtlSeconds) : null;
  const cacheId = ttl ? await cacheKey(c.var.apiKey.tenantId, c.req.path, call.body) : null;
  const cached = cacheId ? await cacheGet(cacheId) : null;
  record.marks.cache = cacheId ? (cached !== null ? "hit" : "miss") : call.cacheable ? "bypass" : undefined;
  if (cached !== null) {
    const charged = recordCall({
      ...record,
      target: plan.targets[0],
      status: 200,
      usage: null,
      cached: true,
      ...capturedAnswer(record, { text: cached, usage: null }),
    });
    return new Response(call.withCost?.(cached, charged) ?? cached, {
      headers: {
        "content-type": "application/json",
        "x-aggregator-cache": "HIT",
        "x-aggregator-attempts": "cache",
        "x-aggregator-cost-micros": String(charged),
        ...limitHeaders,
      },
    });
  }
  const first = plan.targets[0]!;
  const local = call.local?.(first);
  const result =
    local !== undefined
      ? { value: local, target: first }
      : await runAttempts(plan, (target, timeoutMs, spanId) => call.attempt(target, attemptOptions(a, spanId, { timeoutMs })), record.attempts).catch(a.fail);
  const answer = call.render(result.value);
  const charged = recordCall({ ...record, target: result.target, status: 200, usage: answer.usage, ...capturedAnswer(record, answer) });
  if (cacheId && ttl && !answer.raw) c.executionCtx.waitUntil(cachePut(cacheId, answer.text, ttl));
  const headers: Record<string, string> = {
    "content-type": answer.raw?.contentType ?? "application/json",
    "x-aggregator-cost-micros": String(charged),
    ...attemptHeaders(record.attempts),
    ...limitHeaders,
  };
  if (call.cacheable) headers["x-aggregator-cache"] = cacheId ? "MISS" : "BYPASS";
  return new Response(answer.raw?.body ?? call.withCost?.(answer.text, charged) ?? answer.text, { headers });
}

/** What a call to `target` with a given usage is charged: its cost, capped at the reservation. */
const chargeOf =
  (c: Context<AppEnv>, target: PlannedTarget): CostOf =>
  (usage) =>
    chargedMicros(c, costMicros(usage, target.price));

async function streamed(a: Admitted, call: StreamCall): Promise<Response> {
  const { c, plan, record } = a;
  const abort = new AbortController();
  const result = await runAttempts(
    plan,
    (target, timeoutMs, spanId) => call.attempt(target, attemptOptions(a, spanId, { timeoutMs, signal: abort.signal }), chargeOf(c, target)),
    record.attempts,
    abort.signal,
  ).catch(a.fail);
  const ttfbMs = Date.now() - record.startedAt;
  const { first, tally } = result.value;
  const assembler = record.bodies ? new StreamAssembler(streamFormatOf(call.endpoint)) : null;
  if (assembler && first) assembler.push(first);
  const events = assembler ? teed(result.value.events, assembler) : result.value.events;
  const body = pipe(c.executionCtx, {
    first,
    events,
    abort,
    drainMs: drainMs(c.env.STREAM_DRAIN_MS),
    errorEvent: call.errorEvent,
    end: (status, errorType) =>
      recordCall({
        ...record,
        target: result.target,
        status,
        usage: tally.final(call.promptTokens),
        ttfbMs,
        ...(errorType ? { errorType } : {}),
        ...(assembler ? { bodies: () => assembledBodies(call.body, assembler) } : {}),
      }),
  });
  const headers: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    ...attemptHeaders(record.attempts),
    ...a.limitHeaders,
  };
  if (call.cacheable) headers["x-aggregator-cache"] = "BYPASS";
  return new Response(body, { headers });
}

/** With bodies captured: the request as read and the answer as sent. */
function capturedAnswer(record: Admitted["record"], answer: JsonAnswer): Pick<CallRecord, "bodies"> {
  const request = record.bodies?.().request;
  return record.bodies ? { bodies: () => ({ request, response: answerBody(answer) }) } : {};
}

const streamFormatOf = (endpoint: string): StreamFormat =>
  endpoint === "messages" ? "anthropic" : endpoint === "responses" ? "responses" : endpoint === "completions" ? "openai-completions" : "openai-chat";

/** The events as they go to the client, each also handed to the assembler. */
async function* teed(events: ClientEvents, assembler: StreamAssembler): ClientEvents {
  for await (const bytes of events) {
    assembler.push(bytes);
    yield bytes;
  }
}

function assembledBodies(request: object, assembler: StreamAssembler): CapturedBodies {
  const { answer, truncated } = assembler.result();
  return { request, response: answer, truncated };
}
