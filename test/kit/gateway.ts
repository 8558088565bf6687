// Shared by the gateway-*.test.ts files: providers (by the operator, the only one who may point
// them at the mock upstream, test/mocks/upstream.ts), routes and prices created through /api;
// the official SDKs wired to the Worker with every after-response write awaitable; what reached
// the mock; request_log rows.
import Anthropic from "@anthropic-ai/sdk";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import OpenAI from "openai";
import { expect } from "vitest";
import worker from "../../worker/index.ts";
import { API_KEY, ORIGIN, TENANT_ID, call, createMember, json, jsonInit, type Member, uniqueName } from "./fixtures.ts";
import { type RecordedRequest, UPSTREAM_KEYS, type UpstreamFlavor } from "../mocks/upstream-keys.ts";

export type ProviderKind = "openai" | "openai-compatible" | "anthropic" | "gemini";

export const FLAVOR: Record<ProviderKind, UpstreamFlavor> = { openai: "openai", "openai-compatible": "openai", anthropic: "anthropic", gemini: "gemini" };

let adminMember: Promise<Member> | undefined;
export const admin = (): Promise<Member> => (adminMember ??= createMember("admin"));

let operatorMember: Promise<Member> | undefined;
/** The platform operator, in the seeded tenant: only the operator may point a provider at the local mock. */
export const operator = (): Promise<Member> => (operatorMember ??= createMember("admin", TENANT_ID, { operator: true }));

export const MOCK_ORIGIN = (): string => `http://127.0.0.1:${env.UPSTREAM_PORT}`;
export const mockBase = (flavor: UpstreamFlavor): string => `${MOCK_ORIGIN()}/${flavor}${flavor === "openai" ? "/v1" : ""}`;

export interface Provider {
  id: string;
  name: string;
  kind: ProviderKind;
  /** `<name>/<model>`, as a client calls it. */
  model(model: string): string;
}

/** A new provider of `kind` at the mock, with its key, offering `models`. */
export async function createProvider(kind: ProviderKind, models: string[], extra: Record<string, unknown> = {}): Promise<Provider> {
  const flavor = FLAVOR[kind];
  const body = {
    name: uniqueName(kind.replace("openai-compatible", "compat")),
    kind,
    base_url: mockBase(flavor),
    api_key: UPSTREAM_KEYS[flavor],
    models,
    ...extra,
  };
  const res = await call("/api/providers", jsonInit(body, (await operator()).headers));
  expect(res.status, await res.clone().text()).toBe(201);
  const created = await json<{ id: string; name: string }>(res);
  return { id: created.id, name: created.name, kind, model: (m) => `${created.name}/${m}` };
}

export interface RouteBody {
  strategy?: "fallback" | "weighted" | "lowest-latency";
  targets: { model: string; weight?: number }[];
  retries?: number;
  timeout_ms?: number | null;
  cache_ttl_seconds?: number | null;
}

/** A new route alias; returns the alias. */
export async function createRoute(body: RouteBody): Promise<string> {
  const alias = uniqueName("route");
  const res = await call("/api/routes", jsonInit({ alias, ...body }, (await admin()).headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return alias;
}

/** A tenant price for a model (`provider/model`), in micro-dollars per million tokens. */
export async function createPrice(model: string, price: { input: number; output: number; cached?: number; reasoning?: number }): Promise<void> {
  const body = {
    model,
    input_per_mtok_micros: price.input,
    output_per_mtok_micros: price.output,
    ...(price.cached !== undefined ? { cached_input_per_mtok_micros: price.cached } : {}),
    ...(price.reasoning !== undefined ? { reasoning_per_mtok_micros: price.reasoning } : {}),
  };
  const res = await call("/api/prices", jsonInit(body, (await admin()).headers));
  expect(res.status, await res.clone().text()).toBe(201);
}

// ── the gateway, with its after-response work awaitable ──────────────────────────────────

const pending: ExecutionContext[] = [];

/** A request to the Worker, its execution context kept so `settle()` can await its waitUntil work. */
export async function gatewayFetch(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  pending.push(ctx);
  return worker.fetch(request, env, ctx);
}

/** Awaits the after-response work (usage records, cache writes) of every call so far. */
export async function settle(): Promise<void> {
  while (pending.length) await waitOnExecutionContext(pending.shift()!);
}

/** The tenant's gate once every call so far has settled its reservation (settlements leave after responses). */
export async function settledGateStatus(tenantId: string) {
  await settle();
  const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenantId));
  let status = await gate.status(tenantId);
  for (let i = 0; i < 100 && status.openReservations > 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = await gate.status(tenantId);
  }
  expect(status.openReservations).toBe(0);
  return status;
}

const sdkFetch = (input: string | URL | Request, init?: RequestInit) => gatewayFetch(new Request(input, init));

export const openai = new OpenAI({ apiKey: API_KEY, baseURL: `${ORIGIN}/v1`, maxRetries: 0, fetch: sdkFetch });
export const anthropic = new Anthropic({ apiKey: API_KEY, baseURL: ORIGIN, maxRetries: 0, fetch: sdkFetch });

/** A raw POST to the gateway with the seeded key. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return gatewayFetch(new Request(`${ORIGIN}${path}`, jsonInit(body, { authorization: `Bearer ${API_KEY}`, ...headers })));
}

// ── request_log ──────────────────────────────────────────────────────────────────────────

export interface LogRow {
  id: string;
  provider: string | null;
  model: string | null;
  endpoint: string;
  status: number;
  error_type: string | null;
  stream: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_micros: number;
  uncollected_micros: number;
  estimated: number;
  attempts: string | null;
}

/** The request_log row of a response (by its x-request-id), once the after-response work is done. */
export async function logRow(res: Response | string): Promise<LogRow> {
  await settle();
  const id = typeof res === "string" ? res : res.headers.get("x-request-id");
  expect(id, "x-request-id").toBeTruthy();
  const read = () => env.DB.prepare("SELECT * FROM request_log WHERE id = ?").bind(id).first<LogRow>();
  let row = await read();
  if (!row) {
    // The tenant's AnalyticsHub writes request_log in batches; ask it to write now.
    await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(TENANT_ID)).flush();
    row = await eventually(read, (r) => r !== null);
  }
  expect(row, `request_log row ${id}`).not.toBeNull();
  return row!;
}

export const attemptsOf = (row: LogRow): string[] => JSON.parse(row.attempts ?? "[]") as string[];

// ── the mock upstream ────────────────────────────────────────────────────────────────────

/**
 * A GET to the mock's own endpoints, retried on a dropped connection: under a full parallel run
 * workerd now and then reuses a connection the mock's busy Node process has just closed.
 */
async function readMock(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url);
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** What reached the mock for a model (as the upstream knows it), oldest first. */
export async function upstream(model: string, filter: { flavor?: UpstreamFlavor; marker?: string } = {}): Promise<RecordedRequest[]> {
  const query = new URLSearchParams({ model, ...(filter.flavor ? { flavor: filter.flavor } : {}), ...(filter.marker ? { marker: filter.marker } : {}) });
  const res = await readMock(`${MOCK_ORIGIN()}/__requests?${query}`);
  const text = await res.text();
  const { requests } = JSON.parse(text) as { requests?: RecordedRequest[] };
  if (!requests) throw new Error(`the mock's request log answered ${res.status}: ${text.slice(0, 300)}`);
  return filter.marker ? requests.filter((r) => JSON.stringify(r.body).includes(filter.marker!)) : requests;
}

/** Polls `read` until `ok` holds (or the time is up, returning the last value). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A tag that makes a model name or a prompt unique to one test. */
export const tag = (): string => uniqueName("t").replace(/[^a-z0-9-]/g, "");

// ── SSE ──────────────────────────────────────────────────────────────────────────────────

export interface RawEvent {
  event: string | undefined;
  data: string;
}

export function parseSse(text: string): RawEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      return { event, data: data.join("\n") };
    });
}

/** Reads `count` SSE events from a stream (or fewer, if it ends), leaving the reader open. */
export async function readEvents(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<RawEvent[]> {
  const decoder = new TextDecoder();
  let text = "";
  while (parseSse(text).length < count || !/\n\n$/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return parseSse(text);
}
