// The agent SDKs users point at the gateway, run for real inside workerd against /v1/responses:
// the Vercel AI SDK (`ai` with `@ai-sdk/openai`, whose default `openai(model)` is the Responses
// API) — generateText, streamText, a multi-step tool loop and a multi-turn chat — and the OpenAI
// Agents SDK (`@openai/agents`), an Agent with a function tool. Each runs against the built-in
// demo model and mock Anthropic and Gemini upstreams (test/mocks/upstream.ts); the SDKs' fetch
// is the Worker itself, recorded so each test can say which endpoint it reached.
import { createOpenAI } from "@ai-sdk/openai";
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool as agentTool } from "@openai/agents";
import { generateText, type ModelMessage, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { API_KEY, ORIGIN } from "./kit/fixtures.ts";
import { createProvider, gatewayFetch, logRow, type Provider, tag, upstream } from "./kit/gateway.ts";

// ── the Worker as the SDKs' fetch, each call recorded ────────────────────────────────────

interface Hit {
  method: string;
  path: string;
  status: number;
  requestId: string | null;
  /** The JSON body the SDK sent. */
  body: Record<string, unknown> | null;
}

const hits: Hit[] = [];

async function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const text = request.method === "POST" ? await request.clone().text() : "";
  const res = await gatewayFetch(request);
  hits.push({
    method: request.method,
    path: new URL(request.url).pathname,
    status: res.status,
    requestId: res.headers.get("x-request-id"),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  });
  return res;
}

/** The calls a test made: everything recorded after `mark`. */
const since = (mark: number): Hit[] => hits.slice(mark);

/** Every call went to POST /v1/responses and succeeded, each logged under the "responses" endpoint. */
async function expectResponsesCalls(calls: Hit[], count: number, model: string): Promise<void> {
  expect(
    calls.map((h) => `${h.method} ${h.path} ${h.status}`),
    JSON.stringify(calls.map((h) => h.body)),
  ).toEqual(Array.from({ length: count }, () => "POST /v1/responses 200"));
  for (const call of calls) {
    expect(call.body).toMatchObject({ model });
    expect(await logRow(call.requestId!)).toMatchObject({ endpoint: "responses", status: 200 });
  }
}

const ai = createOpenAI({ apiKey: API_KEY, baseURL: `${ORIGIN}/v1`, fetch: workerFetch });

// ── targets ──────────────────────────────────────────────────────────────────────────────

let an: Provider;
let gm: Provider;

beforeAll(async () => {
  [an, gm] = await Promise.all([createProvider("anthropic", ["claude-haiku-4-5"]), createProvider("gemini", ["gemini-2.5-flash"])]);
});

interface Target {
  label: string;
  model: () => string;
  /** The model as the mock upstream knows it; null for demo (no upstream). */
  upstreamModel: string | null;
}

const TARGETS: Target[] = [
  { label: "demo", model: () => "demo/echo", upstreamModel: null },
  { label: "anthropic", model: () => an.model("claude-haiku-4-5"), upstreamModel: "claude-haiku-4-5" },
  { label: "gemini", model: () => gm.model("gemini-2.5-flash"), upstreamModel: "gemini-2.5-flash" },
];

/** The native request the mock received for a marker: proof the Responses call was translated. */
async function expectTranslated(t: Target, marker: string, count = 1): Promise<void> {
  if (!t.upstreamModel) return;
  const sent = await upstream(t.upstreamModel, { marker });
  expect(sent).toHaveLength(count);
  for (const request of sent) {
    if (t.label === "anthropic") expect(request.path).toBe("/v1/messages");
    if (t.label === "gemini") expect(request.path).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash:(stream)?[gG]enerateContent$/);
  }
}

const positive = expect.any(Number);
const expectUsage = (usage: { inputTokens: number | undefined; outputTokens: number | undefined; totalTokens: number | undefined }) => {
  expect(usage).toMatchObject({ inputTokens: positive, outputTokens: positive });
  expect(usage.inputTokens).toBeGreaterThan(0);
  expect(usage.outputTokens).toBeGreaterThan(0);
  expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
};

// ── Vercel AI SDK ────────────────────────────────────────────────────────────────────────

describe.each(TARGETS)("Vercel AI SDK (Responses API) → $label", (t) => {
  it("generateText: the echo, usage and finish reason", async () => {
    const mark = hits.length;
    const marker = tag();
    const result = await generateText({ model: ai(t.model()), prompt: `Hello ${marker}` });
    expect(result.text).toBe(`Hello ${marker}`);
    expect(result.finishReason).toBe("stop");
    expectUsage(result.usage);
    expect(result.response.id).toMatch(/^resp_/);
    expect(result.response.modelId).toBe(t.model());
    expect(result.response.headers?.["x-request-id"]).toBe(since(mark)[0]?.requestId);
    await expectResponsesCalls(since(mark), 1, t.model());
    const row = await logRow(result.response.headers!["x-request-id"]!);
    expect(row).toMatchObject({ stream: 0, input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens });
    await expectTranslated(t, marker);
  });

  it("generateText with a system prompt: it reaches the model as the system prompt", async () => {
    const marker = tag();
    const result = await generateText({ model: ai(t.model()), system: "Be brief.", prompt: `Hi ${marker}` });
    // The mocks prefix "[<system>] "; demo echoes the last user message alone.
    expect(result.text).toBe(t.upstreamModel ? `[Be brief.] Hi ${marker}` : `Hi ${marker}`);
    expect(result.finishReason).toBe("stop");
  });

  it("streamText: the text stream is the echo, with finish reason and usage", async () => {
    const mark = hits.length;
    const marker = tag();
    const result = streamText({ model: ai(t.model()), prompt: `Stream me ${marker}` });
    const chunks: string[] = [];
    for await (const chunk of result.textStream) chunks.push(chunk);
    expect(chunks.join("")).toBe(`Stream me ${marker}`);
    expect(chunks.length).toBeGreaterThan(1);
    expect(await result.text).toBe(`Stream me ${marker}`);
    expect(await result.finishReason).toBe("stop");
    expectUsage(await result.usage);
    const calls = since(mark);
    expect(calls[0]?.body).toMatchObject({ stream: true });
    await expectResponsesCalls(calls, 1, t.model());
    expect(await logRow(calls[0]!.requestId!)).toMatchObject({ stream: 1, estimated: 0 });
    await expectTranslated(t, marker);
  });

  const weather = (executed: { city: string }[]) =>
    tool({
      description: "The weather in a city",
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        executed.push({ city });
        return `sunny, 21 C in ${city}`;
      },
    });

  it("generateText with a tool over two steps: the call, the tool run, then the answer from its result", async () => {
    const mark = hits.length;
    const marker = tag();
    const executed: { city: string }[] = [];
    const result = await generateText({
      model: ai(t.model()),
      tools: { get_weather: weather(executed) },
      stopWhen: stepCountIs(5),
      prompt: `What is the get_weather in Paris? ${marker}`,
    });
    expect(executed).toEqual([{ city: "get_weather.city" }]);
    expect(result.steps).toHaveLength(2);
    const [first, second] = result.steps;
    expect(first!.finishReason).toBe("tool-calls");
    expect(first!.toolCalls).toHaveLength(1);
    expect(first!.toolCalls[0]).toMatchObject({ toolName: "get_weather", input: { city: "get_weather.city" } });
    expect(first!.toolResults[0]).toMatchObject({ toolName: "get_weather", output: "sunny, 21 C in get_weather.city" });
    expect(second!.finishReason).toBe("stop");
    expect(second!.text).toBe("Tool results: sunny, 21 C in get_weather.city");
    expect(result.text).toBe("Tool results: sunny, 21 C in get_weather.city");
    expect(result.finishReason).toBe("stop");
    expectUsage(result.totalUsage);

    const calls = since(mark);
    await expectResponsesCalls(calls, 2, t.model());
    // Step 2 sends the whole history itself (the call and its output), not previous_response_id.
    const input = calls[1]!.body!.input as Record<string, unknown>[];
    expect(input.map((item) => item.type ?? item.role)).toEqual(["user", "function_call", "function_call_output"]);
    await expectTranslated(t, marker, 2);
  });

  it("streamText with a tool over two steps", async () => {
    const mark = hits.length;
    const executed: { city: string }[] = [];
    const result = streamText({
      model: ai(t.model()),
      tools: { get_weather: weather(executed) },
      stopWhen: stepCountIs(5),
      prompt: "Use get_weather for Rome.",
    });
    let text = "";
    for await (const chunk of result.textStream) text += chunk;
    expect(text).toBe("Tool results: sunny, 21 C in get_weather.city");
    expect(executed).toEqual([{ city: "get_weather.city" }]);
    const steps = await result.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(steps[0]!.toolCalls[0]).toMatchObject({ toolName: "get_weather", input: { city: "get_weather.city" } });
    expect(await result.finishReason).toBe("stop");
    expectUsage(await result.totalUsage);
    await expectResponsesCalls(since(mark), 2, t.model());
  });

  it("a multi-turn chat: the first answer's messages sent back with the next user turn", async () => {
    const marker = tag();
    const first = await generateText({ model: ai(t.model()), prompt: `First ${marker}` });
    expect(first.text).toBe(`First ${marker}`);
    const messages: ModelMessage[] = [{ role: "user", content: `First ${marker}` }, ...first.response.messages, { role: "user", content: `Second ${marker}` }];
    const mark = hits.length;
    const second = await generateText({ model: ai(t.model()), messages });
    expect(second.text).toBe(`Second ${marker}`);
    await expectResponsesCalls(since(mark), 1, t.model());
    // By default (store: true) the SDK sends the earlier answer as a reference to the stored item.
    expect((since(mark)[0]!.body!.input as Record<string, unknown>[])[1]).toMatchObject({ type: "item_reference", id: expect.stringMatching(/^msg_/) });
  });

  it("a multi-turn chat with store: false: the earlier answer sent back as a message", async () => {
    const marker = tag();
    const openai = { store: false };
    const first = await generateText({ model: ai(t.model()), prompt: `First ${marker}`, providerOptions: { openai } });
    const messages: ModelMessage[] = [{ role: "user", content: `First ${marker}` }, ...first.response.messages, { role: "user", content: `Second ${marker}` }];
    const mark = hits.length;
    const second = await generateText({ model: ai(t.model()), messages, providerOptions: { openai } });
    expect(second.text).toBe(`Second ${marker}`);
    await expectResponsesCalls(since(mark), 1, t.model());
    const input = since(mark)[0]!.body!.input as Record<string, unknown>[];
    expect(input.map((item) => item.role)).toEqual(["user", "assistant", "user"]);
    expect(since(mark)[0]!.body).toMatchObject({ store: false });
    await expectTranslated(t, `Second ${marker}`);
  });

  it("a multi-turn chat over previous_response_id: the gateway's stored conversation", async () => {
    const marker = tag();
    const first = await generateText({ model: ai(t.model()), prompt: `First ${marker}` });
    const mark = hits.length;
    const second = await generateText({
      model: ai(t.model()),
      prompt: `Second ${marker}`,
      providerOptions: { openai: { previousResponseId: first.response.id } },
    });
    expect(second.text).toBe(`Second ${marker}`);
    expect(since(mark)[0]!.body).toMatchObject({ previous_response_id: first.response.id });
    await expectResponsesCalls(since(mark), 1, t.model());
    if (t.upstreamModel) {
      // The upstream saw the whole conversation: the first turn, its answer and the new turn.
      const [sent] = await upstream(t.upstreamModel, { marker: `Second ${marker}` });
      expect(JSON.stringify(sent!.body)).toContain(`First ${marker}`);
    }
  });
});

// ── OpenAI Agents SDK ────────────────────────────────────────────────────────────────────

describe.each(TARGETS)("OpenAI Agents SDK (Responses API) → $label", (t) => {
  beforeAll(() => {
    setTracingDisabled(true);
    setOpenAIAPI("responses");
    setDefaultOpenAIClient(new OpenAI({ apiKey: API_KEY, baseURL: `${ORIGIN}/v1`, maxRetries: 0, fetch: workerFetch }));
  });

  it("runs an Agent whose function tool is called with the schema's arguments, then answers from its result", async () => {
    const mark = hits.length;
    const marker = tag();
    const calls: { city: string }[] = [];
    const getWeather = agentTool({
      name: "get_weather",
      description: "The weather in a city",
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push({ city });
        return `cloudy, 14 C in ${city}`;
      },
    });
    const agent = new Agent({ name: "Weather", instructions: "Answer weather questions.", model: t.model(), tools: [getWeather] });

    const result = await run(agent, `What is the get_weather in Oslo? ${marker}`);

    expect(calls).toEqual([{ city: "get_weather.city" }]);
    expect(result.finalOutput).toContain("Tool results:");
    expect(result.finalOutput).toBe("Tool results: cloudy, 14 C in get_weather.city");
    expect(result.newItems.map((item) => item.type)).toEqual(["tool_call_item", "tool_call_output_item", "message_output_item"]);
    expect(result.rawResponses).toHaveLength(2);
    for (const response of result.rawResponses) {
      expect(response.responseId).toMatch(/^resp_/);
      expect(response.usage.inputTokens).toBeGreaterThan(0);
      expect(response.usage.outputTokens).toBeGreaterThan(0);
    }

    const sent = since(mark);
    await expectResponsesCalls(sent, 2, t.model());
    expect(sent[0]!.body).toMatchObject({ instructions: "Answer weather questions.", tools: [{ type: "function", name: "get_weather" }] });
    await expectTranslated(t, marker, 2);
  });

  it("continues a run from its history, and from previous_response_id", async () => {
    const marker = tag();
    const agent = new Agent({ name: "Echo", model: t.model() });
    const first = await run(agent, `One ${marker}`);
    expect(first.finalOutput).toBe(`One ${marker}`);
    expect(first.lastResponseId).toMatch(/^resp_/);

    // The whole history (with the assistant message item as the SDK keeps it) sent back.
    let mark = hits.length;
    const second = await run(agent, [...first.history, { role: "user", content: `Two ${marker}` }]);
    expect(second.finalOutput).toBe(`Two ${marker}`);
    await expectResponsesCalls(since(mark), 1, t.model());
    const input = since(mark)[0]!.body!.input as Record<string, unknown>[];
    expect(input.map((item) => item.role)).toEqual(["user", "assistant", "user"]);

    // Only the new turn, the rest from the gateway's stored response.
    mark = hits.length;
    const third = await run(agent, `Three ${marker}`, { previousResponseId: second.lastResponseId! });
    expect(third.finalOutput).toBe(`Three ${marker}`);
    expect(since(mark)[0]!.body).toMatchObject({ previous_response_id: second.lastResponseId });
    await expectResponsesCalls(since(mark), 1, t.model());
    if (t.upstreamModel) {
      const [sent] = await upstream(t.upstreamModel, { marker: `Three ${marker}` });
      expect(JSON.stringify(sent!.body)).toContain(`Two ${marker}`);
    }
  });

  it("runs an Agent without tools and streams its answer", async () => {
    const marker = tag();
    const agent = new Agent({ name: "Echo", instructions: "Repeat.", model: t.model() });
    const mark = hits.length;
    const stream = await run(agent, `Echo ${marker}`, { stream: true });
    let text = "";
    for await (const chunk of stream.toTextStream()) text += chunk;
    await stream.completed;
    expect(text).toBe(t.upstreamModel ? `[Repeat.] Echo ${marker}` : `Echo ${marker}`);
    expect(stream.finalOutput).toBe(text);
    const sent = since(mark);
    expect(sent[0]?.body).toMatchObject({ stream: true });
    await expectResponsesCalls(sent, 1, t.model());
  });
});
