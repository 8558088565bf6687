import { describe, expect, it } from "vitest";
import { packBody, unpackBody } from "./body-pack.ts";

describe("packBody", () => {
  it("round-trips JSON through gzip, smaller than the text", async () => {
    const value = { request: { messages: [{ role: "user", content: "hello ".repeat(2000) }] }, response: { ok: true, n: 3 } };
    const packed = await packBody(value);
    expect(packed.truncated).toBe(false);
    expect(packed.bytes.byteLength).toBeLessThan(packed.textBytes / 10);
    expect(await unpackBody(packed.bytes)).toEqual(value);
  });

  it("cuts the longest strings first to fit the cap, and says how much", async () => {
    const value = { long: "a".repeat(50_000), short: "keep me", list: ["b".repeat(20_000)] };
    const packed = await packBody(value, { maxBytes: 10_000 });
    expect(packed.truncated).toBe(true);
    expect(packed.textBytes).toBeLessThanOrEqual(10_000);
    const back = (await unpackBody(packed.bytes)) as typeof value;
    expect(back.short).toBe("keep me");
    expect(back.long).toMatch(/…\[truncated \d+ chars\]$/);
    expect(back.list[0]).toMatch(/^b*…\[truncated \d+ chars\]$/);
  });

  it("fits multi-byte text too", async () => {
    const packed = await packBody({ text: "привет 👋 ".repeat(20_000) }, { maxBytes: 20_000 });
    expect(packed.textBytes).toBeLessThanOrEqual(20_000);
    expect(((await unpackBody(packed.bytes)) as { text: string }).text).toMatch(/^привет/);
  });
});
