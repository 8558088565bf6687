// reasoning_effort on /v1/chat/completions, end to end against the mock upstream: Anthropic gets
// extended thinking with a budget, Gemini a thinkingConfig; their thinking comes back as
// reasoning_content, whole and streamed; what a target cannot honour with thinking is refused
// (400 unsupported_parameter) before anything reaches it.
import { beforeAll, describe, expect, it } from "vitest";
import type { OpenAIChatCompletion, OpenAIChunk } from "../worker/gateway/formats/openai.ts";
import { createProvider, parseSse, post, type Provider, tag, upstream } from "./kit/gateway.ts";

const CLAUDE = "claude-haiku-4-5";
const GEMINI = "gemini-2.5-flash";

let an: Provider;
let gm: Provider;

beforeAll(async () => {
  [an, gm] = await Promise.all([createProvider("anthropic", [CLAUDE]), createProvider("gemini", [GEMINI])]);
});

const ask = (model: string, content: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content }], ...extra });

async function whole(body: Record<string, unknown>): Promise<OpenAIChatCompletion> {
  const res = await post("/v1/chat/completions", body);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<OpenAIChatCompletion>();
}

/** A streamed answer's text, thinking and usage, as a client accumulates them. */
async function streamed(body: Record<string, unknown>): Promise<{ content: string; reasoning: string; usage: OpenAIChunk["usage"] }> {
  const res = await post("/v1/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } });
  expect(res.status, await res.clone().text()).toBe(200);
  const chunks = parseSse(await res.text())
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data) as OpenAIChunk);
  const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
  return {
    content: deltas.map((d) => d.content ?? "").join(""),
    reasoning: deltas.map((d) => d.reasoning_content ?? "").join(""),
    usage: chunks.at(-1)?.usage,
  };
}

/** The one upstream request a marker produced: its body. */
async function sent(model: string, marker: string): Promise<Record<string, unknown>> {
  const seen = await upstream(model, { marker });
  expect(seen, `upstream requests carrying ${marker}`).toHaveLength(1);
  return seen[0]!.body as Record<string, unknown>;
}

async function expectRefused(body: Record<string, unknown>, param: string, marker: string, upstreamModel: string | null): Promise<void> {
  const res = await post("/v1/chat/completions", body);
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", code: "unsupported_parameter", param } });
  if (upstreamModel) expect(await upstream(upstreamModel, { marker })).toHaveLength(0);
}

describe("reasoning_effort to Anthropic", () => {
  it("asks for extended thinking and answers it as reasoning_content", async () => {
    const marker = tag();
    const body = ask(an.model(CLAUDE), `Think [thinking=5] ${marker}`, { reasoning_effort: "low", max_tokens: 4000 });
    const answer = await whole(body);
    expect(await sent(CLAUDE, marker)).toMatchObject({ max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2048 } });
    expect(answer.choices[0]!.message).toMatchObject({ content: `Think [thinking=5] ${marker}`, reasoning_content: "t1 t2 t3 t4 t5" });
    // Anthropic counts thinking in its output tokens: 3 words of text and 5 of thinking.
    expect(answer.usage).toMatchObject({ completion_tokens: 8 });
  });

  it("streams the thinking as reasoning_content deltas", async () => {
    const marker = tag();
    const answer = await streamed(ask(an.model(CLAUDE), `Think [thinking=3] ${marker}`, { reasoning_effort: "high", max_tokens: 5000 }));
    expect((await sent(CLAUDE, marker)).thinking).toEqual({ type: "enabled", budget_tokens: 4999 });
    expect(answer).toMatchObject({ content: `Think [thinking=3] ${marker}`, reasoning: "t1 t2 t3", usage: { completion_tokens: 6 } });
  });

  it("asks for no thinking when reasoning_effort is none", async () => {
    const marker = tag();
    const answer = await whole(ask(an.model(CLAUDE), `Plain ${marker}`, { reasoning_effort: "none" }));
    expect(await sent(CLAUDE, marker)).not.toHaveProperty("thinking");
    expect(answer.choices[0]!.message).not.toHaveProperty("reasoning_content");
  });

  it("refuses, by name, what Anthropic forbids alongside thinking, before calling it", async () => {
    const tools = [{ type: "function", function: { name: "get", parameters: { type: "object" } } }];
    const refused: [Record<string, unknown>, string][] = [
      [{ temperature: 0.5 }, "temperature"],
      [{ tools, tool_choice: "required" }, "tool_choice"],
      [{ tools, tool_choice: { type: "function", function: { name: "get" } } }, "tool_choice"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } }, "response_format"],
      [{ max_tokens: 1000 }, "reasoning_effort"],
    ];
    for (const [extra, param] of refused) {
      const marker = tag();
      await expectRefused(ask(an.model(CLAUDE), `Refuse ${marker}`, { reasoning_effort: "medium", ...extra }), param, marker, CLAUDE);
    }
    const marker = tag();
    await expectRefused(ask(an.model(CLAUDE), `Refuse ${marker}`, { reasoning_effort: "xhigh" }), "reasoning_effort", marker, CLAUDE);
  });

  it("meets, through pass-through, a mock that refuses thinking the way Anthropic does", async () => {
    const thinking = { type: "enabled", budget_tokens: 1024 };
    const toolLoop = [
      { role: "user", content: `Get it ${tag()}` },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "got" }] },
    ];
    const refusals: [Record<string, unknown>, string][] = [
      [{ max_tokens: 2000, thinking, temperature: 0.5 }, "temperature"],
      [{ max_tokens: 2000, thinking, tools: [{ name: "get", input_schema: { type: "object" } }], tool_choice: { type: "any" } }, "tool_choice"],
      [{ max_tokens: 1024, thinking }, "max_tokens"],
      [{ max_tokens: 2000, thinking: { type: "enabled", budget_tokens: 1000 } }, "budget_tokens"],
      [{ max_tokens: 2000, thinking, top_k: 5 }, "top_k"],
      [{ max_tokens: 2000, thinking, messages: toolLoop }, "must start with a thinking block"],
    ];
    for (const [extra, words] of refusals) {
      const res = await post("/v1/messages", { model: an.model(CLAUDE), messages: [{ role: "user", content: `Native ${tag()}` }], ...extra });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(words);
    }
  });
});

describe("reasoning_effort to Gemini", () => {
  it("asks for a thinking budget with thoughts and answers them as reasoning_content", async () => {
    const marker = tag();
    const answer = await whole(ask(gm.model(GEMINI), `Think [reasoning=4] ${marker}`, { reasoning_effort: "medium" }));
    expect((await sent(GEMINI, marker)).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } });
    expect(answer.choices[0]!.message).toMatchObject({ content: `Think [reasoning=4] ${marker}`, reasoning_content: "r1 r2 r3 r4" });
    expect(answer.usage).toMatchObject({ completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 4 } });
  });

  it("streams the thoughts as reasoning_content deltas", async () => {
    const marker = tag();
    const answer = await streamed(ask(gm.model(GEMINI), `Think [reasoning=2] ${marker}`, { reasoning_effort: "minimal", max_tokens: 100 }));
    expect((await sent(GEMINI, marker)).generationConfig).toEqual({ maxOutputTokens: 100, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(answer).toMatchObject({
      content: `Think [reasoning=2] ${marker}`,
      reasoning: "r1 r2",
      usage: { completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 2 } },
    });
  });

  it("turns thinking off for none", async () => {
    const marker = tag();
    const answer = await whole(ask(gm.model(GEMINI), `Quick ${marker}`, { reasoning_effort: "none" }));
    expect((await sent(GEMINI, marker)).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(answer.choices[0]!.message).not.toHaveProperty("reasoning_content");
  });

  it("refuses an effort it has no budget for", async () => {
    const marker = tag();
    await expectRefused(ask(gm.model(GEMINI), `Refuse ${marker}`, { reasoning_effort: "xhigh" }), "reasoning_effort", marker, GEMINI);
  });
});

describe("reasoning_effort to the demo provider", () => {
  it("refuses thinking, which demo models do not do, and accepts none", async () => {
    for (const stream of [false, true]) {
      await expectRefused(ask("demo/echo", "Think", { reasoning_effort: "low", stream }), "reasoning_effort", "", null);
    }
    expect((await whole(ask("demo/echo", "Quick", { reasoning_effort: "none" }))).choices[0]!.message.content).toBe("Quick");
  });
});
