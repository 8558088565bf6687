// Property-based fuzzing of the request schemas (fast-check): arbitrary JSON, raw bytes and
// mutations of valid bodies for /v1/chat/completions, /v1/messages, /v1/embeddings and a few
// /api bodies (keys, providers, routes, prices, auth/login). Whatever the body: never a 5xx, and
// an error is JSON in the caller's format with no stack trace. /v1 bodies go to the demo model
// and to a provider of every wire format (test/mocks/upstream.ts), so translations are fuzzed too.
// Runs are bounded (RUNS per property) and seeded, so a CI run is reproducible; change SEED to
// explore other inputs. fast-check reports a failure's seed and path: put them in `settings`
// to replay it.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CHAT_TARGETS, MOCK_PROVIDERS, errorShapeProblems, formatOf, internalsIn } from "./kit/bad-input-corpus.ts";
import { API_KEY, type Member, TENANT_ID, call, createMember, createTenant, jsonInit } from "./kit/fixtures.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

const RUNS = 200;
const SEED = 20_261_124;
const settings: fc.Parameters<unknown> = { numRuns: RUNS, seed: SEED };

type Json = fc.JsonValue;

// ── generators ────────────────────────────────────────────────────────────────────────────

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil\u202c",
  "👩‍👩‍👧‍👦",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "__proto__",
  "constructor",
  "toString",
  "x".repeat(5000),
  "data:image/png;base64,@@",
  "http://127.0.0.1:1/",
  "2099-01-01T00:00:00Z",
  "text",
  "image_url",
  "tool_use",
  "tool_result",
  "thinking",
  "image",
  "function",
  "system",
  "assistant",
  "tool",
  "demo/lorem",
  "demo/embed",
  ...CHAT_TARGETS,
];

const nastyString = fc.constantFrom(...NASTY_STRINGS);
const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), nastyString);
const nastyNumber = fc.constantFrom(0, -1, 1, 1.5, -0, 1e308, -1e308, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 65_536, 65_537);
const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3, stringUnit: "binary" });

/** Values code tends to trip over: null, empty containers, and an object whose String() throws. */
const special: fc.Arbitrary<Json> = fc.constantFrom<Json>(null, { toString: 1, valueOf: 1 }, {}, [], true, 0, { type: "text" }, [{ type: "text", text: 5 }]);

/** A leaf to put anywhere: any JSON, a nasty string or number, or a special value. */
const leaf: fc.Arbitrary<Json> = fc.oneof(
  { weight: 2, arbitrary: jsonValue },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: nastyNumber },
  { weight: 3, arbitrary: special },
);

interface Mutation {
  /** Picks a child at each level (index modulo the number of children). */
  steps: number[];
  op: "tweak" | "set" | "delete" | "add" | "wrap-array" | "wrap-object" | "clone-sibling";
  key: string;
  value: Json;
  /** For `tweak`: a value of the same type as the one replaced, so the body often stays valid. */
  text: string;
  number: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  steps: fc.array(fc.nat(20), { maxLength: 4 }),
  op: fc.constantFrom("tweak", "tweak", "tweak", "tweak", "set", "set", "delete", "add", "wrap-array", "wrap-object", "clone-sibling"),
  key: anyString,
  value: leaf,
  text: anyString,
  number: fc.oneof(nastyNumber, fc.integer({ min: 0, max: 300 })),
});

type Container = Json[] | { [key: string]: Json };
const isContainer = (v: Json | undefined): v is Container => typeof v === "object" && v !== null;

function apply(body: Json, m: Mutation): Json {
  const root: Json = structuredClone(body);
  if (!isContainer(root)) return m.value;
  // Walk down to a container and one of its slots.
  let parent: Container = root;
  let slot: string | number | undefined;
  for (const step of m.steps) {
    const keys: (string | number)[] = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
    if (!keys.length) break;
    const key = keys[step % keys.length]!;
    const child: Json | undefined = Array.isArray(parent) ? parent[key as number] : parent[key as string];
    if (isContainer(child) && step % 3 !== 0) parent = child;
    else {
      slot = key;
      break;
    }
  }
  const get = (k: string | number): Json | undefined => (Array.isArray(parent) ? parent[k as number] : parent[k as string]);
  const set = (k: string | number, v: Json) => {
    if (Array.isArray(parent)) parent[Number(k) || 0] = v;
    else parent[String(k)] = v;
  };
  const target = slot ?? (Array.isArray(parent) ? 0 : (Object.keys(parent)[0] ?? m.key));
  switch (m.op) {
    case "tweak": {
      const current = get(target);
      const same: Json =
        typeof current === "string"
          ? m.text
          : typeof current === "number"
            ? m.number
            : typeof current === "boolean"
              ? !current
              : Array.isArray(current)
                ? [...current, ...current.slice(0, 1)]
                : isContainer(current)
                  ? { ...current, [m.key]: m.value }
                  : m.value;
      set(target, same);
      break;
    }
    case "set":
      set(target, m.value);
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(target) || 0, 1);
      else delete parent[String(target)];
      break;
    case "add":
      if (Array.isArray(parent)) parent.push(m.value);
      else parent[m.key] = m.value;
      break;
    case "wrap-array":
      set(target, [get(target) ?? null]);
      break;
    case "wrap-object":
      set(target, { [m.key]: get(target) ?? null });
      break;
    case "clone-sibling":
      if (Array.isArray(parent)) parent.push(structuredClone(get(target) ?? null));
      else parent[m.key] = structuredClone(get(target) ?? null);
      break;
  }
  return root;
}

/** A valid body and up to three mutations of it; or, a fifth of the time, any JSON at all. */
function bodies(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 1, arbitrary: jsonValue },
    { weight: 4, arbitrary: fc.tuple(valid, fc.array(mutation, { maxLength: 3 })).map(([body, ms]) => ms.reduce(apply, body)) },
  );
}

/** A generated value as plain JSON (a fresh copy, no readonly tuples). */
const asJson = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Json> => arbitrary.map((v) => JSON.parse(JSON.stringify(v)) as Json);

const chatModel = fc.constantFrom(...CHAT_TARGETS, "demo/lorem");
/** A few odd members merged into a part or block: what a loose schema lets through. */
const extras = fc.dictionary(fc.constantFrom("text", "image_url", "input", "source", "content"), leaf, { minKeys: 1, maxKeys: 1 });
const withExtras = <T extends object>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 2, arbitrary }, { weight: 1, arbitrary: fc.tuple(arbitrary, extras).map(([v, x]) => ({ ...v, ...x })) });
const imageUrl = fc.oneof(fc.constantFrom("https://example.com/cat.png", "data:image/png;base64,iVBORw0KGgo=", "data:;base64,"), anyString);

/** OpenAI content parts: mostly well formed, some not. */
const openaiPart = withExtras(
  fc.oneof(
    fc.record({ type: fc.constant("text"), text: fc.oneof({ weight: 2, arbitrary: anyString }, { weight: 1, arbitrary: leaf }) }),
    fc.record({
      type: fc.constant("image_url"),
      image_url: fc.oneof(
        { weight: 2, arbitrary: fc.record({ url: fc.oneof(imageUrl, leaf), detail: fc.constantFrom("auto", "low", "high") }, { requiredKeys: ["url"] }) },
        { weight: 1, arbitrary: leaf },
      ),
    }),
    fc.record({ type: anyString, text: leaf }, { requiredKeys: ["type"] }),
  ),
);

const toolCall = fc.record({
  id: fc.oneof(fc.constant("call_1"), anyString),
  type: fc.constant("function"),
  function: fc.record({ name: fc.oneof(fc.constant("get_weather"), anyString), arguments: fc.oneof(fc.constant('{"city":"Paris"}'), anyString) }),
});

const openaiMessage = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        role: fc.constantFrom("user", "system", "developer"),
        content: fc.oneof(anyString, fc.array(openaiPart, { minLength: 1, maxLength: 3 })),
        name: anyString,
      },
      { requiredKeys: ["role", "content"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { role: fc.constant("assistant"), content: fc.oneof(anyString, fc.constant(null)), tool_calls: fc.array(toolCall, { maxLength: 2 }) },
      { requiredKeys: ["role"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        role: fc.constant("tool"),
        tool_call_id: fc.oneof(fc.constant("call_1"), anyString),
        content: fc.oneof(anyString, fc.array(openaiPart, { maxLength: 2 })),
      },
      { requiredKeys: ["role", "content"] },
    ),
  },
);

const validChat: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      model: chatModel,
      messages: fc
        .tuple(fc.array(openaiMessage, { maxLength: 3 }), fc.oneof(anyString, fc.array(openaiPart, { minLength: 1, maxLength: 2 })))
        .map(([rest, last]) => [...rest, { role: "user", content: last }]),
      max_tokens: fc.integer({ min: 1, max: 200 }),
      stream: fc.boolean(),
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      stop: fc.oneof(anyString, fc.array(anyString, { maxLength: 4 })),
      tools: fc.constant([{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }]),
      tool_choice: fc.constantFrom("auto", "none", "required", { type: "function", function: { name: "get_weather" } }),
      response_format: fc.constantFrom(
        { type: "text" },
        { type: "json_object" },
        { type: "json_schema", json_schema: { name: "r", schema: { type: "object" } } },
      ),
    },
    { requiredKeys: ["model", "messages"] },
  ),
);

/** Anthropic content blocks: mostly well formed, some not. */
const textBlock = fc.record(
  {
    type: fc.constant("text"),
    text: fc.oneof({ weight: 4, arbitrary: anyString }, { weight: 1, arbitrary: leaf }),
    cache_control: fc.constant({ type: "ephemeral" }),
  },
  { requiredKeys: ["type", "text"] },
);
const imageBlock = fc.record({
  type: fc.constant("image"),
  source: fc.oneof(
    fc.record({ type: fc.constant("base64"), media_type: fc.oneof(fc.constant("image/png"), anyString), data: anyString }),
    fc.record({ type: fc.constant("url"), url: imageUrl }),
    leaf,
  ),
});
const anthropicBlock = withExtras(
  fc.oneof(
    { weight: 3, arbitrary: textBlock },
    { weight: 1, arbitrary: imageBlock },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant("tool_use"),
        id: fc.oneof(fc.constant("toolu_1"), anyString),
        name: fc.oneof(fc.constant("get_weather"), anyString),
        input: leaf,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          type: fc.constant("tool_result"),
          tool_use_id: fc.oneof(fc.constant("toolu_1"), anyString),
          content: fc.oneof(anyString, fc.array(fc.oneof(textBlock, imageBlock), { maxLength: 2 })),
          is_error: fc.boolean(),
        },
        { requiredKeys: ["type", "tool_use_id"] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constantFrom("thinking", "redacted_thinking"), thinking: anyString, signature: anyString }, { requiredKeys: ["type"] }),
    },
  ),
);

const anthropicMessage = fc.record({
  role: fc.constantFrom("user", "assistant"),
  content: fc.oneof(anyString, fc.array(anthropicBlock, { minLength: 1, maxLength: 3 })),
});

const validMessages: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      model: chatModel,
      max_tokens: fc.integer({ min: 1, max: 200 }),
      messages: fc
        .tuple(fc.array(anthropicMessage, { maxLength: 3 }), fc.oneof(anyString, fc.array(anthropicBlock, { minLength: 1, maxLength: 2 })))
        .map(([rest, last]) => [...rest, { role: "user", content: last }]),
      system: fc.oneof(anyString, fc.array(textBlock, { maxLength: 2 })),
      stream: fc.boolean(),
      tools: fc.constant([{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }]),
      tool_choice: fc.constantFrom({ type: "auto" }, { type: "any" }, { type: "none" }, { type: "tool", name: "get_weather" }),
      stop_sequences: fc.array(anyString, { maxLength: 2 }),
      // Enabled thinking needs a budget of 1024 or more, below max_tokens (1..200 here): the API refuses it always.
      thinking: fc.constantFrom({ type: "enabled", budget_tokens: 1024 }, { type: "disabled" }, { type: "disabled" }),
    },
    { requiredKeys: ["model", "max_tokens", "messages"] },
  ),
);

const validEmbeddings: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      model: fc.constantFrom("demo/embed", "corpus-openai/text-embedding-3-small", "corpus-gemini/gemini-2.5-flash"),
      input: fc.oneof(anyString, fc.array(anyString, { minLength: 1, maxLength: 4 })),
      encoding_format: fc.constantFrom("float", "base64"),
      dimensions: fc.integer({ min: 1, max: 64 }),
    },
    { requiredKeys: ["model", "input"] },
  ),
);

let unique = 0;
const fresh = (prefix: string) => `${prefix}-${++unique}-${Date.now().toString(36)}`;

const validKey: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      name: anyString.map((s) => s || "key"),
      rpm_limit: fc.integer({ min: 1, max: 1000 }),
      models: fc.array(chatModel, { maxLength: 2 }),
      expires_at: fc.constant("2099-01-01T00:00:00Z"),
    },
    { requiredKeys: ["name"] },
  ),
);
const validProvider: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      name: fc.constant(null).map(() => fresh("fz")),
      kind: fc.constantFrom("openai", "anthropic", "gemini", "openai-compatible", "demo"),
      // A tenant's base_url must be public https (the operator's may be local: the mock's below).
      base_url: fc.constantFrom("https://llm.example.org", "https://example.com/v1"),
      api_key: anyString,
      models: fc.array(fc.constantFrom("echo", "gpt-4o-mini", "m"), { maxLength: 3 }),
      weight: fc.integer({ min: 0, max: 1000 }),
      enabled: fc.boolean(),
    },
    { requiredKeys: ["name", "kind"] },
  ),
);
const validRoute: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      alias: fc.constant(null).map(() => fresh("fz")),
      strategy: fc.constantFrom("fallback", "weighted", "lowest-latency"),
      targets: fc.array(fc.record({ model: chatModel, weight: fc.integer({ min: 1, max: 10 }) }, { requiredKeys: ["model"] }), { minLength: 1, maxLength: 3 }),
      retries: fc.integer({ min: 0, max: 5 }),
      timeout_ms: fc.integer({ min: 100, max: 600_000 }),
      cache_ttl_seconds: fc.integer({ min: 0, max: 86_400 }),
    },
    { requiredKeys: ["alias", "targets"] },
  ),
);
const validPrice: fc.Arbitrary<Json> = asJson(
  fc.record(
    {
      model: fc.constant(null).map(() => `fz/${fresh("m")}`),
      input_per_mtok_micros: fc.integer({ min: 0, max: 1_000_000 }),
      output_per_mtok_micros: fc.integer({ min: 0, max: 1_000_000 }),
      cached_input_per_mtok_micros: fc.integer({ min: 0, max: 1_000_000 }),
      source: anyString,
      effective_at: fc.constantFrom("2020-01-01T00:00:00Z", "2024-02-30T00:00:00+23:59"),
    },
    { requiredKeys: ["model", "input_per_mtok_micros", "output_per_mtok_micros"] },
  ),
);
const validLogin: fc.Arbitrary<Json> = asJson(fc.record({ email: fc.oneof(fc.emailAddress(), anyString), password: anyString.map((s) => s || "pw") }));

// ── checking an answer ────────────────────────────────────────────────────────────────────

let member: Member;
const authFor = (path: string): Record<string, string> =>
  path.startsWith("/v1") ? { authorization: `Bearer ${API_KEY}` } : path === "/api/auth/login" ? {} : member.headers;

const SECRETS = () => [API_KEY, env.JWT_SECRET, env.SECRETS_KEY, ...Object.values(UPSTREAM_KEYS)];

/** Sends the request; throws on a 5xx, a secret in the answer, or an error not in the caller's format. */
async function send(path: string, init: RequestInit, retried = false): Promise<number> {
  const res = await call(path, init);
  const contentType = res.headers.get("content-type") ?? "";
  const text = contentType.includes("text/event-stream") ? (await res.body?.cancel(), "") : await res.text();
  // The local mock upstream dropping an idle keep-alive connection is no input's doing: once more.
  if (res.status === 502 && !retried && /connection|network/i.test(text)) return send(path, init, true);
  const where = `${init.method ?? "GET"} ${path} → ${res.status} ${text.slice(0, 300)}\nbody: ${typeof init.body === "string" ? init.body.slice(0, 300) : "(bytes)"}`;
  expect(res.status, `no input may make a 5xx: ${where}`).toBeLessThan(500);
  for (const secret of SECRETS()) expect(text.includes(secret), `a secret in the answer: ${where}`).toBe(false);
  if (res.status >= 400) {
    expect(contentType, `errors are JSON: ${where}`).toMatch(/^application\/json/i);
    expect(errorShapeProblems(JSON.parse(text) as unknown, formatOf(`http://x${path}`)), where).toEqual([]);
    expect(internalsIn(text), where).toEqual([]);
  }
  return res.status;
}

const post = (path: string, body: Json) => send(path, jsonInit(body, authFor(path)));

/**
 * Runs a body property and checks the generator did its job: a good share of the bodies were
 * accepted (the fuzzing reached past validation, into providers and translations) and a good
 * share refused.
 */
async function fuzzBodies(path: string, valid: fc.Arbitrary<Json>, minAcceptedShare: number): Promise<void> {
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(bodies(valid), async (body) => {
      statuses.push(await post(path, body));
    }),
    settings,
  );
  const accepted = statuses.filter((s) => s < 300).length / statuses.length;
  const refused = statuses.filter((s) => s >= 400).length / statuses.length;
  expect(accepted, `${path}: share of fuzzed bodies accepted`).toBeGreaterThanOrEqual(minAcceptedShare);
  expect(refused, `${path}: share of fuzzed bodies refused`).toBeGreaterThanOrEqual(0.2);
}

// ── properties ────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  // The /api bodies are fuzzed in a tenant of their own: a fuzzed provider named like one the
  // /v1 properties call must not shadow it.
  member = await createMember("owner", await createTenant("fuzz"));
  const operator = await createMember("owner", TENANT_ID, { operator: true });
  const mock = `http://127.0.0.1:${env.UPSTREAM_PORT}`;
  for (const p of MOCK_PROVIDERS) {
    const models = p.flavor === "openai" ? [p.model, "text-embedding-3-small"] : [p.model];
    const res = await call(
      "/api/providers",
      jsonInit(
        { name: p.name, kind: p.kind, base_url: `${mock}/${p.flavor}${p.flavor === "openai" ? "/v1" : ""}`, api_key: UPSTREAM_KEYS[p.flavor], models },
        operator.headers,
      ),
    );
    expect(res.status, await res.text()).toBe(201);
  }
});

const PROPERTY_TIMEOUT = 60_000;

describe("fuzzed /v1 bodies never make a 5xx", () => {
  const cases: [string, fc.Arbitrary<Json>][] = [
    ["/v1/chat/completions", validChat],
    ["/v1/messages", validMessages],
    ["/v1/messages/count_tokens", validMessages],
    ["/v1/embeddings", validEmbeddings],
  ];
  it.each(cases)(
    "%s",
    async (path, valid) => {
      await fuzzBodies(path, valid, 0.1);
    },
    PROPERTY_TIMEOUT,
  );
});

describe("fuzzed /api bodies never make a 5xx", () => {
  const cases: [string, fc.Arbitrary<Json>, number][] = [
    ["/api/keys", validKey, 0.1],
    ["/api/providers", validProvider, 0.1],
    ["/api/routes", validRoute, 0.1],
    ["/api/prices", validPrice, 0.1],
    // Sign-in succeeds for no fuzzed credentials: every answer is a refusal.
    ["/api/auth/login", validLogin, 0],
  ];
  it.each(cases)(
    "%s",
    async (path, valid, minAccepted) => {
      await fuzzBodies(path, valid, minAccepted);
    },
    PROPERTY_TIMEOUT,
  );
});

describe("fuzzed raw requests never make a 5xx", () => {
  const paths = fc.constantFrom(
    "/v1/chat/completions",
    "/v1/messages",
    "/v1/embeddings",
    "/api/keys",
    "/api/providers",
    "/api/routes",
    "/api/prices",
    "/api/auth/login",
  );

  it(
    "raw bytes as the body",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          paths,
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.string({ unit: "binary", maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
          ),
          async (path, bytes) => {
            await send(path, { method: "POST", headers: { ...authFor(path), "content-type": "application/json" }, body: bytes });
          },
        ),
        settings,
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "arbitrary Content-Type and credentials",
    async () => {
      const header = fc.oneof(
        fc.string({ unit: "binary-ascii", maxLength: 60 }),
        fc.constantFrom("application/json", "Bearer", `Bearer ${API_KEY}`, "Basic x", "application/json; charset=utf-16"),
      );
      await fc.assert(
        fc.asyncProperty(paths, header, header, fc.boolean(), async (path, contentType, credential, asApiKeyHeader) => {
          const headers = new Headers();
          try {
            headers.set("content-type", contentType);
            headers.set(asApiKeyHeader ? "x-api-key" : "authorization", credential);
          } catch {
            return; // the runtime refuses the value (a control character): it never reaches us
          }
          const body = path.startsWith("/v1")
            ? { model: "demo/echo", max_tokens: 5, messages: [{ role: "user", content: "x" }], input: "x" }
            : { email: "a@example.com", password: "x", name: fresh("h") };
          await send(path, { method: "POST", headers, body: JSON.stringify(body) });
        }),
        settings,
      );
    },
    PROPERTY_TIMEOUT,
  );
});
