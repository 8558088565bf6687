import { describe, expect, it } from "vitest";
import { parseCustomPatterns, redactHeaders, redactJson, redactText, rulesFrom } from "./redact.ts";

const all = rulesFrom(null);
const red = (text: string) => redactText(text, all).text;

describe("redactText's built-in kinds", () => {
  it.each([
    ["our key sk-agg-abcdefghijklmnopqrstuvwx", "our key [REDACTED:api_key]"],
    ["openai sk-proj-AbCdEfGhIjKlMnOpQrStUvWx12", "openai [REDACTED:api_key]"],
    ["anthropic sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "anthropic [REDACTED:api_key]"],
    ["google AIzaSyA1234567890abcdefghijklmnopqrstuv", "google [REDACTED:api_key]"],
    ["aws AKIAIOSFODNN7EXAMPLE", "aws [REDACTED:api_key]"],
    ["gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", "gh [REDACTED:api_key]"],
    ["stripe sk_live_abcdefghijklmnop1234", "stripe [REDACTED:api_key]"],
    ["slack xoxb-1234567890-abcdef", "slack [REDACTED:api_key]"],
    ["Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer [REDACTED:bearer]"],
    ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt [REDACTED:jwt]"],
    ["mail ada.lovelace+x@example.co.uk now", "mail [REDACTED:email] now"],
    ["card 4111 1111 1111 1111 ok", "card [REDACTED:card] ok"],
    ["card 4111-1111-1111-1111", "card [REDACTED:card]"],
    ["call +1 415 555 0100 today", "call [REDACTED:phone] today"],
    ["call (415) 555-0100", "call [REDACTED:phone]"],
    ["uk 020 7946 0958", "uk [REDACTED:phone]"],
    ["e164 +442079460958", "e164 [REDACTED:phone]"],
  ])("%s", (input, expected) => {
    expect(red(input)).toBe(expected);
  });

  it.each([
    "order 4111 1111 1111 1112", // fails Luhn
    "tokens 1234567890123",
    "at 1796287686874 ms",
    "on 2026-12-03 10:15:30",
    "date 2026-12-03T10:15:30Z",
    "version 1.2.3.4",
    "price 1,234,567.89",
    "id req_abc123def456",
    "sk-short",
  ])("leaves %s alone", (input) => {
    expect(red(input)).toBe(input);
  });

  it("counts what it replaced, and kinds can be switched off", () => {
    expect(redactText("a@b.co and c@d.co", all).redactions).toBe(2);
    expect(redactText("a@b.co +1 415 555 0100", rulesFrom({ off: ["email"] })).text).toBe("a@b.co [REDACTED:phone]");
  });

  it("applies a tenant's own patterns", () => {
    const rules = rulesFrom({ custom: [{ name: "ticket", pattern: "TCK-[0-9]{6}" }] });
    expect(redactText("see TCK-123456 and TCK-1", rules)).toEqual({ text: "see [REDACTED:ticket] and TCK-1", redactions: 1 });
  });
});

describe("redactJson and redactHeaders", () => {
  it("redacts strings anywhere and removes secret-named fields whole, leaving the input as it was", () => {
    const input = { messages: [{ content: "mail me at a@b.co" }], api_key: "plain", nested: { Authorization: "x", n: 5 } };
    const { value, redactions } = redactJson(input, all);
    expect(value).toEqual({ messages: [{ content: "mail me at [REDACTED:email]" }], api_key: "[REDACTED]", nested: { Authorization: "[REDACTED]", n: 5 } });
    expect(redactions).toBe(3);
    expect(input.api_key).toBe("plain");
  });

  it("keeps ordinary headers and removes every credential", () => {
    expect(
      redactHeaders({
        Authorization: "Bearer k",
        "x-api-key": "k",
        "x-goog-api-key": "k",
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      }),
    ).toEqual({
      authorization: "[REDACTED]",
      "x-api-key": "[REDACTED]",
      "x-goog-api-key": "[REDACTED]",
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
    });
  });
});

describe("parseCustomPatterns", () => {
  it("takes sound patterns", () => {
    expect(parseCustomPatterns([{ name: "ticket", pattern: "TCK-\\d{6}", flags: "i" }])).toEqual({
      ok: true,
      value: [{ name: "ticket", pattern: "TCK-\\d{6}", flags: "i" }],
    });
  });

  it.each([
    [[{ name: "Bad Name", pattern: "x" }], /name/],
    [[{ name: "a", pattern: "" }], /1–200/],
    [[{ name: "a", pattern: "x".repeat(201) }], /1–200/],
    [[{ name: "a", pattern: "(a+)+$" }], /repeat/],
    [[{ name: "a", pattern: "(\\w*)*" }], /repeat/],
    [[{ name: "a", pattern: "(x{2,})+" }], /repeat/],
    [[{ name: "a", pattern: "(a)\\1" }], /back-references/],
    [[{ name: "a", pattern: "[" }], /valid/],
    [[{ name: "a", pattern: "x", flags: "g" }], /flags/],
    [Array.from({ length: 21 }, (_, i) => ({ name: `p${i}`, pattern: "x" })), /20/],
    ["nope", /list/],
  ])("refuses %j", (input, error) => {
    const result = parseCustomPatterns(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
