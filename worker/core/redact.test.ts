import { describe, expect, it } from "vitest";
import { CUSTOM_MAX_CHARS, parseCustomPatterns, redactHeaders, redactJson, redactText, rulesFrom } from "./redact.ts";

const all = rulesFrom(null);
/** Key-shaped strings are put together at run time, so no literal in the source looks like a leaked secret. */
const shaped = (prefix: string, body: string) => `${prefix}${body}`;
const red = (text: string) => redactText(text, all).text;

describe("redactText's built-in kinds", () => {
  it.each([
    ["our key sk-agg-abcdefghijklmnopqrstuvwx", "our key [REDACTED:api_key]"],
    [`openai ${shaped("sk-proj-", "AbCdEfGhIjKlMnOpQrStUvWx12_x-y")}`, "openai [REDACTED:api_key]"],
    ["legacy sk-AbCdEfGhIjKlMnOpQrStUvWx1234567890abcdefghij", "legacy [REDACTED:api_key]"],
    [`anthropic ${shaped("sk-ant-api03-", "AbCdEfGhIjKlMnOpQrStUv")}`, "anthropic [REDACTED:api_key]"],
    [`google ${shaped("AIza", "SyA1234567890abcdefghijklmnopqrstuv")}`, "google [REDACTED:api_key]"],
    [`aws ${shaped("AKIA", "IOSFODNN7EXAMPLE")}`, "aws [REDACTED:api_key]"],
    [`gh ${shaped("ghp_", "abcdefghijklmnopqrstuvwxyz0123456789")}`, "gh [REDACTED:api_key]"],
    [`gh ${shaped("gho_", "abcdefghijklmnopqrstuvwxyz0123456789")}`, "gh [REDACTED:api_key]"],
    [`pat ${shaped("github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz")}`, "pat [REDACTED:api_key]"],
    [`stripe ${shaped("sk_live_", "abcdefghijklmnop1234")}`, "stripe [REDACTED:api_key]"],
    [`stripe ${shaped("sk_test_", "abcdefghijklmnop1234")}`, "stripe [REDACTED:api_key]"],
    [`stripe ${shaped("rk_live_", "abcdefghijklmnop1234")}`, "stripe [REDACTED:api_key]"],
    [`slack ${shaped("xoxb-", "1234567890-abcdef")}`, "slack [REDACTED:api_key]"],
    [`slack ${shaped("xoxp-", "1234567890-abcdef")}`, "slack [REDACTED:api_key]"],
    ['{"key":"sk-agg-abcdefghijklmnopqrstuvwx"}', '{"key":"[REDACTED:api_key]"}'],
    [`OPENAI_API_KEY=${shaped("sk-proj-", "AbCdEfGhIjKlMnOpQrStUvWx12")}`, "OPENAI_API_KEY=[REDACTED:api_key]"],
    ["Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer [REDACTED:bearer]"],
    ["authorization: bearer 0123456789abcdef", "authorization: bearer [REDACTED:bearer]"],
    ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt [REDACTED:jwt]"],
    ["unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "unsigned [REDACTED:jwt]"],
    ["Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "Bearer [REDACTED:jwt]"],
    ["mail ada.lovelace+x@example.co.uk now", "mail [REDACTED:email] now"],
    ["<a_b@mail.example.com>.", "<[REDACTED:email]>."],
    ["card 4111 1111 1111 1111 ok", "card [REDACTED:card] ok"],
    ["card 4111-1111-1111-1111", "card [REDACTED:card]"],
    ["card 4111111111111111 exp 12/27", "card [REDACTED:card] exp 12/27"],
    ["amex 3782 822463 10005", "amex [REDACTED:card]"],
    ["amex 378282246310005", "amex [REDACTED:card]"],
    ["mc 5555 5555 5555 4444", "mc [REDACTED:card]"],
    ["qty 2 4111 1111 1111 1111", "qty 2 [REDACTED:card]"],
    ["call +1 415 555 0100 today", "call [REDACTED:phone] today"],
    ["call +1 (415) 555-0100", "call [REDACTED:phone]"],
    ["call +44 20 7946 0958.", "call [REDACTED:phone]."],
    ["call +44 (0)20 7946 0958", "call [REDACTED:phone]"],
    ["appel +33 1 23 45 67 89", "appel [REDACTED:phone]"],
    ["tel:+14155550100", "tel:[REDACTED:phone]"],
    ["e164 +442079460958", "e164 [REDACTED:phone]"],
    ["call (415) 555-0100", "call [REDACTED:phone]"],
    ["call 415.555.0100 or 1-800-555-0100", "call [REDACTED:phone] or [REDACTED:phone]"],
    ["phone: 415-555-0100", "phone: [REDACTED:phone]"],
    ["uk 020 7946 0958", "uk [REDACTED:phone]"],
    ["fr 06 12 34 56 78", "fr [REDACTED:phone]"],
    ["de (030) 12345678", "de [REDACTED:phone]"],
  ])("%s", (input, expected) => {
    expect(red(input)).toBe(expected);
  });

  it.each([
    "order 4111 1111 1111 1112", // fails Luhn
    "order 1000000000000123", // passes Luhn, but no card network starts with 1
    "order 8000123456789018", // passes Luhn, nor with 8
    "tokens 1234567890123",
    '"total_tokens": 1048576, "prompt_tokens": 123456789012',
    "at 1796287686879 ms", // a unix time in ms that passes Luhn
    "at 1733222400 s",
    "at 1733222400123456789 ns",
    "on 2026-12-03 10:15:30",
    "10:15:30 2026-12-03",
    "date 2026-12-03T10:15:30Z",
    "am 03.12.2026 10:15 und 05.01.2026 08.30",
    "12/03/2026 - 12/04/2026",
    "tz +0530 and +05:30",
    "ip 192.168.100.200 and 10.0.0.1",
    "ipv6 2001:db8:85a3::8a2e:370:7334",
    "version 1.2.3.4",
    "price 1,234,567.89 or 1 234 567,89 €",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "id req_abc123def456",
    "short 555-0100",
    "sk-short",
    "the sk-learn-compatible-interface-design",
    "Bearer instruments are paper",
    "git@github",
  ])("leaves %s alone", (input) => {
    expect(red(input)).toBe(input);
  });

  it("finds a card behind a longer number that is not one", () => {
    expect(red("ref 1234 5678 4111 1111 1111 1111")).toBe("ref 1234 5678 [REDACTED:card]");
  });

  it("counts what it replaced, and kinds can be switched off", () => {
    expect(redactText("a@b.co and c@d.co", all)).toEqual({ text: "[REDACTED:email] and [REDACTED:email]", redactions: 2, truncatedCustom: false });
    expect(redactText("a@b.co +1 415 555 0100", rulesFrom({ off: ["email"] })).text).toBe("a@b.co [REDACTED:phone]");
    const none = rulesFrom({ off: ["api_key", "jwt", "bearer", "email", "card", "phone"] });
    expect(redactText("a@b.co sk-agg-abcdefghijklmnopqrstuvwx", none)).toEqual({
      text: "a@b.co sk-agg-abcdefghijklmnopqrstuvwx",
      redactions: 0,
      truncatedCustom: false,
    });
  });

  it.each([
    ["dotted words", "a.".repeat(524_288)],
    ["an unfinished address", "x@".repeat(524_288)],
    ["token-like runs", "eyJ-".repeat(262_144)],
    ["key prefixes", "sk-".repeat(349_525)],
    ["digits", "1".repeat(1_048_576)],
    ["spaced digits", "1 ".repeat(524_288)],
    ["plus signs", "+1 ".repeat(349_525)],
    ["bearer words", "Bearer ".repeat(149_796)],
  ])("runs in linear time on 1 MiB of %s", (_, text) => {
    expect(redactText(text, all).text.length).toBeGreaterThan(0);
  });
});

describe("redactText's custom patterns", () => {
  const ticket = rulesFrom({ custom: [{ name: "ticket", pattern: "TCK-[0-9]{6}" }] });

  it("applies a tenant's own patterns after the built-in kinds", () => {
    expect(redactText("see TCK-123456 and TCK-1", ticket)).toEqual({ text: "see [REDACTED:ticket] and TCK-1", redactions: 1, truncatedCustom: false });
    const rules = rulesFrom({ custom: [{ name: "acct", pattern: "acct-[a-z]+", flags: "i" }] });
    expect(redactText("ACCT-Smith mailed a@b.co", rules).text).toBe("[REDACTED:acct] mailed [REDACTED:email]");
  });

  it("finds every match in long text, which it scans in pieces", () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} TCK-${String(i).padStart(6, "0")} ok`).join("\n");
    const words = Array.from({ length: 3000 }, (_, i) => `TCK-${String(i).padStart(6, "0")}`).join(" ");
    expect(redactText(lines, ticket).redactions).toBe(3000);
    expect(redactText(words, ticket).redactions).toBe(3000);
  });

  it("sees across the pieces it scans in: matches, lookbehinds, word boundaries and anchors", () => {
    const cut = (at: number, text: string) => `${"x".repeat(at)}${text}`;
    for (let at = 240; at < 270; at++) expect(redactText(cut(at, "TCK-123456"), ticket).redactions).toBe(1);
    const password = rulesFrom({ custom: [{ name: "pw", pattern: "(?<=password=)\\S+" }] });
    for (let at = 240; at < 270; at++) expect(redactText(cut(at, "password=hunter2 ok"), password).text).toBe(cut(at, "password=[REDACTED:pw] ok"));
    const word = rulesFrom({ custom: [{ name: "foo", pattern: "\\bfoo" }] });
    expect(redactText(cut(256, "foo"), word).redactions).toBe(0);
    expect(redactText(cut(256, " foo"), word).redactions).toBe(1);
    const anchored = rulesFrom({ custom: [{ name: "foo", pattern: "^foo" }] });
    expect(redactText(cut(300, "foo"), anchored).redactions).toBe(0);
    expect(redactText(`foo${"x".repeat(300)}`, anchored).redactions).toBe(1);
  });

  it("keeps a long match whole, up to the overlap", () => {
    const rules = rulesFrom({ custom: [{ name: "blob", pattern: "BLOB:[a-z]{1,300}" }] });
    expect(redactText(`${"x ".repeat(100)}BLOB:${"q".repeat(250)} end`, rules).text).toBe(`${"x ".repeat(100)}[REDACTED:blob] end`);
  });

  it("runs several patterns, each over what the one before left", () => {
    const rules = rulesFrom({
      custom: [
        { name: "a", pattern: "AAA-\\d{3}" },
        { name: "b", pattern: "B{3}", flags: "i" },
      ],
    });
    const text = Array.from({ length: 200 }, (_, i) => `AAA-${String(i % 1000).padStart(3, "0")} bbb`).join(",");
    const out = redactText(text, rules);
    expect(out.redactions).toBe(400);
    expect(out.text).not.toMatch(/AAA-|bbb/);
  });

  it(`stops past ${CUSTOM_MAX_CHARS} characters and says so, the built-in kinds still applied`, () => {
    const text = `${"x".repeat(CUSTOM_MAX_CHARS - 20)} TCK-000001 TCK-000002 a@b.co`;
    expect(redactText(text, ticket)).toEqual({
      text: `${"x".repeat(CUSTOM_MAX_CHARS - 20)} [REDACTED:ticket] TCK-000002 [REDACTED:email]`,
      redactions: 2,
      truncatedCustom: true,
    });
  });

  it("bounds a pattern that backtracks polynomially (\\w+@corp over 1 MiB of letters)", () => {
    const rules = rulesFrom({ custom: [{ name: "corp", pattern: "\\w+@corp" }] });
    expect(redactText("a".repeat(CUSTOM_MAX_CHARS), rules).redactions).toBe(0);
  });

  it("never runs a stored pattern that fails the checks", () => {
    const rules = rulesFrom({
      custom: [
        { name: "bad", pattern: "(a+)+$" },
        { name: "broken", pattern: "[" },
        { name: "ok", pattern: "TCK-\\d{6}" },
      ],
    });
    expect(redactText(`${"a".repeat(40)}! TCK-123456`, rules).text).toBe(`${"a".repeat(40)}! [REDACTED:ok]`);
  });
});

describe("redactJson", () => {
  it("redacts strings anywhere and replaces secret-named fields whole, leaving the input as it was", () => {
    const input = {
      messages: [{ content: "mail me at a@b.co" }],
      api_key: "plain",
      nested: { Authorization: "x", n: 5, list: ["sk-agg-abcdefghijklmnopqrstuvwx"] },
    };
    const { value, redactions, truncatedCustom } = redactJson(input, all);
    expect(value).toEqual({
      messages: [{ content: "mail me at [REDACTED:email]" }],
      api_key: "[REDACTED]",
      nested: { Authorization: "[REDACTED]", n: 5, list: ["[REDACTED:api_key]"] },
    });
    expect(redactions).toBe(4);
    expect(truncatedCustom).toBe(false);
    expect(input.api_key).toBe("plain");
  });

  it("knows secret names in any case and spelling, whatever the value", () => {
    const input = {
      apiKey: "k",
      API_KEY: 1,
      "X-Api-Key": "k",
      password: "p",
      secret: { nested: true },
      client_secret: "s",
      token: "t",
      access_token: "t",
      refreshToken: "t",
      empty: { password: null, token: "" },
    };
    const { value, redactions } = redactJson(input, all);
    expect(value).toEqual({
      apiKey: "[REDACTED]",
      API_KEY: "[REDACTED]",
      "X-Api-Key": "[REDACTED]",
      password: "[REDACTED]",
      secret: "[REDACTED]",
      client_secret: "[REDACTED]",
      token: "[REDACTED]",
      access_token: "[REDACTED]",
      refreshToken: "[REDACTED]",
      empty: { password: null, token: "" },
    });
    expect(redactions).toBe(9);
  });

  it("keeps counts and logprobs tokens, which only look like secrets by name", () => {
    const usage = { max_tokens: 100, usage: { prompt_tokens: 12, total_tokens: 20 }, logprobs: { content: [{ token: "Hello", logprob: -0.1 }] } };
    expect(redactJson(usage, all)).toEqual({ value: usage, redactions: 0, truncatedCustom: false });
  });

  it("shares one budget for custom patterns across the strings", () => {
    const rules = rulesFrom({ custom: [{ name: "ticket", pattern: "TCK-\\d{6}" }] });
    const chunk = `${"x".repeat(300_000)} TCK-000001`;
    const result = redactJson({ a: chunk, b: chunk, c: chunk, d: chunk }, rules);
    expect(result.truncatedCustom).toBe(true);
    expect(result.redactions).toBe(3);
  });
});

describe("redactHeaders", () => {
  it("keeps ordinary headers and removes every credential", () => {
    expect(
      redactHeaders({
        Authorization: "Bearer k",
        "Proxy-Authorization": "Basic k",
        "x-api-key": "k",
        "api-key": "k",
        "x-goog-api-key": "k",
        "anthropic-api-key": "k",
        "x-amz-security-token": "k",
        "x-client-secret": "k",
        "x-auth-user": "k",
        cookie: "a=b",
        "set-cookie": "a=b",
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "user-agent": "curl/8",
        "x-forwarded-for": "203.0.113.7",
      }),
    ).toEqual({
      authorization: "[REDACTED]",
      "proxy-authorization": "[REDACTED]",
      "x-api-key": "[REDACTED]",
      "api-key": "[REDACTED]",
      "x-goog-api-key": "[REDACTED]",
      "anthropic-api-key": "[REDACTED]",
      "x-amz-security-token": "[REDACTED]",
      "x-client-secret": "[REDACTED]",
      "x-auth-user": "[REDACTED]",
      cookie: "[REDACTED]",
      "set-cookie": "[REDACTED]",
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "user-agent": "curl/8",
      "x-forwarded-for": "203.0.113.7",
    });
  });

  it("takes a Headers object", () => {
    const headers = new Headers({ Authorization: "Bearer k", Accept: "text/event-stream" });
    expect(redactHeaders(headers)).toEqual({ authorization: "[REDACTED]", accept: "text/event-stream" });
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
    "TCK-\\d{6}",
    "(\\d{1,3}\\.){3}\\d{1,3}",
    "(\\d{3}-)+\\d{4}",
    "(?:foo|bar)+-\\d+",
    "(?:Foo|bar)-(?:x|y)?",
    "(?<=password=)\\S+",
    "[A-Z]{2}\\d{6,10}",
    "\\w+\\s+\\w+",
    "[(]\\d+[)]",
    "[]a+",
    "a{2}",
    "(?<id>ACME-\\d{4})",
    "\\p{Lu}{3}-\\d+",
  ])("takes %s", (pattern) => {
    expect(parseCustomPatterns([{ name: "p", pattern, flags: "u" }]).ok).toBe(true);
  });

  it.each([
    [[{ name: "Bad Name", pattern: "x" }], /name/],
    [[{ name: "a", pattern: "" }], /1–200/],
    [[{ name: "a", pattern: "x".repeat(201) }], /1–200/],
    [[{ name: "a", pattern: "(a+)+$" }], /repeat/],
    [[{ name: "a", pattern: "(\\w*)*" }], /repeat/],
    [[{ name: "a", pattern: "(.*)*x" }], /repeat/],
    [[{ name: "a", pattern: "(x{2,})+" }], /repeat/],
    [[{ name: "a", pattern: "((a+))+" }], /repeat/],
    [[{ name: "a", pattern: "(?:a+b)+" }], /repeat/],
    [[{ name: "a", pattern: "(?<n>\\d+-)+" }], /repeat/],
    [[{ name: "a", pattern: "(a?){20}" }], /repeat/],
    [[{ name: "a", pattern: "(\\d{1,3}){3,}" }], /repeat/],
    [[{ name: "a", pattern: "(?:a|aa)+b" }], /overlap/],
    [[{ name: "a", pattern: "(a|a)*b" }], /overlap/],
    [[{ name: "a", pattern: "(?:\\d|x)+y" }], /overlap/],
    [[{ name: "a", pattern: "(?:x(?:ab|a))+" }], /overlap/],
    [[{ name: "a", pattern: "(?:Ab|ab)+", flags: "i" }], /overlap/],
    [[{ name: "a", pattern: `${"a?".repeat(11)}b` }], /at most 10/],
    [[{ name: "a", pattern: "(a)\\1" }], /back-references/],
    [[{ name: "a", pattern: "(?<x>a)\\k<x>" }], /back-references/],
    [[{ name: "a", pattern: "(?=a+)b" }], /lookaround/],
    [[{ name: "a", pattern: "(?=(?:ab)*)c" }], /lookaround/],
    [[{ name: "a", pattern: "(?=a)+b" }], /lookaround/],
    [[{ name: "a", pattern: "x*" }], /empty/],
    [[{ name: "a", pattern: "[" }], /valid/],
    [[{ name: "a", pattern: "x", flags: "g" }], /flags/],
    [[{ name: "a", pattern: "x", flags: "ii" }], /flags/],
    [[{ name: "a", pattern: 5 }], /1–200/],
    [[null], /object/],
    [Array.from({ length: 21 }, (_, i) => ({ name: `p${i}`, pattern: "x" })), /20/],
    ["nope", /list/],
  ])("refuses %j", (input, error) => {
    const result = parseCustomPatterns(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
