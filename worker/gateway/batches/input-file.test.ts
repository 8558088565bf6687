import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.ts";
import { forProvider, readInputFile } from "./input-file.ts";

const line = (id: string, body: Record<string, unknown> = {}, url = "/v1/chat/completions") =>
  JSON.stringify({ custom_id: id, method: "POST", url, body: { model: "p/m", messages: [{ role: "user", content: "hi" }], ...body } });

function refusal(text: string): AppError {
  try {
    readInputFile(text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("readInputFile", () => {
  it("reads each line's worst case: its bytes as prompt, its output limit times n", () => {
    const a = line("a", { max_tokens: 7, n: 3 });
    const b = line("b", { max_completion_tokens: 9 });
    const c = line("c");
    const file = readInputFile(`${a}\n\n${b}\r\n${c}`);
    expect(file).toMatchObject({ url: "/v1/chat/completions", model: "p/m" });
    expect(file.bounds).toEqual([
      { promptBound: a.length + 1_024, maxOutput: 7, choices: 3 },
      { promptBound: b.length + 1 + 1_024, maxOutput: 9, choices: 1 },
      { promptBound: c.length + 1_024, maxOutput: null, choices: 1 },
    ]);
  });

  it("counts an image by URL in a line as the largest image, and embeddings as writing nothing", () => {
    const image = line("i", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }] });
    expect(readInputFile(image).bounds[0]!.promptBound).toBe(image.length + 1_024 + 8_000);
    const embedding = JSON.stringify({ custom_id: "e", method: "POST", url: "/v1/embeddings", body: { model: "p/e", input: "x", max_tokens: 50 } });
    expect(readInputFile(embedding).bounds[0]!.maxOutput).toBe(0);
  });

  it("names the first wrong line", () => {
    expect(refusal(`${line("a")}\n{`).message).toMatch(/^Line 2: not JSON/);
    expect(refusal(`${line("a")}\n${line("a")}`).message).toMatch(/^Line 2: custom_id 'a' is used twice/);
    expect(refusal(`${line("a")}\n${line("b", { model: "p/other" })}`).message).toMatch(/^Line 2: every line must name the same model/);
    expect(refusal(`${line("a")}\n${line("b", {}, "/v1/responses")}`).message).toMatch(/^Line 2: every line must call the same URL/);
    expect(refusal(line("a", { service_tier: "flex" })).message).toMatch(/service tier 'flex' is not available in batches/);
    expect(refusal(line("a", { max_tokens: 0 })).message).toMatch(/^Line 1: 'body.max_tokens'/);
    expect(refusal("").code).toBe("invalid_batch_file");
  });

  it("hands the provider the lines with its model name and nothing else changed", () => {
    const file = readInputFile(line("a", { temperature: 0.5 }));
    expect(JSON.parse(forProvider(file, "gpt-4o").trim())).toEqual({
      custom_id: "a",
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], temperature: 0.5 },
    });
  });
});
