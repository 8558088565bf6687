import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../openai-schema.ts";
import type { ChatStreamEvent } from "../types.ts";
import { demoChat, demoChatStream, demoEmbed } from "./demo.ts";

const req = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "demo/echo",
  messages: [{ role: "system", content: "Be brief." }, { role: "user", content }],
  ...extra,
});

async function collect(events: AsyncIterator<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for (let next = await events.next(); !next.done; next = await events.next()) out.push(next.value);
  return out;
}

describe("demo provider", () => {
  it("echoes the last user message and counts tokens", () => {
    const result = demoChat("echo", req("Привет, мир! 👋"));
    expect(result.text).toBe("Привет, мир! 👋");
    expect(result.finishReason).toBe("stop");
    // "Be brief." = 3, "Привет, мир! 👋" = 5
    expect(result.usage).toMatchObject({ inputTokens: 8, outputTokens: 5 });
  });

  it("streams the same text and usage it answers without streaming", async () => {
    for (const model of ["echo", "lorem"]) {
      const whole = demoChat(model, req("one two three", { max_tokens: 7 }));
      const events = await collect(demoChatStream(model, req("one two three", { max_tokens: 7 })));
      const text = events.map((e) => (e.type === "delta" ? e.text : "")).join("");
      const finish = events.at(-1);
      expect(text).toBe(whole.text);
      expect(finish).toEqual({ type: "finish", finishReason: whole.finishReason, usage: whole.usage });
    }
  });

  it("writes exactly max_tokens lorem tokens", () => {
    expect(demoChat("lorem", req("x", { max_tokens: 100 })).usage.outputTokens).toBe(100);
    expect(demoChat("lorem", req("x")).usage.outputTokens).toBe(64);
  });

  it("rejects unknown models", () => {
    expect(() => demoChat("nope", req("x"))).toThrowError(/does not exist/);
    expect(() => demoEmbed("echo", ["x"])).toThrowError(/not an embedding model/);
  });
});
