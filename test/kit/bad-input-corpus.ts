// The bad-input corpus: crafted requests for every /v1 and /api endpoint, generated from the
// endpoint lists (`gatewayDocs`, `apiDocs`) and their zod schemas, so a new endpoint or a new
// body field is covered without touching this file. test/bad-input.test.ts runs every case and
// checks the answer: never a 5xx, JSON in the caller's error format, no stack trace, no secret,
// no other tenant's data. Cases only describe requests; ids, tokens and keys that exist only at
// run time are named here and resolved by the runner.
import { env } from "cloudflare:workers";
import * as z from "zod";
import { apiDocs } from "../../worker/api/index.ts";
import { bodyLimitFor } from "../../worker/core/body-limits.ts";
import { type ErrorFormat, errorFormatFor } from "../../worker/core/errors.ts";
import type { EndpointDoc } from "../../worker/core/endpoint-doc.ts";
import { SEED_TENANT_ID } from "../../worker/seed.ts";
import { gatewayDocs } from "../../worker/gateway/docs.ts";

// ── endpoints ─────────────────────────────────────────────────────────────────────────────

export interface Endpoint {
  /** `POST /api/keys` */
  key: string;
  method: string;
  path: string;
  gateway: boolean;
  doc: EndpointDoc;
}

export const ENDPOINTS: Endpoint[] = [...gatewayDocs, ...apiDocs].map((doc) => ({
  key: `${doc.method.toUpperCase()} ${doc.path}`,
  method: doc.method.toUpperCase(),
  path: doc.path,
  gateway: doc.path.startsWith("/v1") || doc.path === "/mcp",
  doc,
}));

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
export const hasBody = (e: Endpoint) => BODY_METHODS.has(e.method);
/** The endpoint parses its body as JSON and must refuse what is not: every documented body, and every /v1 POST. */
export const parsesJson = (e: Endpoint) => hasBody(e) && (e.doc.body !== undefined || e.gateway);
export const isGuarded = (e: Endpoint) => !e.gateway && e.doc.access !== "public";
export const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/**
 * Path parameters that name what the caller chooses (an end user's name, as its clients send it),
 * not a stored id: any printable value is a name, so SQL or a traversal in one is just a name.
 */
export const NAME_PARAMS = new Set(["user"]);
export const namesOnly = (path: string) => paramsOf(path).every((p) => NAME_PARAMS.has(p));

let unique = 0;
const next = () => `${++unique}${Date.now().toString(36)}`;

/**
 * A valid body for every endpoint that documents one (the test checks the list is complete and
 * that each passes its schema), so a mutation of it has exactly one fault. Names are unique per
 * call where the API keeps them unique.
 */
/**
 * A device as PushManager gives it: a push service URL, a P-256 point, a 16-byte secret. The URL
 * is the mock push service's, which a tenant's member may not name (400 url_not_allowed): the
 * corpus adds no device that a test push would then wait on.
 */
export const pushDevice = () => ({
  endpoint: `http://127.0.0.1:${env.PUSH_MOCK_PORT}/push/corpus-${crypto.randomUUID()}`,
  keys: { p256dh: "BHHLAwdJNsrRjW1Kk6i7XiO38_dVJRFd0a9qKc2_IbwCcuGtN8sepq-evSUKTJnqWpUwYP2yoPK6Df2fPrIqRu4", auth: "AAAAAAAAAAAAAAAAAAAAAA" },
  label: "corpus",
});

export const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  "POST /v1/chat/completions": () => ({ model: "demo/echo", messages: [{ role: "user", content: "hello" }] }),
  "POST /v1/messages": () => ({ model: "demo/echo", max_tokens: 16, messages: [{ role: "user", content: "hello" }] }),
  "POST /v1/messages/count_tokens": () => ({ model: "demo/echo", messages: [{ role: "user", content: "hello" }] }),
  "POST /v1/embeddings": () => ({ model: "demo/embed", input: "hello" }),
  "POST /v1/responses": () => ({ model: "corpus-openai/gpt-4o-mini", input: "hello" }),
  "POST /v1/images/generations": () => ({ model: "demo/image", prompt: "a lighthouse", size: "256x256" }),
  "POST /v1/audio/speech": () => ({ model: "demo/speech", voice: "alloy", input: "hello", response_format: "wav" }),
  "POST /v1/moderations": () => ({ model: "demo/moderation", input: "hello" }),
  "POST /v1/rerank": () => ({ model: "demo/rerank", query: "hello", documents: ["hello there", "bye"] }),
  "POST /mcp": () => ({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "corpus", version: "1" } },
  }),
  "POST /v1/batches": () => ({ input_file_id: "file-doesnotexist", endpoint: "/v1/chat/completions", completion_window: "24h" }),
  "POST /api/auth/register": () => ({ email: `bad-input-${next()}@example.com`, password: "long enough password", name: "Fuzz", tenant_name: "Fuzz Co" }),
  "POST /api/auth/login": () => ({ email: "nobody@example.com", password: "not the password" }),
  "POST /api/auth/switch": () => ({ tenant_id: "ten_doesnotexist000" }),
  "POST /api/auth/accept-invitation": () => ({ token: "no-such-invitation-token", password: "long enough password", name: "Invitee" }),
  "POST /api/users/invitations": () => ({ email: `invitee-${next()}@example.com`, role: "viewer" }),
  "PATCH /api/users/:userId": () => ({ role: "viewer" }),
  "POST /api/keys": () => ({ name: "bad-input key", rpm_limit: 100, tpm_limit: 1000, models: ["demo/echo"], expires_at: "2099-01-01T00:00:00Z" }),
  "PATCH /api/keys/:id": () => ({ name: "renamed" }),
  "POST /api/audit/:id/rollback": () => ({ force: false }),
  "POST /api/providers": () => ({ name: `bad-input-${next()}`, kind: "demo", models: ["echo"], weight: 1, enabled: true }),
  "PATCH /api/providers/:id": () => ({ enabled: true }),
  "POST /api/mcp/servers": () => ({ name: `bad-input-${next()}`, url: "https://mcp.example.com/mcp", enabled: true }),
  "PATCH /api/mcp/servers/:id": () => ({ enabled: true }),
  "POST /api/prices": () => ({ model: `bad-input/m-${next()}`, input_per_mtok_micros: 1, output_per_mtok_micros: 2, source: "corpus" }),
  "PATCH /api/prices/:id": () => ({ input_per_mtok_micros: 3 }),
  "POST /api/routes": () => ({ alias: `bad-input-${next()}`, targets: [{ model: "demo/echo" }], strategy: "fallback", retries: 0 }),
  "PATCH /api/routes/:id": () => ({ retries: 1 }),
  "PATCH /api/tenant": () => ({ name: "Main tenant" }),
  "PUT /api/end-users/:user": () => ({ rpm_limit: 100, budget_micros: 1_000_000, budget_period: "daily" }),
  "POST /api/analytics/tokens": () => ({ expires_in_days: 1 }),
  "POST /api/billing/adjustments": () => ({ tenant_id: SEED_TENANT_ID, amount_micros: 1, reason: "bad-input corpus" }),
  "PUT /api/notifications/settings": () => ({ low_balance_micros: 1000 }),
  "PUT /api/notifications/preferences": () => ({ push: ["balance.low"], email: [], quiet_hours: null }),
  "POST /api/push/subscriptions": () => pushDevice(),
  "POST /api/payments/stripe/checkout": () => ({ amount_micros: 5_000_000 }),
  "POST /api/payments/paypal/orders": () => ({ amount_micros: 5_000_000 }),
};

export function validBody(e: Endpoint): Record<string, unknown> {
  return VALID_BODIES[e.key]?.() ?? {};
}

/** A provider of each wire format at the mock upstream (test/mocks/upstream.ts); the tests create them. */
export const MOCK_PROVIDERS = [
  { name: "corpus-anthropic", kind: "anthropic", flavor: "anthropic", model: "claude-haiku-4-5" },
  { name: "corpus-gemini", kind: "gemini", flavor: "gemini", model: "gemini-2.5-flash" },
  { name: "corpus-openai", kind: "openai", flavor: "openai", model: "gpt-4o-mini" },
] as const;

/** Every chat model a /v1 body is tried against: the built-in demo and one per translated wire format. */
export const CHAT_TARGETS: readonly string[] = ["demo/echo", ...MOCK_PROVIDERS.map((p) => `${p.name}/${p.model}`)];

// ── what the schemas say, through their JSON Schema ───────────────────────────────────────

interface JsonSchemaNode {
  type?: string | string[];
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
}

export interface FieldInfo {
  name: string;
  /** JSON types the field accepts: string, number, integer, boolean, null, array, object; empty: anything. */
  kinds: Set<string>;
  /** Kinds of an array's items. */
  itemKinds: Set<string>;
  enumerated: boolean;
}

export interface SchemaInfo {
  fields: FieldInfo[];
  required: string[];
  strict: boolean;
}

function kindsOf(node: JsonSchemaNode | undefined): Set<string> {
  const out = new Set<string>();
  if (!node) return out;
  if (typeof node.type === "string") out.add(node.type);
  if (Array.isArray(node.type)) for (const t of node.type) out.add(t);
  for (const sub of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) for (const k of kindsOf(sub)) out.add(k);
  for (const v of [...(node.enum ?? []), ...(node.const !== undefined ? [node.const] : [])])
    out.add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  return out;
}

function itemsOf(node: JsonSchemaNode | undefined): Set<string> {
  const out = new Set<string>();
  if (!node) return out;
  if (node.items) for (const k of kindsOf(node.items)) out.add(k);
  for (const sub of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) for (const k of itemsOf(sub)) out.add(k);
  return out;
}

const enumerated = (node: JsonSchemaNode): boolean =>
  node.enum !== undefined || node.const !== undefined || [...(node.anyOf ?? []), ...(node.oneOf ?? [])].some(enumerated);

export function schemaInfo(schema: z.ZodType): SchemaInfo {
  const root = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  const properties = root.properties ?? {};
  return {
    fields: Object.entries(properties).map(([name, node]) => ({ name, kinds: kindsOf(node), itemKinds: itemsOf(node), enumerated: enumerated(node) })),
    required: root.required ?? [],
    strict: root.additionalProperties === false,
  };
}

/** Values of a type the field does not accept (at most two). */
export function wrongValues(field: FieldInfo): [label: string, value: unknown][] {
  const k = field.kinds;
  if (k.size === 0) return [];
  const numeric = k.has("number");
  const candidates: [string, unknown, boolean][] = [
    ["object", { wrong: true }, !k.has("object")],
    ["array", [1, 2, 3], !k.has("array")],
    ["boolean", true, !k.has("boolean")],
    ["float", 12345.5, !numeric && !k.has("integer")],
    ["string", "wrong-type", !k.has("string")],
    ["null", null, !k.has("null")],
  ];
  const out: [string, unknown][] = candidates
    .filter(([, , wrong]) => wrong)
    .slice(0, 2)
    .map(([label, value]) => [label, value]);
  if (k.has("integer") && !numeric) out.push(["float", 12345.5], ["1e300", 1e300]);
  if (field.enumerated && k.has("string")) out.push(["not a choice", "not-one-of-the-choices"]);
  return out;
}

// ── values ────────────────────────────────────────────────────────────────────────────────

export const SQL_INJECTIONS: [string, string][] = [
  ["quote-or", "' OR '1'='1"],
  ["drop-table union", "'; DROP TABLE users; -- \" UNION SELECT key_hash, tenant_id FROM api_keys --"],
];

export const UNICODE_EDGES: [string, string][] = [
  ["lone surrogates", "a\ud800b\udfffc"],
  ["NUL", "nul\u0000byte"],
  ["RTL override, emoji ZWJ, separators", "\u202egnp.exe\u202c 👩‍👩‍👧‍👦🏳️‍🌈 a\u2028b\u2029c\uFEFF"],
];

/** Strings for every string field: empty, 1 MB (still under the /api body limit), SQL, unicode. */
export const STRING_VALUES: [category: Category, label: string, value: () => string][] = [
  ["string-edge", "empty", () => ""],
  ["string-edge", "1 MB", () => "x".repeat(1_000_000)],
  ...SQL_INJECTIONS.map(([label, v]): [Category, string, () => string] => ["sql-injection", label, () => v]),
  ...UNICODE_EDGES.map(([label, v]): [Category, string, () => string] => ["unicode", label, () => v]),
];

/** Invalid UTF-8, spliced raw into a JSON string of a valid body. */
export const BAD_UTF8: [string, number[]][] = [
  ["overlong slash", [0xc0, 0xaf]],
  ["lone continuation", [0x80, 0xbf]],
  ["0xFF 0xFE", [0xff, 0xfe]],
  ["UTF-8 encoded surrogate", [0xed, 0xa0, 0x80]],
  ["raw NUL and control bytes", [0x00, 0x01, 0x1b]],
  ["truncated sequence", [0xe2, 0x82]],
];

export const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
export const deepObject = (n: number) => `${'{"a":'.repeat(n)}0${"}".repeat(n)}`;

/** The body's JSON with `rawFields` (e.g. `"a":1`) as its first members. */
export function spliceJson(body: Record<string, unknown>, rawFields: string): string {
  const rest = JSON.stringify(body).slice(1);
  return `{${rawFields}${rest === "}" ? "" : ","}${rest}`;
}

/** The first top-level string field of a body (a place to splice raw bytes into), if any. */
function firstStringField(body: Record<string, unknown>): string | undefined {
  return Object.keys(body).find((k) => typeof body[k] === "string");
}

/** The body's JSON with `bytes` inserted inside its first string (or in a new `note` field). */
export function withRawBytes(body: Record<string, unknown>, bytes: number[]): Uint8Array {
  const MARK = "\u0001SPLICE\u0001";
  const field = firstStringField(body);
  const json = JSON.stringify(field ? { ...body, [field]: `${String(body[field])}${MARK}` } : { ...body, note: MARK });
  const [before, after] = json.split(JSON.stringify(MARK).slice(1, -1));
  const enc = new TextEncoder();
  return new Uint8Array([...enc.encode(before), ...bytes, ...enc.encode(after)]);
}

/** Exactly `size` bytes of JSON: `{"pad":"xxx…"}`. */
export function paddedJson(size: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(0x78);
  const head = new TextEncoder().encode('{"pad":"');
  bytes.set(head, 0);
  bytes.set(new TextEncoder().encode('"}'), size - 2);
  return bytes;
}

/** `size` bytes as a stream with no Content-Length. */
export function paddedStream(size: number): ReadableStream<Uint8Array> {
  const chunk = 64 * 1024;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      const part = new Uint8Array(n).fill(0x78);
      if (sent === 0) part.set(new TextEncoder().encode('{"pad":"'), 0);
      sent += n;
      controller.enqueue(part);
    },
  });
}

// ── cases ─────────────────────────────────────────────────────────────────────────────────

export type Category =
  | "malformed-json"
  | "wrong-top-level"
  | "wrong-type"
  | "missing-field"
  | "unknown-field"
  | "huge-body"
  | "deep-nesting"
  | "unknown-model"
  | "string-edge"
  | "sql-injection"
  | "unicode"
  | "invalid-utf8"
  | "content-type"
  | "header-injection"
  | "path-traversal"
  | "query-edge"
  | "wrong-method"
  | "bad-auth"
  | "translation";

/** Credentials that exist only at run time; the runner turns each into request headers. */
export type NamedCredential =
  // /api
  | "alg-none"
  | "expired"
  | "wrong-signature"
  | "hs512"
  | "wrong-issuer"
  | "missing-claims"
  | "tampered-claims"
  | "deleted-user"
  | "removed-member"
  | "foreign-tenant-claim"
  | "api-key-as-bearer"
  | "live-ticket-as-bearer"
  | "two-tokens"
  // /v1
  | "access-token-as-key"
  | "revoked-key"
  | "expired-key"
  | "key-plus-junk"
  | "wrong-bearer-right-x-api-key";

export type Auth = { kind: "default" } | { kind: "none" } | { kind: "headers"; headers: Record<string, string> } | { kind: "named"; name: NamedCredential };

export type Body =
  | { kind: "none" }
  | { kind: "json"; value: () => unknown }
  | { kind: "text"; text: () => string; contentType: string | null }
  | { kind: "bytes"; bytes: () => Uint8Array; contentType: string | null }
  | { kind: "stream"; stream: () => ReadableStream<Uint8Array>; contentType: string };

/** `4xx`: any client error; `non-5xx`: a success is a fine answer too (e.g. a SQL string stored as text). */
export type Expect = "4xx" | "non-5xx" | readonly number[];

export interface BadCase {
  category: Category;
  name: string;
  endpoint: Endpoint;
  method: string;
  /** Raw values for the path's `:params` (already URL-encoded); the rest are resolved at run time. */
  params?: Record<string, string>;
  /** A whole path to request instead of the endpoint's. */
  rawPath?: string;
  /** Appended as is, e.g. `?limit=abc`. */
  query?: string;
  auth: Auth;
  headers?: Record<string, string>;
  body: Body;
  expect: Expect;
  /** A status that must not be the answer, e.g. 413 for a body just under the limit. */
  not?: number;
}

const DEFAULT: Auth = { kind: "default" };
const json = (value: () => unknown): Body => ({ kind: "json", value });
const text = (t: string, contentType: string | null = "application/json"): Body => ({ kind: "text", text: () => t, contentType });

/** A case for `e` with its default caller and a valid body, overridden by `c`. */
function make(e: Endpoint, category: Category, label: string, c: Partial<BadCase> = {}): BadCase {
  return {
    category,
    name: `${category}: ${e.key} — ${label}`,
    endpoint: e,
    method: e.method,
    auth: DEFAULT,
    body: hasBody(e) ? json(() => validBody(e)) : { kind: "none" },
    expect: "non-5xx",
    ...c,
  };
}

const MALFORMED: [string, string][] = [
  ["unterminated object", '{"model": "demo/echo", "messages": ['],
  ["truncated string", '{"name": "abc'],
  ["trailing comma", '{"a": 1,}'],
  ["single quotes", "{'a': 1}"],
  ["bare word", "hello"],
  ["NaN literal", '{"a": NaN}'],
  ["undefined literal", '{"a": undefined}'],
  ["two documents", '{"a":1}{"b":2}'],
  ["comment", '{"a": 1 /* no */}'],
  ["unescaped control char", '{"a": "line\nbreak"}'],
  ["only a brace", "}"],
  ["lone escape", '{"a": "\\u12"}'],
];

const TOP_LEVEL: [string, string][] = [
  ["array", "[]"],
  ["array of object", '[{"model":"demo/echo"}]'],
  ["string", '"a string"'],
  ["number", "42"],
  ["null", "null"],
  ["true", "true"],
];

const CONTENT_TYPES: [label: string, contentType: string | null, strictRefusal: boolean][] = [
  ["text/plain", "text/plain", true],
  ["form-urlencoded", "application/x-www-form-urlencoded", true],
  ["multipart", "multipart/form-data; boundary=xyz", true],
  ["application/jsonfoo", "application/jsonfoo", true],
  ["missing Content-Type", null, false],
  ["upper case, charset utf-16 on a utf-8 body", "APPLICATION/JSON; charset=utf-16", false],
  ["vendor +json", "application/vnd.api+json", false],
  ["8 KB parameter, list of types", `application/json; x=${"a".repeat(8192)}, text/html`, false],
];

/** Stands for 10,000 nested objects, spliced into the JSON text (too deep to build as a value). */
const DEEP = "@@DEEP@@";

/** A value whose String() throws: `{"toString": 1}` has a toString that is not a function. */
const UNPRINTABLE = { toString: 1, valueOf: 1 };

type Shape = [label: string, fields: Record<string, unknown>, expect: Expect];

/** OpenAI chat bodies that pass (or nearly pass) the loose schema with odd shapes inside. */
const OPENAI_SHAPES: Shape[] = [
  ["image_url null", { messages: [{ role: "user", content: [{ type: "image_url", image_url: null }] }] }, [400]],
  ["image url unprintable", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: UNPRINTABLE } }] }] }, [400]],
  ["text part unprintable", { messages: [{ role: "user", content: [{ type: "text", text: UNPRINTABLE }] }] }, [400]],
  ["text part null", { messages: [{ role: "user", content: [{ type: "text", text: null }] }] }, [400]],
  ["malformed data URL", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,@@@" } }] }] }, "non-5xx"],
  [
    "javascript: image URL",
    {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "x" },
            { type: "image_url", image_url: { url: "javascript:alert(1)" } },
          ],
        },
      ],
    },
    "non-5xx",
  ],
  [
    "unknown part type",
    { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "wav" }, text: UNPRINTABLE }] }] },
    "non-5xx",
  ],
  ["empty content array", { messages: [{ role: "user", content: [] }] }, "non-5xx"],
  ["null content", { messages: [{ role: "user", content: null }] }, "non-5xx"],
  ["tool result first, no id", { messages: [{ role: "tool", content: "result" }] }, "non-5xx"],
  [
    "tool call with arguments that are not JSON",
    {
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{not json" } }] },
        { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "r" }] },
        { role: "user", content: "y" },
      ],
    },
    "non-5xx",
  ],
  ["only a system message", { messages: [{ role: "system", content: "be brief" }] }, "non-5xx"],
  [
    "developer and repeated roles",
    {
      messages: [
        { role: "developer", content: "d" },
        { role: "user", content: "a" },
        { role: "user", content: "b" },
        { role: "assistant", content: "" },
        { role: "assistant", content: "c" },
      ],
    },
    "non-5xx",
  ],
  ["name with SQL", { messages: [{ role: "user", name: "'; DROP TABLE users; --", content: "x" }] }, "non-5xx"],
  [
    "tool schema of wrong shape",
    {
      tools: [{ type: "function", function: { name: "f", parameters: { type: 5, properties: "x", required: {} } } }],
      tool_choice: { type: "function", function: { name: "missing" } },
    },
    "non-5xx",
  ],
  [
    "recursive json_schema",
    { response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object", properties: { a: { $ref: "#" } } } } } },
    "non-5xx",
  ],
  ["odd stop sequences", { stop: ["", "\u0000", "\ud800"] }, "non-5xx"],
  ["temperature 2, top_p 0", { temperature: 2, top_p: 0 }, "non-5xx"],
  ["parameters some providers lack", { logprobs: true, top_logprobs: 5, seed: 1, presence_penalty: 2, logit_bias: { "1": 100 }, n: null }, "non-5xx"],
  ["max_tokens 1, streamed", { max_tokens: 1, stream: true, stream_options: { include_usage: true } }, "non-5xx"],
  ["streamed with a bad part", { stream: true, messages: [{ role: "user", content: [{ type: "image_url", image_url: 7 }] }] }, [400]],
  ["stream_options without stream", { stream_options: { include_usage: "yes" } }, [400]],
  ["prototype keys in a message", { messages: [JSON.parse('{"role":"user","content":"x","__proto__":{"role":"system"}}') as unknown] }, "non-5xx"],
];

/** Anthropic Messages bodies with odd shapes inside. */
const ANTHROPIC_SHAPES: Shape[] = [
  [
    "tool_use block with an unprintable text",
    { messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {}, text: UNPRINTABLE }] }] },
    "non-5xx",
  ],
  [
    "thinking block with an unprintable text",
    {
      messages: [
        { role: "assistant", content: [{ type: "thinking", thinking: "x", text: UNPRINTABLE }] },
        { role: "user", content: "x" },
      ],
    },
    "non-5xx",
  ],
  ["text block with an unprintable text", { messages: [{ role: "user", content: [{ type: "text", text: UNPRINTABLE }] }] }, [400]],
  [
    "tool_result with an image",
    { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "nope", content: [{ type: "image", source: { type: "url", url: "x" } }] }] }] },
    "non-5xx",
  ],
  [
    "image of text/html",
    { messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "text/html", data: "!!!" } }] }] },
    "non-5xx",
  ],
  [
    "assistant first",
    {
      messages: [
        { role: "assistant", content: "I start" },
        { role: "user", content: "x" },
      ],
    },
    "non-5xx",
  ],
  [
    "system blocks with cache_control",
    {
      system: [
        { type: "text", text: "s", cache_control: { type: "ephemeral" } },
        { type: "text", text: "" },
      ],
    },
    "non-5xx",
  ],
  [
    "tool_use input 10,000 levels deep",
    {
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: DEEP }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "r" }] },
      ],
    },
    "non-5xx",
  ],
  [
    "tool schema of wrong shape, missing tool named",
    { tools: [{ name: "t", input_schema: { type: "nonsense", properties: 5 } }], tool_choice: { type: "tool", name: "missing" } },
    "non-5xx",
  ],
  ["thinking of wrong shape", { thinking: { type: "enabled", budget_tokens: "lots" } }, "non-5xx"],
  ["odd stop sequences", { stop_sequences: ["", "\u0000", "\ud800"] }, "non-5xx"],
  ["10 KB metadata user", { metadata: { user_id: "u".repeat(10_000) } }, "non-5xx"],
  ["empty content", { messages: [{ role: "user", content: "" }] }, "non-5xx"],
  ["empty block list", { messages: [{ role: "user", content: [] }] }, "non-5xx"],
  ["top_k 1e9, streamed", { top_k: 1_000_000_000, stream: true }, "non-5xx"],
];

/** Every case, generated from the endpoint lists. */
export function buildCorpus(): BadCase[] {
  const cases: BadCase[] = [];
  const add = (c: BadCase) => cases.push(c);

  for (const e of ENDPOINTS) {
    const body = hasBody(e);
    const jsonBody = parsesJson(e);
    const schema = e.doc.body;
    const info = schema ? schemaInfo(schema) : undefined;
    const clientError: Expect = jsonBody ? [400] : "non-5xx";

    // Bodies that are not JSON, or not an object.
    if (body) {
      // An endpoint that ignores its body (or reads it raw, like a webhook) gets a sample of each kind.
      for (const [label, raw] of jsonBody ? MALFORMED : MALFORMED.slice(0, 3)) add(make(e, "malformed-json", label, { body: text(raw), expect: clientError }));
      for (const [label, raw] of jsonBody ? TOP_LEVEL : TOP_LEVEL.slice(0, 2)) add(make(e, "wrong-top-level", label, { body: text(raw), expect: clientError }));
      add(
        make(e, "malformed-json", "UTF-16 encoded body", {
          body: { kind: "bytes", bytes: () => utf16(JSON.stringify(validBody(e))), contentType: "application/json; charset=utf-16" },
          expect: clientError,
        }),
      );
    }

    // Field by field, from the schema.
    if (info) {
      for (const field of info.fields) {
        for (const [label, value] of wrongValues(field)) {
          add(make(e, "wrong-type", `${field.name} as ${label}`, { body: json(() => ({ ...validBody(e), [field.name]: value })), expect: [400] }));
        }
        const stringy = field.kinds.has("string") || field.itemKinds.has("string");
        if (stringy) {
          const asArray = !field.kinds.has("string");
          for (const [category, label, value] of STRING_VALUES) {
            add(
              make(e, category, `${field.name} = ${label}`, {
                body: json(() => ({ ...validBody(e), [field.name]: asArray ? [value()] : value() })),
                expect: "non-5xx",
              }),
            );
          }
        }
      }
      for (const name of info.required) {
        add(
          make(e, "missing-field", `without ${name}`, {
            body: json(() => {
              const b = validBody(e);
              delete b[name];
              return b;
            }),
            expect: [400],
          }),
        );
      }
      if (info.required.length) add(make(e, "missing-field", "empty object", { body: json(() => ({})), expect: [400] }));
      if (info.required.length) add(make(e, "missing-field", "empty body", { body: text("", "application/json"), expect: [400] }));
      if (info.strict) {
        add(make(e, "unknown-field", "extra field", { body: json(() => ({ ...validBody(e), unexpected_field: 1 })), expect: [400] }));
        add(make(e, "unknown-field", "tenant_id smuggled in", { body: json(() => ({ ...validBody(e), tenant_id: "ten_other", id: "x" })), expect: [400] }));
      }
      // Prototype keys are data, never object machinery, whether the schema is strict or not.
      add(
        make(e, "unknown-field", "__proto__ and constructor keys", {
          body: text(spliceJson(validBody(e), '"__proto__":{"isOperator":true,"role":"owner"},"constructor":{"prototype":{"op":true}}')),
          expect: info.strict ? [400] : "non-5xx",
        }),
      );
    }

    // Bodies at and just over the limit, with and without Content-Length.
    if (body) {
      const limit = bodyLimitFor(e.path);
      add(
        make(e, "huge-body", "limit + 1 bytes, Content-Length", {
          body: { kind: "bytes", bytes: () => paddedJson(limit + 1), contentType: "application/json" },
          expect: [413],
        }),
      );
      add(
        make(e, "huge-body", "limit + 1 bytes, streamed", {
          body: { kind: "stream", stream: () => paddedStream(limit + 1), contentType: "application/json" },
          expect: [413],
        }),
      );
      add(
        make(e, "huge-body", "exactly the limit", {
          body: { kind: "bytes", bytes: () => paddedJson(limit), contentType: "application/json" },
          expect: "non-5xx",
          not: 413,
        }),
      );
    }

    // Deep nesting: the whole body, and inside a field.
    if (body) {
      add(make(e, "deep-nesting", "10,000 nested arrays", { body: text(deepArray(10_000)), expect: clientError }));
      add(make(e, "deep-nesting", "10,000 nested objects", { body: text(deepObject(10_000)), expect: clientError }));
      add(
        make(e, "deep-nesting", "100,000 nested arrays in a field", {
          body: text(spliceJson(validBody(e), `"nested":${deepArray(100_000)}`)),
          expect: info?.strict ? [400] : "non-5xx",
        }),
      );
      const first = info?.fields.find((f) => f.kinds.has("string") && !f.kinds.has("object"));
      if (first)
        add(
          make(e, "deep-nesting", `10,000 levels as ${first.name}`, {
            body: text(JSON.stringify({ ...validBody(e), [first.name]: "@@" }).replace('"@@"', deepObject(10_000))),
            expect: [400],
          }),
        );
    }

    // Raw invalid UTF-8 in the body.
    if (body) {
      for (const [label, bytes] of jsonBody ? BAD_UTF8 : BAD_UTF8.slice(0, 2)) {
        add(
          make(e, "invalid-utf8", label, {
            body: { kind: "bytes", bytes: () => withRawBytes(validBody(e), bytes), contentType: "application/json" },
            expect: "non-5xx",
          }),
        );
      }
      add(
        make(e, "invalid-utf8", "UTF-8 BOM before the JSON", {
          body: {
            kind: "bytes",
            bytes: () => new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(validBody(e)))]),
            contentType: "application/json",
          },
          expect: "non-5xx",
        }),
      );
    }

    // Content-Type tricks, on a valid body.
    if (body) {
      for (const [label, contentType, strictRefusal] of jsonBody ? CONTENT_TYPES : CONTENT_TYPES.slice(0, 2)) {
        add(
          make(e, "content-type", label, {
            body: { kind: "bytes", bytes: () => new TextEncoder().encode(JSON.stringify(validBody(e))), contentType },
            expect: strictRefusal && jsonBody ? [400] : "non-5xx",
          }),
        );
      }
    }

    // Path parameters: SQL, traversal, encodings.
    for (const param of paramsOf(e.path)) {
      const values: [Category, string, string][] = [
        ...SQL_INJECTIONS.map(([label, v]): [Category, string, string] => ["sql-injection", label, encodeURIComponent(v)]),
        ["path-traversal", "..%2F..%2Fkeys", "..%2F..%2Fkeys"],
        ["path-traversal", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"],
        ["path-traversal", "double-encoded %252e%252e%252f", "%252e%252e%252fapi%252fkeys"],
        ["path-traversal", "NUL %00 and backslashes", "key%00..%5C..%5C"],
        ["path-traversal", "invalid percent %ZZ", "%ZZ%"],
        ["path-traversal", "percent-encoded invalid UTF-8", "%ED%A0%80%C0%AF"],
        ["path-traversal", "10,000 characters", "k".repeat(10_000)],
        ["path-traversal", "emoji", encodeURIComponent("👩‍👩‍👧")],
      ];
      for (const [category, label, value] of values) {
        add(make(e, category, `:${param} = ${label}`, { params: { [param]: value }, expect: NAME_PARAMS.has(param) ? [200, 400, 404] : [400, 404] }));
      }
    }

    // Query strings, from the query schema.
    const query = e.doc.query ? schemaInfo(e.doc.query) : undefined;
    for (const field of query?.fields ?? []) {
      const values: [Category, string, string, Expect][] = [
        ["sql-injection", "quote-or", encodeURIComponent("' OR '1'='1"), "non-5xx"],
        ["sql-injection", "drop-table", encodeURIComponent("1; DROP TABLE request_log; --"), "non-5xx"],
        ["query-edge", "10,000 characters", "9".repeat(10_000), "non-5xx"],
        ["query-edge", "NUL and invalid percent", "%00%ZZ", "non-5xx"],
        ["query-edge", "-1e400", "-1e400", "non-5xx"],
        ["query-edge", "repeated, lone surrogate", `%ED%A0%80&${field.name}=2`, "non-5xx"],
      ];
      if (field.enumerated || field.kinds.has("integer") || field.kinds.has("number"))
        values.push(["query-edge", "not a choice or number", "not-valid", [400]]);
      for (const [category, label, value, expect] of values) {
        add(make(e, category, `?${field.name}= ${label}`, { query: `?${field.name}=${value}`, expect }));
      }
    }

    // Bad credentials, on every endpoint that needs them.
    if (isGuarded(e)) {
      const raw: [string, Record<string, string>][] = [
        ["no Authorization", {}],
        ["'Bearer' alone", { authorization: "Bearer" }],
        ["Basic", { authorization: "Basic dXNlcjpwYXNzd29yZA==" }],
        ["not a JWT", { authorization: "Bearer not.a.jwt" }],
        ["Token scheme", { authorization: "Token abc" }],
        ["latin-1 bytes", { authorization: "Bearer \u00ff\u00fe\u00e9" }],
        ["64 KB token", { authorization: `Bearer ${"a".repeat(65_536)}` }],
      ];
      for (const [label, headers] of raw)
        add(make(e, "bad-auth", label, { auth: { kind: "headers", headers }, body: hasBody(e) ? json(() => ({})) : { kind: "none" }, expect: [401] }));
      const named: NamedCredential[] = [
        "alg-none",
        "expired",
        "wrong-signature",
        "hs512",
        "wrong-issuer",
        "missing-claims",
        "tampered-claims",
        "deleted-user",
        "removed-member",
        "foreign-tenant-claim",
        "api-key-as-bearer",
        "live-ticket-as-bearer",
        "two-tokens",
      ];
      for (const name of named)
        add(make(e, "bad-auth", name, { auth: { kind: "named", name }, body: hasBody(e) ? json(() => ({})) : { kind: "none" }, expect: [401] }));
    }
    if (e.gateway) {
      const raw: [string, Record<string, string>][] = [
        ["no key", {}],
        ["'Bearer' alone", { authorization: "Bearer" }],
        ["Basic", { authorization: "Basic dXNlcjpwYXNzd29yZA==" }],
        ["unknown key", { authorization: "Bearer sk-agg-doesnotexist000000000000000000000000000" }],
        ["300-character key", { authorization: `Bearer sk-agg-${"a".repeat(300)}` }],
        ["wrong x-api-key", { "x-api-key": "sk-ant-wrong" }],
        ["blank x-api-key", { "x-api-key": "   " }],
        ["latin-1 bytes", { authorization: "Bearer sk-\u00ff\u00e9" }],
        ["key with a space inside", { authorization: "Bearer sk-agg a" }],
      ];
      for (const [label, headers] of raw) add(make(e, "bad-auth", label, { auth: { kind: "headers", headers }, expect: [401] }));
      const named: NamedCredential[] = ["access-token-as-key", "revoked-key", "expired-key", "key-plus-junk", "wrong-bearer-right-x-api-key"];
      for (const name of named) add(make(e, "bad-auth", name, { auth: { kind: "named", name }, expect: [401] }));
    }

    // Header values a client can send: CRLF is refused by the runtime before it reaches us.
    if (body) {
      add(make(e, "header-injection", "CRLF in a header value", { headers: { "x-note": "a\r\nset-cookie: agg_refresh=stolen" }, expect: "non-5xx" }));
      add(
        make(e, "header-injection", "spoofed client ip", {
          headers: { "cf-connecting-ip": "'; DROP TABLE throttle; --", "x-forwarded-for": "127.0.0.1, ::1, <script>" },
          expect: "non-5xx",
        }),
      );
      add(make(e, "header-injection", "100 KB User-Agent", { headers: { "user-agent": "u".repeat(100_000) }, expect: "non-5xx" }));
      add(make(e, "header-injection", "odd Idempotency-Key", { headers: { "idempotency-key": `\u00ff'; --${"k".repeat(300)}` }, expect: "non-5xx" }));
      add(
        make(e, "header-injection", "undecodable refresh cookie", {
          headers: { cookie: `agg_refresh=%E0%A4%A%ZZ; agg_refresh=${"c".repeat(5000)}; \u00ff=\u00fe` },
          expect: "non-5xx",
        }),
      );
      add(
        make(e, "header-injection", "forged webhook signatures", {
          headers: {
            "stripe-signature": "t=99999999999999999999,v1=zz,v1=,t=",
            "paypal-transmission-id": "' OR 1=1 --",
            "paypal-transmission-sig": "%%%",
            "paypal-cert-url": "http://127.0.0.1:1/cert.pem",
            "paypal-auth-algo": "none",
            "paypal-transmission-time": "yesterday",
          },
          expect: "non-5xx",
        }),
      );
    }
  }

  // Methods an endpoint's path does not answer.
  const byPath = new Map<string, { endpoint: Endpoint; methods: Set<string> }>();
  for (const e of ENDPOINTS) {
    const entry = byPath.get(e.path) ?? { endpoint: e, methods: new Set<string>() };
    entry.methods.add(e.method);
    byPath.set(e.path, entry);
  }
  for (const { endpoint, methods } of byPath.values()) {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"]) {
      if (methods.has(method)) continue;
      add({
        category: "wrong-method",
        name: `wrong-method: ${method} ${endpoint.path}`,
        endpoint,
        method,
        auth: DEFAULT,
        body: BODY_METHODS.has(method) ? json(() => ({})) : { kind: "none" },
        // /v1 answers CORS preflights (204, no body) for browser clients; /api has no CORS.
        expect: method === "OPTIONS" && endpoint.gateway ? [204] : "4xx",
      });
    }
  }

  // Models and providers that do not exist, in every /v1 body that names one (MCP messages name none).
  const models: [string, string][] = [
    ["unknown provider", "nope/gpt-4o"],
    ["unknown model of a known provider", "demo/does-not-exist"],
    ["no provider", "gpt-4o"],
    ["slash only", "/"],
    ["trailing slash", "demo/"],
    ["traversal", "../../demo/echo"],
    ["SQL", "demo/echo' OR '1'='1"],
    ["257 characters", `demo/${"m".repeat(252)}`],
    ["empty", ""],
    ["whitespace", "   "],
    ["unicode", "demo/écho\u202e"],
    ["an embedding model for chat", "demo/embed"],
  ];
  for (const e of ENDPOINTS.filter((x) => x.gateway && hasBody(x) && x.path !== "/mcp")) {
    for (const [label, model] of models) {
      if (model === "demo/embed" && !["/v1/chat/completions", "/v1/messages"].includes(e.path)) continue;
      add(make(e, "unknown-model", label, { body: json(() => ({ ...validBody(e), model })), expect: "4xx" }));
    }
  }

  // Inside /v1 messages, where the schemas are loose and the text reaches a provider: against the
  // demo model and against a provider of every wire format (the request is translated to it).
  for (const e of ENDPOINTS.filter((x) => x.gateway && ["/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens"].includes(x.path))) {
    for (const model of CHAT_TARGETS) {
      for (const [category, label, value] of STRING_VALUES) {
        add(
          make(e, category, `${model} messages[0].content = ${label}`, {
            body: json(() => ({ ...validBody(e), model, messages: [{ role: "user", content: value() }] })),
            expect: "non-5xx",
          }),
        );
      }
      const shapes = e.path === "/v1/chat/completions" ? OPENAI_SHAPES : ANTHROPIC_SHAPES;
      for (const [label, extra, expect] of shapes) {
        const raw = () => JSON.stringify({ ...validBody(e), model, ...extra }).replace(JSON.stringify(DEEP), deepObject(10_000));
        add(make(e, "translation", `${model} ${label}`, { body: { kind: "text", text: raw, contentType: "application/json" }, expect }));
      }
    }
    add(
      make(e, "deep-nesting", "100,000 levels in a tool schema", {
        body: text(
          spliceJson(
            validBody(e),
            `"tools":[{"type":"function","name":"t","input_schema":{"type":"object"},"function":{"name":"t","parameters":{"deep":${deepObject(100_000)}}}}]`,
          ),
        ),
        expect: "non-5xx",
      }),
    );
    add(make(e, "wrong-type", "messages[0] as a string", { body: json(() => ({ ...validBody(e), messages: ["hello"] })), expect: [400] }));
    add(
      make(e, "wrong-type", "messages[0].role unknown", {
        body: json(() => ({ ...validBody(e), messages: [{ role: "wizard", content: "x" }] })),
        expect: [400],
      }),
    );
    add(make(e, "wrong-type", "content as a number", { body: json(() => ({ ...validBody(e), messages: [{ role: "user", content: 42 }] })), expect: [400] }));
    add(
      make(e, "wrong-type", "content part without type", {
        body: json(() => ({ ...validBody(e), messages: [{ role: "user", content: [{ text: "x" }] }] })),
        expect: [400],
      }),
    );
    add(
      make(e, "wrong-type", "10,000 empty messages", {
        body: json(() => ({ ...validBody(e), messages: Array.from({ length: 10_000 }, () => ({ role: "user", content: "" })) })),
        expect: "non-5xx",
      }),
    );
  }
  const chat = ENDPOINTS.find((x) => x.key === "POST /v1/chat/completions")!;
  const outputs: [string, number, boolean][] = [
    ["max_tokens 2^31-1", 2 ** 31 - 1, false],
    ["max_tokens 2^53", 2 ** 53, false],
    ["max_tokens 50 million", 50_000_000, false],
    ["max_tokens 50 million, streamed", 50_000_000, true],
  ];
  for (const [label, n, stream] of outputs) {
    add(
      make(chat, "string-edge", `demo/lorem ${label}`, {
        body: json(() => ({ model: "demo/lorem", max_tokens: n, stream, messages: [{ role: "user", content: "x" }] })),
        expect: "4xx",
      }),
    );
  }
  const messages = ENDPOINTS.find((x) => x.key === "POST /v1/messages")!;
  add(
    make(messages, "string-edge", "demo/lorem max_tokens 50 million", {
      body: json(() => ({ model: "demo/lorem", max_tokens: 50_000_000, messages: [{ role: "user", content: "x" }] })),
      expect: "4xx",
    }),
  );
  const embeddings = ENDPOINTS.find((x) => x.key === "POST /v1/embeddings")!;
  add(
    make(embeddings, "wrong-type", "2,049 inputs", {
      body: json(() => ({ model: "demo/embed", input: Array.from({ length: 2049 }, () => "x") })),
      expect: [400],
    }),
  );
  add(make(embeddings, "wrong-type", "dimensions 1e9", { body: json(() => ({ model: "demo/embed", input: "x", dimensions: 1e9 })), expect: [400] }));
  add(make(embeddings, "wrong-type", "input of numbers", { body: json(() => ({ model: "demo/embed", input: [1, 2, 3] })), expect: [400] }));

  const responses = ENDPOINTS.find((x) => x.key === "POST /v1/responses")!;
  const responseItems: [string, unknown][] = [
    ["unknown input item type", [{ type: "telepathy", content: "x" }]],
    ["function_call_output without its call", [{ type: "function_call_output", call_id: "call_nowhere", output: "x" }]],
    ["function_call without arguments", [{ type: "function_call", call_id: "c1", name: "f" }]],
    ["content part of unknown type", [{ role: "user", content: [{ type: "input_hologram", data: "x" }] }]],
    ["message of unknown role", [{ role: "narrator", content: "x" }]],
    ["item that is a string", ["hello"]],
  ];
  for (const model of CHAT_TARGETS) {
    for (const [label, input] of responseItems) {
      add(make(responses, "wrong-type", `${label} (${model})`, { body: json(() => ({ model, input })), expect: "4xx" }));
    }
  }
  add(
    make(responses, "wrong-type", "previous_response_id that never existed", {
      body: json(() => ({ model: "demo/echo", input: "x", previous_response_id: "resp_never0000" })),
      expect: [404],
    }),
  );

  // Paths under /v1 and /api that do not exist.
  const v1Models = ENDPOINTS.find((x) => x.key === "GET /v1/models")!;
  const health = ENDPOINTS.find((x) => x.key === "GET /api/health")!;
  for (const [label, path] of [
    ["unknown /v1 path", "/v1/completions"],
    ["/v1 traversal", "/v1/..%2F..%2Fapi%2Fkeys"],
    ["/v1 messages sub-path", "/v1/messages/batches"],
    ["/v1 messages encoded", "/v1/messages%2Fcount_tokens"],
  ] as const) {
    add({
      category: "path-traversal",
      name: `path-traversal: ${label}`,
      endpoint: v1Models,
      method: "POST",
      rawPath: path,
      auth: DEFAULT,
      body: json(() => ({})),
      expect: [404],
    });
  }
  for (const [label, path] of [
    ["unknown /api path", "/api/nope"],
    ["/api traversal", "/api/keys/..%2F..%2F..%2Fetc%2Fpasswd"],
    ["/api double slash", "//api//keys"],
    ["/api trailing dot segments", "/api/keys/%2e%2e/%2e%2e/users"],
  ] as const) {
    add({
      category: "path-traversal",
      name: `path-traversal: ${label}`,
      endpoint: health,
      method: "GET",
      rawPath: path,
      auth: { kind: "none" },
      body: { kind: "none" },
      expect: "4xx",
    });
  }

  return cases;
}

function utf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

// ── what every error answer must be (shared with test/fuzz.test.ts) ───────────────────────

/** The error format a client of this URL expects (decided here, not by the code under test). */
export function formatOf(url: string): ErrorFormat {
  let path = new URL(url).pathname;
  try {
    path = decodeURI(path);
  } catch {
    // left encoded
  }
  return errorFormatFor(path);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const sameKeys = (o: Record<string, unknown>, keys: string[]) => JSON.stringify(Object.keys(o).sort()) === JSON.stringify([...keys].sort());

/** JSON-RPC 2.0: { jsonrpc: "2.0", id, error: { code: integer, message, data? } }. */
function jsonRpcErrorProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const e = body.error as Record<string, unknown>;
  if (!sameKeys(body, ["jsonrpc", "id", "error"]) || body.jsonrpc !== "2.0") problems.push("JSON-RPC: not { jsonrpc: '2.0', id, error }");
  if (!Number.isInteger(e.code)) problems.push("JSON-RPC: error.code is not an integer");
  if (typeof e.message !== "string" || e.message === "") problems.push("JSON-RPC: error.message");
  return problems;
}

/** What is wrong with an error body for the format (empty: nothing). */
export function errorShapeProblems(body: unknown, format: ErrorFormat): string[] {
  const problems: string[] = [];
  if (!isObject(body) || !isObject(body.error)) return ["not { error: { … } }"];
  if (format === "mcp") return jsonRpcErrorProblems(body);
  const e = body.error;
  if (typeof e.message !== "string" || e.message === "") problems.push("error.message is not a non-empty string");
  switch (format) {
    case "openai":
      if (!sameKeys(body, ["error"])) problems.push("OpenAI: more than { error }");
      if (!sameKeys(e, ["message", "type", "param", "code"])) problems.push("OpenAI: error is not { message, type, param, code }");
      if (typeof e.type !== "string") problems.push("OpenAI: error.type");
      if (e.param !== null && typeof e.param !== "string") problems.push("OpenAI: error.param");
      if (e.code !== null && typeof e.code !== "string") problems.push("OpenAI: error.code");
      break;
    case "anthropic":
      if (!sameKeys(body, ["type", "error"]) || body.type !== "error") problems.push("Anthropic: not { type: 'error', error }");
      if (!sameKeys(e, ["type", "message"]) || typeof e.type !== "string") problems.push("Anthropic: error is not { type, message }");
      break;
    case "api":
      if (!sameKeys(body, ["error"])) problems.push("ours: more than { error }");
      if (typeof e.code !== "string") problems.push("ours: error.code is not a string");
      break;
  }
  return problems;
}

const INTERNALS = [
  /\n\s*at\s/,
  /\\n\s*at\s/,
  /\bat\s+[\w$.<>]+\s+\(/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /\/work\//,
  /\b(?:Type|Range|Reference|Syntax|Eval|URI|Aggregate)Error\b/,
  /\bError:\s/,
  /D1_ERROR|SQLITE_|no such table|no such column/i,
];

/** Stack frames, file paths, JS error names and SQL errors found in an error body. */
export function internalsIn(text: string): string[] {
  return INTERNALS.filter((pattern) => pattern.test(text)).map(String);
}
