import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest, OpenAIChunk } from "../../formats/openai.ts";
import { demoChat, demoChatStream, demoEmbed } from "./index.ts";

const req = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "demo/echo",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content },
  ],
  ...extra,
});

async function collect(events: AsyncIterable<OpenAIChunk>): Promise<OpenAIChunk[]> {
  const out: OpenAIChunk[] = [];
  for await (const chunk of events) out.push(chunk);
  return out;
}

describe("demo provider", () => {
  it("echoes the last user message and counts tokens", () => {
    const result = demoChat("echo", req("Привет, мир! 👋"));
    expect(result.choices[0]?.message.content).toBe("Привет, мир! 👋");
    expect(result.choices[0]?.finish_reason).toBe("stop");
    // "Be brief." = 3, "Привет, мир! 👋" = 5
    expect(result.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 5 });
  });

  it("streams the same text and usage it answers without streaming", async () => {
    for (const model of ["echo", "lorem"]) {
      const whole = demoChat(model, req("one two three", { max_tokens: 7 }));
      const chunks = await collect(demoChatStream(model, req("one two three", { max_tokens: 7 })));
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text).toBe(whole.choices[0]?.message.content);
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe(whole.choices[0]?.finish_reason);
      expect(chunks.at(-1)?.choices).toEqual([]);
      expect(chunks.at(-1)?.usage).toEqual(whole.usage);
    }
  });

  it("writes exactly max_tokens lorem tokens", () => {
    expect(demoChat("lorem", req("x", { max_tokens: 100 })).usage?.completion_tokens).toBe(100);
    expect(demoChat("lorem", req("x")).usage?.completion_tokens).toBe(64);
  });

  it("rejects unknown models", () => {
    expect(() => demoChat("nope", req("x"))).toThrowError(/does not exist/);
    expect(() => demoEmbed("echo", ["x"])).toThrowError(/not an embedding model/);
  });
});
