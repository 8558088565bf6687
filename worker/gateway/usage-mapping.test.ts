// Each provider's usage → the OpenAI shape → the neutral Usage, and back out in each client
// format: every token in exactly one class, none negative, none counted twice, and the cost of
// the mapped usage the sum of its classes at their prices. Random counts (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PriceRow } from "../db/catalog.ts";
import { costBreakdown } from "./cost.ts";
import type { AnthropicStreamEvent, AnthropicUsage } from "./formats/anthropic.ts";
import type { OpenAIUsage } from "./formats/openai.ts";
import { AnthropicToOpenAIStream, usageFromAnthropic } from "./providers/anthropic/index.ts";
import { usageFromGemini } from "./providers/gemini/response.ts";
import { passAnthropic, StreamTally } from "./stream-out.ts";
import { OpenAIToAnthropicStream, usageToAnthropic } from "./translate/anthropic-client.ts";
import { usageToResponses } from "./translate/responses-output.ts";
import { type Usage, usageFromOpenAI, usageFromResponses } from "./types.ts";

const RUNS = { numRuns: 300 };
const count = fc.nat({ max: 5_000_000 });
const perMTok = fc.nat({ max: 100_000_000 });

const prices = fc.record({
  input: perMTok,
  output: perMTok,
  cached: fc.option(perMTok, { nil: null }),
  write5m: fc.option(perMTok, { nil: null }),
  write1h: fc.option(perMTok, { nil: null }),
  reasoning: fc.option(perMTok, { nil: null }),
});
type Prices = typeof prices extends fc.Arbitrary<infer P> ? P : never;

const priceRow = (p: Prices): PriceRow =>
  ({
    inputPerMTokMicros: p.input,
    outputPerMTokMicros: p.output,
    cachedInputPerMTokMicros: p.cached,
    cacheWrite5mPerMTokMicros: p.write5m,
    cacheWrite1hPerMTokMicros: p.write1h,
    reasoningPerMTokMicros: p.reasoning,
  }) as PriceRow;

/** What a usage costs, class by class, computed apart from cost.ts. */
function handCost(u: Usage, p: Prices): number {
  // In quarter-µ$ × 10⁶ (5m writes default to 1.25× input), summed exactly and rounded up once.
  const plain = u.inputTokens - u.cachedTokens - u.cacheWrite5mTokens - u.cacheWrite1hTokens;
  const q = (tokens: number, perMTok: number) => BigInt(tokens) * BigInt(perMTok) * 4n;
  const exact =
    q(plain, p.input) +
    q(u.cachedTokens, p.cached ?? p.input) +
    (p.write5m != null ? q(u.cacheWrite5mTokens, p.write5m) : BigInt(u.cacheWrite5mTokens) * BigInt(p.input) * 5n) +
    q(u.cacheWrite1hTokens, p.write1h ?? p.input * 2) +
    q(u.outputTokens - u.reasoningTokens, p.output) +
    q(u.reasoningTokens, p.reasoning ?? p.output);
  return Number((exact + 4_000_000n - 1n) / 4_000_000n);
}

function expectSane(u: Usage): void {
  for (const value of [u.inputTokens, u.outputTokens, u.cachedTokens, u.cacheWrite5mTokens, u.cacheWrite1hTokens, u.reasoningTokens]) {
    expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
  }
  expect(u.cachedTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens).toBeLessThanOrEqual(u.inputTokens);
  expect(u.reasoningTokens).toBeLessThanOrEqual(u.outputTokens);
}

const anthropicCounts = fc.record({ input: count, read: count, write5m: count, write1h: count, output: count, split: fc.boolean() });
type AnthropicCounts = typeof anthropicCounts extends fc.Arbitrary<infer C> ? C : never;

/** Anthropic's usage for the counts: with cache_creation (newer answers) or only the total (older: every write for 5 minutes). */
function anthropicUsage(c: AnthropicCounts): AnthropicUsage {
  return {
    input_tokens: c.input,
    output_tokens: c.output,
    cache_read_input_tokens: c.read,
    cache_creation_input_tokens: c.write5m + (c.split ? c.write1h : 0),
    ...(c.split ? { cache_creation: { ephemeral_5m_input_tokens: c.write5m, ephemeral_1h_input_tokens: c.write1h } } : {}),
  };
}

describe("Anthropic usage", () => {
  it("input is every prompt token, reads are cached, writes split by lifetime, and the cost is the sum of the classes", () => {
    fc.assert(
      fc.property(anthropicCounts, prices, (c, p) => {
        const write1h = c.split ? c.write1h : 0;
        const u = usageFromOpenAI(usageFromAnthropic(anthropicUsage(c)));
        expect(u).toEqual({
          inputTokens: c.input + c.read + c.write5m + write1h,
          outputTokens: c.output,
          cachedTokens: c.read,
          cacheWrite5mTokens: c.write5m,
          cacheWrite1hTokens: write1h,
          reasoningTokens: 0,
          estimated: false,
        });
        expect(costBreakdown(u, priceRow(p)).total).toBe(handCost(u, p));
      }),
      RUNS,
    );
  });

  it("round-trips through the OpenAI shape back to Anthropic's counts", () => {
    fc.assert(
      fc.property(anthropicCounts, (c) => {
        const write1h = c.split ? c.write1h : 0;
        expect(usageToAnthropic(usageFromAnthropic(anthropicUsage(c)))).toEqual({
          input_tokens: c.input,
          output_tokens: c.output,
          cache_read_input_tokens: c.read,
          cache_creation_input_tokens: c.write5m + write1h,
          cache_creation: { ephemeral_5m_input_tokens: c.write5m, ephemeral_1h_input_tokens: write1h },
        });
      }),
      RUNS,
    );
  });

  it("shows an OpenAI client the writes as cache_write_tokens only when there are some", () => {
    const details = (u: Partial<AnthropicUsage>) => usageFromAnthropic(u).prompt_tokens_details;
    expect(details({ input_tokens: 5, cache_read_input_tokens: 7 })).toEqual({ cached_tokens: 7 });
    expect(
      details({ input_tokens: 5, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 } }),
    ).toEqual({ cached_tokens: 0, cache_write_tokens: 30, cache_write_1h_tokens: 20 });
  });

  it("keeps cache writes through a stream translated to OpenAI chunks", () => {
    const translator = new AnthropicToOpenAIStream({ id: "chatcmpl-1", model: "m", created: 1 });
    const start = anthropicUsage({ input: 4, read: 100, write5m: 30, write1h: 20, output: 1, split: true });
    translator.push(streamStart(start));
    translator.push({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } });
    expect(usageFromOpenAI(translator.usageChunk().usage!)).toMatchObject({
      inputTokens: 154,
      cachedTokens: 100,
      cacheWrite5mTokens: 30,
      cacheWrite1hTokens: 20,
      outputTokens: 9,
    });
  });
});

const streamStart = (usage: AnthropicUsage): AnthropicStreamEvent => ({
  type: "message_start",
  message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, stop_sequence: null, usage },
});

const sseBody = (events: AnthropicStreamEvent[]) => new Response(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("")).body!;

describe("an Anthropic stream passed through", () => {
  it("bills its cache writes, also when it ends before its final count", async () => {
    const usage = anthropicUsage({ input: 4, read: 100, write5m: 30, write1h: 20, output: 1, split: true });
    const tally = new StreamTally();
    const events = passAnthropic(sseBody([streamStart(usage), { type: "ping" }]), tally);
    await expect(async () => {
      for await (const _ of events);
    }).rejects.toThrow(/message_stop/);
    expect(tally.final(999)).toMatchObject({ inputTokens: 154, cachedTokens: 100, cacheWrite5mTokens: 30, cacheWrite1hTokens: 20, estimated: true });
  });
});

describe("OpenAI usage", () => {
  const openAICounts = fc.record({ prompt: count, cached: count, completion: count, reasoning: count }).map((c) => ({
    ...c,
    cached: Math.min(c.cached, c.prompt),
    reasoning: Math.min(c.reasoning, c.completion),
  }));
  const openAIUsage = (c: { prompt: number; cached: number; completion: number; reasoning: number }): OpenAIUsage => ({
    prompt_tokens: c.prompt,
    completion_tokens: c.completion,
    total_tokens: c.prompt + c.completion,
    prompt_tokens_details: { cached_tokens: c.cached },
    completion_tokens_details: { reasoning_tokens: c.reasoning },
  });

  it("prompt_tokens includes the cached, completion_tokens the reasoning; the cost is the sum of the classes", () => {
    fc.assert(
      fc.property(openAICounts, prices, (c, p) => {
        const u = usageFromOpenAI(openAIUsage(c));
        expect(u).toMatchObject({ inputTokens: c.prompt, cachedTokens: c.cached, outputTokens: c.completion, reasoningTokens: c.reasoning });
        expect(u.cacheWrite5mTokens + u.cacheWrite1hTokens).toBe(0);
        expect(costBreakdown(u, priceRow(p)).total).toBe(handCost(u, p));
      }),
      RUNS,
    );
  });

  it("round-trips through Anthropic's format and the Responses format", () => {
    fc.assert(
      fc.property(openAICounts, (c) => {
        const anthropic = usageToAnthropic(openAIUsage(c));
        expect(anthropic).toMatchObject({ input_tokens: c.prompt - c.cached, cache_read_input_tokens: c.cached, cache_creation_input_tokens: 0 });
        expect(usageFromOpenAI(usageFromAnthropic(anthropic))).toMatchObject({ inputTokens: c.prompt, cachedTokens: c.cached, outputTokens: c.completion });
        const responses = usageToResponses(openAIUsage(c));
        expect(usageFromResponses(responses)).toEqual(usageFromOpenAI(openAIUsage(c)));
      }),
      RUNS,
    );
  });

  it("clamps nonsense: negative, fractional or missing counts, and classes beyond their total", () => {
    const junk = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double(), fc.constant(Number.NaN), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(fc.tuple(junk, junk, junk, junk, junk, junk), ([prompt, completion, cached, writes, write1h, reasoning]) => {
        const raw = {
          prompt_tokens: prompt,
          completion_tokens: completion,
          prompt_tokens_details: { cached_tokens: cached, cache_write_tokens: writes, cache_write_1h_tokens: write1h },
          completion_tokens_details: { reasoning_tokens: reasoning },
        } as unknown as OpenAIUsage;
        expectSane(usageFromOpenAI(raw));
        expectSane(usageFromOpenAI(usageFromAnthropic(usageToAnthropic(raw))));
      }),
      RUNS,
    );
  });

  it("takes OpenRouter's cache_write_tokens as 5-minute writes", () => {
    const u = usageFromOpenAI({
      prompt_tokens: 100,
      completion_tokens: 1,
      total_tokens: 101,
      prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 60 },
    });
    expect(u).toMatchObject({ inputTokens: 100, cachedTokens: 10, cacheWrite5mTokens: 60, cacheWrite1hTokens: 0 });
  });
});

describe("Gemini usage", () => {
  it("promptTokenCount includes the cached content; thoughts are output on top of the candidates", () => {
    const counts = fc.record({ prompt: count, cached: count, candidates: count, thoughts: count }).map((c) => ({ ...c, cached: Math.min(c.cached, c.prompt) }));
    fc.assert(
      fc.property(counts, prices, (c, p) => {
        const u = usageFromOpenAI(
          usageFromGemini({
            promptTokenCount: c.prompt,
            cachedContentTokenCount: c.cached,
            candidatesTokenCount: c.candidates,
            thoughtsTokenCount: c.thoughts,
          }),
        );
        expect(u).toMatchObject({ inputTokens: c.prompt, cachedTokens: c.cached, outputTokens: c.candidates + c.thoughts, reasoningTokens: c.thoughts });
        expect(costBreakdown(u, priceRow(p)).total).toBe(handCost(u, p));
      }),
      RUNS,
    );
  });
});

describe("usage in the caller's format", () => {
  const usage: OpenAIUsage = {
    prompt_tokens: 154,
    completion_tokens: 9,
    total_tokens: 163,
    prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 50, cache_write_1h_tokens: 20 },
    completion_tokens_details: { reasoning_tokens: 3 },
  };

  it("Anthropic, streamed: message_start has the full shape, message_delta the counts", () => {
    const translator = new OpenAIToAnthropicStream({ id: "chatcmpl-1", model: "m" });
    const started = translator.push({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage });
    expect(started[0]).toMatchObject({ type: "message_start", message: { usage: { input_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 0 } } } });
    const delta = translator.end().find((e) => e.type === "message_delta");
    expect(delta).toMatchObject({
      usage: {
        input_tokens: 4,
        output_tokens: 9,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 50,
        cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 20 },
      },
    });
  });

  it("Responses: cache reads and reasoning in the details", () => {
    expect(usageToResponses(usage)).toEqual({
      input_tokens: 154,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 163,
    });
  });
});
