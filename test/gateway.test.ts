// The /v1 surface as the official OpenAI SDK and raw HTTP clients see it.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import worker from "../worker/index.ts";
import { API_KEY, ORIGIN, TENANT_ID, bearer, call, jsonInit, requestLogRow } from "./kit/fixtures.ts";

const client = new OpenAI({
  apiKey: API_KEY,
  baseURL: `${ORIGIN}/v1`,
  maxRetries: 0,
  fetch: (input: string | URL | Request, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
});

const hello = [{ role: "user" as const, content: "Hello, gateway!" }];

describe("POST /v1/chat/completions", () => {
  it("answers a chat.completion with usage through the OpenAI SDK", async () => {
    const completion = await client.chat.completions.create({ model: "demo/echo", messages: hello });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("demo/echo");
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello, gateway!" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
  });

  it("streams chat.completion.chunk events through the OpenAI SDK", async () => {
    const stream = await client.chat.completions.create({
      model: "demo/lorem",
      messages: hello,
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do");
    expect(finish).toBe("length");
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 });
  });

  it("ends a stream with data: [DONE] and sends usage only when asked", async () => {
    const res = await call("/v1/chat/completions", jsonInit({ model: "demo/echo", messages: hello, stream: true }, bearer(API_KEY)));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    for (const event of events) expect(event.startsWith("data: ")).toBe(true);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { choices: unknown[]; usage?: unknown });
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });

  it("truncates echo at max_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({ model: "demo/echo", messages: hello, max_tokens: 2 });
    expect(completion.choices[0]?.message.content).toBe("Hello,");
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("records the request with its cost after the response", async () => {
    const ctx = createExecutionContext();
    const request = new Request(`${ORIGIN}/v1/chat/completions`, jsonInit({ model: "demo/lorem", messages: hello, max_tokens: 1000 }, bearer(API_KEY)));
    const res = await worker.fetch(request, env, ctx);
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    await waitOnExecutionContext(ctx);
    const row = await requestLogRow(TENANT_ID, requestId!);
    // 4 input tokens × $0.10/M + 1000 output tokens × $0.20/M = 200.4 µ$ → 201 µ$ (rounded up).
    expect(row).toMatchObject({
      tenant_id: TENANT_ID,
      model: "demo/lorem",
      provider: "demo",
      status: 200,
      input_tokens: 4,
      output_tokens: 1000,
      cost_micros: 201,
    });
  });
});

describe("authentication", () => {
  it("rejects a wrong key with OpenAI's 401 envelope", async () => {
    const res = await call("/v1/chat/completions", jsonInit({ model: "demo/echo", messages: hello }, bearer("sk-agg-wrong")));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: "Incorrect API key provided.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
    });
  });

  it("rejects a missing key", async () => {
    const res = await call("/v1/models");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: "missing_api_key", type: "invalid_request_error", message: "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'." },
    });
  });

  it("surfaces as the SDK's AuthenticationError", async () => {
    const bad = new OpenAI({
      apiKey: "sk-agg-nope",
      baseURL: `${ORIGIN}/v1`,
      maxRetries: 0,
      fetch: (i: string | URL | Request, init?: RequestInit) => exports.default.fetch(new Request(i, init)),
    });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("accepts x-api-key", async () => {
    const res = await call("/v1/models", { headers: { "x-api-key": API_KEY } });
    expect(res.status).toBe(200);
  });
});

describe("GET /v1/models", () => {
  it("lists the demo models with prices", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["demo/echo", "demo/lorem", "demo/embed", "demo/image", "demo/speech", "demo/whisper", "demo/moderation", "demo/rerank"]);
    const res = await call("/v1/models", { headers: bearer(API_KEY) });
    const body = (await res.json()) as { data: { id: string; pricing?: unknown }[] };
    expect(body.data[0]).toMatchObject({
      id: "demo/echo",
      object: "model",
      owned_by: "demo",
      pricing: { input_per_mtok_micros: 100_000, output_per_mtok_micros: 200_000 },
    });
    // Models billed per unit list that price too.
    expect(body.data.find((m) => m.id === "demo/image")?.pricing).toMatchObject({ per_image_micros: 1_000 });
    expect(body.data.find((m) => m.id === "demo/speech")?.pricing).toMatchObject({ per_mchar_micros: 1_000_000 });
  });
});

describe("POST /v1/embeddings", () => {
  it("answers deterministic unit vectors", async () => {
    const a = await client.embeddings.create({ model: "demo/embed", input: ["hello", "world"] });
    const b = await client.embeddings.create({ model: "demo/embed", input: "hello" });
    expect(a.data).toHaveLength(2);
    expect(a.data[0]?.embedding).toHaveLength(256);
    expect(a.data[0]?.embedding).toEqual(b.data[0]?.embedding);
    expect(Math.hypot(...(a.data[1]?.embedding ?? []))).toBeCloseTo(1, 6);
    expect(a.usage.prompt_tokens).toBe(2);
  });
});

describe("bad input gets a 4xx in OpenAI's format", () => {
  const cases: [string, RequestInit, number, string][] = [
    ["invalid JSON", { method: "POST", headers: { ...bearer(API_KEY), "content-type": "application/json" }, body: "{not json" }, 400, "invalid_json"],
    ["no messages", jsonInit({ model: "demo/echo", messages: [] }, bearer(API_KEY)), 400, "invalid_request"],
    ["wrong type", jsonInit({ model: 42, messages: hello }, bearer(API_KEY)), 400, "invalid_request"],
    ["unknown model", jsonInit({ model: "demo/nope", messages: hello }, bearer(API_KEY)), 404, "model_not_found"],
    ["model without provider", jsonInit({ model: "gpt-4o", messages: hello }, bearer(API_KEY)), 404, "model_not_found"],
    ["embedding model for chat", jsonInit({ model: "demo/embed", messages: hello }, bearer(API_KEY)), 404, "model_not_found"],
    ["unknown endpoint", jsonInit({}, bearer(API_KEY)), 404, "unknown_url"],
  ];
  it.each(cases)("%s", async (name, init, status, code) => {
    const path = name === "unknown endpoint" ? "/v1/nope" : "/v1/chat/completions";
    const res = await call(path, init);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toBeTruthy();
    expect(body.error.type).toBeTruthy();
  });

  it("names the field at fault", async () => {
    const res = await call("/v1/chat/completions", jsonInit({ model: "demo/echo", messages: hello, temperature: 9 }, bearer(API_KEY)));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: "temperature" } });
  });

  it("refuses a body over the size limit with 413", async () => {
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { ...bearer(API_KEY), "content-type": "application/json" },
      body: "x".repeat(17 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "request_too_large" } });
  });
});
