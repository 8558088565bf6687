// Streams when things go wrong: an upstream that stops without its terminator (the client gets
// what was produced, then an error event in its own format, never a clean end; the call is
// billed for what it produced), a client that goes away (the upstream is read on for its usage,
// up to STREAM_DRAIN_MS — 1.5 s in tests — then closed, and the call billed what the provider
// counted, or failing that its prompt and everything produced), and streams that outlast the
// per-attempt timeout.
import { describe, expect, it } from "vitest";
import {
  attemptsOf,
  createPrice,
  createProvider,
  createRoute,
  eventually,
  logRow,
  MOCK_ORIGIN,
  parseSse,
  post,
  type Provider,
  type ProviderKind,
  readEvents,
  tag,
  upstream,
} from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

/** A provider offering `model`, priced at $1 per million tokens in and out (1 µ$ a token). */
async function priced(kind: ProviderKind, model: string): Promise<Provider> {
  const p = await createProvider(kind, [model]);
  await createPrice(p.model(model), { input: 1_000_000, output: 1_000_000 });
  return p;
}

type ClientFormat = "openai" | "anthropic";

interface Path {
  label: string;
  client: ClientFormat;
  kind: ProviderKind;
}

const PATHS: Path[] = [
  { label: "OpenAI client → openai (pass-through)", client: "openai", kind: "openai" },
  { label: "OpenAI client → anthropic", client: "openai", kind: "anthropic" },
  { label: "OpenAI client → gemini", client: "openai", kind: "gemini" },
  { label: "Anthropic client → anthropic (pass-through)", client: "anthropic", kind: "anthropic" },
  { label: "Anthropic client → openai", client: "anthropic", kind: "openai" },
  { label: "Anthropic client → gemini", client: "anthropic", kind: "gemini" },
];

function streamCall(client: ClientFormat, model: string, text: string): Promise<Response> {
  return client === "openai"
    ? post("/v1/chat/completions", { model, messages: [{ role: "user", content: text }], stream: true })
    : post("/v1/messages", { model, max_tokens: 1000, messages: [{ role: "user", content: text }], stream: true });
}

/** The text deltas of a stream's events, in either format. */
function textOf(client: ClientFormat, events: { data: string }[]): string {
  return events
    .map((e) => {
      const data = JSON.parse(e.data) as { choices?: { delta?: { content?: string } }[]; delta?: { text?: string } };
      return client === "openai" ? (data.choices?.[0]?.delta?.content ?? "") : (data.delta?.text ?? "");
    })
    .join("");
}

describe.each(PATHS)("$label", ({ client, kind }) => {
  it("a truncated stream ends with an error event, never a clean end, billed for what it produced", async () => {
    const model = `truncate-${tag()}`;
    const p = await priced(kind, model);
    const res = await streamCall(client, p.model(model), "one two three four");
    expect(res.status).toBe(200);
    const body = await res.text();
    const events = parseSse(body);
    const last = events.at(-1)!;
    if (client === "openai") {
      expect(events.map((e) => e.data)).not.toContain("[DONE]");
      expect(JSON.parse(last.data)).toMatchObject({ error: { type: "server_error", code: "upstream_error" } });
      expect(textOf(client, events.slice(0, -1))).toBe("one two");
    } else {
      expect(events.map((e) => e.event)).not.toContain("message_stop");
      expect(last.event).toBe("error");
      expect(JSON.parse(last.data)).toMatchObject({ type: "error", error: { type: "api_error" } });
      expect(textOf(client, events.slice(0, -1))).toBe("one two");
    }
    for (const secret of [...Object.values(UPSTREAM_KEYS), MOCK_ORIGIN()]) expect(body).not.toContain(secret);
    const row = await logRow(res);
    // Our estimate: 4 prompt tokens, the 2 produced → 6 µ$.
    expect(row).toMatchObject({ status: 502, error_type: "truncated_stream", stream: 1, input_tokens: 4, output_tokens: 2, estimated: 1, cost_micros: 6 });
  });

  it("an upstream error event mid-stream ends the stream with our error event, its details withheld", async () => {
    const model = `midstream-${tag()}`;
    const p = await priced(kind, model);
    const res = await streamCall(client, p.model(model), "one two three four");
    const body = await res.text();
    const events = parseSse(body);
    expect(textOf(client, events.slice(0, -1))).toBe("one two");
    if (client === "openai") {
      expect(events.map((e) => e.data)).not.toContain("[DONE]");
      expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ error: { code: "upstream_error" } });
    } else {
      expect(events.map((e) => e.event)).not.toContain("message_stop");
      expect(events.at(-1)?.event).toBe("error");
    }
    expect(body).not.toContain("Overloaded");
    for (const secret of [...Object.values(UPSTREAM_KEYS), MOCK_ORIGIN()]) expect(body).not.toContain(secret);
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 502, output_tokens: 2 });
    expect(row.cost_micros).toBeGreaterThan(0);
  });

  it("a client that disconnects mid-stream is billed the provider's own count once the upstream ends", async () => {
    const model = `long-40-${tag()}`;
    const p = await priced(kind, model);
    const res = await streamCall(client, p.model(model), "Write a lot");
    const reader = res.body!.getReader();
    expect(textOf(client, await readEvents(reader, 4))).toMatch(/^w1/);
    await reader.cancel();
    const [sent] = await eventually(
      () => upstream(model),
      (r) => r[0]?.completed === true,
    );
    expect(sent?.aborted).toBe(false);
    const row = await logRow(res);
    // 40 words at 15 ms: read to the end within the drain time; the provider's usage, not ours.
    expect(row).toMatchObject({ status: 499, error_type: "client_closed", output_tokens: 40, estimated: 0, input_tokens: 3, cost_micros: 43 });
  });

  it("a client that disconnects from a stream longer than the drain time closes the upstream and is billed what was produced", async () => {
    const model = `long-300-${tag()}`;
    const p = await priced(kind, model);
    const res = await streamCall(client, p.model(model), "Write a lot");
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const seen = await readEvents(reader, 6);
    expect(textOf(client, seen)).toMatch(/^w1/);
    await reader.cancel();
    const [sent] = await eventually(
      () => upstream(model),
      (r) => r[0]?.aborted === true,
    );
    expect(sent).toMatchObject({ aborted: true, completed: false });
    expect(sent!.events.length).toBeLessThan(300);
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 499, error_type: "client_closed", stream: 1 });
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(row.output_tokens).toBeLessThan(300);
    expect(row.cost_micros).toBeGreaterThan(0);
  });

  it("outlasts the per-attempt timeout, which only times its start", async () => {
    const model = `long-40-${tag()}`;
    const p = await createProvider(kind, [model]);
    const alias = await createRoute({ targets: [{ model: p.model(model) }], timeout_ms: 200 });
    const started = Date.now();
    const res = await streamCall(client, alias, "Write a lot");
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(Date.now() - started).toBeGreaterThan(400);
    if (client === "openai") expect(events.at(-1)?.data).toBe("[DONE]");
    else expect(events.at(-1)?.event).toBe("message_stop");
    expect(textOf(client, events.slice(0, -1)).trim().split(" ")).toHaveLength(40);
    expect(await logRow(res)).toMatchObject({ status: 200, output_tokens: 40 });
  });
});

describe("a client that disconnects before any output", () => {
  it.each<[ClientFormat, ProviderKind]>([
    ["openai", "openai"],
    ["openai", "anthropic"],
    ["anthropic", "anthropic"],
    ["anthropic", "openai"],
  ])("%s client → %s: is billed its prompt", async (client, kind) => {
    const model = `stall-${tag()}`;
    const p = await priced(kind, model);
    const res = await streamCall(client, p.model(model), "Wait for it");
    const reader = res.body!.getReader();
    const first = await readEvents(reader, 1);
    expect(first).toHaveLength(1);
    await reader.cancel();
    const [sent] = await eventually(
      () => upstream(model),
      (r) => r[0]?.aborted === true,
    );
    expect(sent?.aborted).toBe(true);
    const row = await logRow(res);
    // Nothing was produced, but the prompt was read: 3 tokens at 1 µ$ (Anthropic reports it in
    // message_start; elsewhere our count).
    expect(row).toMatchObject({ status: 499, error_type: "client_closed", input_tokens: 3, output_tokens: 0, cost_micros: 3 });
  });
});

describe("fallback in streams", () => {
  it("happens only before the first byte: a truncation after it is not retried elsewhere", async () => {
    const truncated = `truncate-${tag()}`;
    const backup = `ok-${tag()}`;
    const [a, b] = await Promise.all([createProvider("openai", [truncated]), createProvider("anthropic", [backup])]);
    const alias = await createRoute({ targets: [{ model: a.model(truncated) }, { model: b.model(backup) }], retries: 1 });
    const res = await streamCall("openai", alias, "one two three four");
    expect(res.headers.get("x-aggregator-provider")).toBe(a.name);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.data)).not.toContain("[DONE]");
    expect(await upstream(truncated)).toHaveLength(1);
    expect(await upstream(backup)).toHaveLength(0);
    const row = await logRow(res);
    expect(row).toMatchObject({ status: 502, error_type: "truncated_stream" });
    expect(attemptsOf(row)).toEqual([`${a.model(truncated)}=ok`]);
  });

  it("before the first byte, a broken stream falls back", async () => {
    const broken = `malformed-${tag()}`;
    const backup = `ok-${tag()}`;
    const [a, b] = await Promise.all([createProvider("anthropic", [broken]), createProvider("gemini", [backup])]);
    const alias = await createRoute({ targets: [{ model: a.model(broken) }, { model: b.model(backup) }] });
    const res = await streamCall("anthropic", alias, "Hello there");
    expect(res.headers.get("x-aggregator-provider")).toBe(b.name);
    const events = parseSse(await res.text());
    expect(events.at(-1)?.event).toBe("message_stop");
    expect(textOf("anthropic", events)).toBe("Hello there");
    expect(attemptsOf(await logRow(res))).toEqual([`${a.model(broken)}=protocol`, `${b.model(backup)}=ok`]);
  });
});

describe("/v1/responses streams", () => {
  it("a truncated stream is logged as such", async () => {
    const model = `truncate-${tag()}`;
    const p = await createProvider("openai", [model]);
    const res = await post("/v1/responses", { model: p.model(model), input: "one two three four", stream: true });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).not.toContain("response.completed");
    expect(events.at(-1)?.event).toBe("response.failed");
    // The failure follows the upstream's last event, in its sequence.
    const [before, failed] = events.slice(-2).map((e) => JSON.parse(e.data) as { sequence_number: number; response?: { status: string } });
    expect(failed).toMatchObject({ sequence_number: before!.sequence_number + 1, response: { status: "failed", error: { code: "server_error" } } });
    // Our estimate of what was produced: "one two".
    expect(await logRow(res)).toMatchObject({ endpoint: "responses", status: 502, error_type: "truncated_stream", output_tokens: 2, estimated: 1 });
  });

  it("a client that disconnects is logged, and the upstream closed", async () => {
    const model = `long-300-${tag()}`;
    const p = await createProvider("openai", [model]);
    const res = await post("/v1/responses", { model: p.model(model), input: "Write a lot", stream: true });
    const reader = res.body!.getReader();
    await readEvents(reader, 6);
    await reader.cancel();
    const [sent] = await eventually(
      () => upstream(model),
      (r) => r[0]?.aborted === true,
    );
    expect(sent?.aborted).toBe(true);
    expect(await logRow(res)).toMatchObject({ endpoint: "responses", status: 499, error_type: "client_closed" });
  });
});
