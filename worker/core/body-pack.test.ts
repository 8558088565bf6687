import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_BYTES, packBody, unpackBody } from "./body-pack.ts";

const utf8 = (text: string) => new TextEncoder().encode(text).byteLength;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("packBody", () => {
  it("round-trips JSON through gzip, smaller than the text", async () => {
    const value = { request: { messages: [{ role: "user", content: "hello ".repeat(2000) }] }, response: { ok: true, n: 3, none: null } };
    const packed = await packBody(value);
    expect(packed.truncated).toBe(false);
    expect(packed.textBytes).toBe(utf8(JSON.stringify(value)));
    expect(packed.bytes.byteLength).toBeLessThan(packed.textBytes / 10);
    expect(await unpackBody(packed.bytes)).toEqual(value);
    expect(await unpackBody(packed.bytes.slice().buffer)).toEqual(value);
  });

  it("keeps a value exactly at the cap whole, and packs undefined as null", async () => {
    const value = { text: "x".repeat(100) };
    expect((await packBody(value, { maxBytes: utf8(JSON.stringify(value)) })).truncated).toBe(false);
    expect(await unpackBody((await packBody(undefined)).bytes)).toBeNull();
  });

  it(`caps at ${DEFAULT_MAX_BYTES} bytes of JSON by default`, async () => {
    const packed = await packBody({ text: "y".repeat(2 * DEFAULT_MAX_BYTES) });
    expect(packed.truncated).toBe(true);
    expect(packed.textBytes).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
    expect(packed.textBytes).toBeGreaterThan(DEFAULT_MAX_BYTES - 1024);
  });

  it("cuts the longest strings first, all to one length, and says how much", async () => {
    const value = { long: "a".repeat(50_000), mid: "b".repeat(20_000), small: "c".repeat(2_000), short: "keep me" };
    const packed = await packBody(value, { maxBytes: 10_000 });
    expect(packed.truncated).toBe(true);
    expect(packed.textBytes).toBeLessThanOrEqual(10_000);
    const back = (await unpackBody(packed.bytes)) as Record<string, string>;
    expect(back.short).toBe("keep me");
    expect(back.small).toBe(value.small);
    const long = /^(a*)…\[truncated (\d+) chars\]$/.exec(back.long!)!;
    const mid = /^(b*)…\[truncated (\d+) chars\]$/.exec(back.mid!)!;
    expect(long[1]!.length).toBe(mid[1]!.length);
    expect(long[1]!.length + Number(long[2])).toBe(50_000);
    expect(mid[1]!.length + Number(mid[2])).toBe(20_000);
    expect(value.long.length).toBe(50_000); // the input is left as it was
  });

  it("uses the room it has: a cut body fills most of the cap", async () => {
    const packed = await packBody(
      { messages: Array.from({ length: 200 }, (_, i) => ({ role: "user", content: `${i} ${"z".repeat(5_000)}` })) },
      { maxBytes: 100_000 },
    );
    expect(packed.textBytes).toBeLessThanOrEqual(100_000);
    expect(packed.textBytes).toBeGreaterThan(90_000);
    const back = (await unpackBody(packed.bytes)) as { messages: { content: string }[] };
    expect(back.messages).toHaveLength(200);
    expect(back.messages[199]!.content).toMatch(/^199 z+…\[truncated \d+ chars\]$/);
  });

  it("fits multi-byte and escaped text, never splitting a surrogate pair", async () => {
    for (const text of ["привет 👋 ".repeat(20_000), "👋".repeat(30_000), '"\n\u0001\\'.repeat(20_000)]) {
      const packed = await packBody({ text }, { maxBytes: 20_000 });
      expect(packed.textBytes).toBeLessThanOrEqual(20_000);
      const back = ((await unpackBody(packed.bytes)) as { text: string }).text;
      expect(back.slice(0, 10)).toBe(text.slice(0, 10));
      expect(back).not.toMatch(LONE_SURROGATE);
    }
  });

  it("cuts long arrays when strings are not enough (an embeddings answer)", async () => {
    const embedding = () => Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 3);
    const value = { object: "list", data: Array.from({ length: 300 }, (_, index) => ({ object: "embedding", index, embedding: embedding() })), model: "m" };
    const packed = await packBody(value, { maxBytes: 200_000 });
    expect(packed.truncated).toBe(true);
    expect(packed.textBytes).toBeLessThanOrEqual(200_000);
    const back = (await unpackBody(packed.bytes)) as { model: string; data: unknown[] };
    expect(back.model).toBe("m");
    expect(back.data.at(-1)).toMatch(/^…\[truncated \d+ items\]$/);
    expect((back.data[0] as { embedding: unknown[] }).embedding.at(-1)).toMatch(/^…\[truncated \d+ items\]$/);
  });

  it("stores a note when nothing can be cut enough, and null under an absurd cap", async () => {
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    const packed = await packBody(wide, { maxBytes: 1_000 });
    expect(packed.truncated).toBe(true);
    expect(await unpackBody(packed.bytes)).toEqual({ truncated: true, note: "too large to keep, even cut" });
    const tiny = await packBody({ text: "x".repeat(1_000) }, { maxBytes: 8 });
    expect(tiny.textBytes).toBeLessThanOrEqual(8);
    expect(await unpackBody(tiny.bytes)).toBeNull();
  });

  it("always gives valid JSON under the cap, and the value itself when it fits", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 64, max: 4_000 }), async (value, maxBytes) => {
        const packed = await packBody(value, { maxBytes });
        expect(packed.textBytes).toBeLessThanOrEqual(maxBytes);
        const back = await unpackBody(packed.bytes);
        if (!packed.truncated) expect(back).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });
});
