import { describe, expect, it } from "vitest";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  encodeAttributes,
  encodeTraces,
  msToUnixNano,
  type Span,
} from "./otlp.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

const span = (over: Partial<Span> = {}): Span => ({
  traceId: TRACE,
  spanId: "00f067aa0ba902b7",
  name: "chat gpt-4o",
  kind: "client",
  startMs: 1_700_000_000_123,
  endMs: 1_700_000_000_456,
  attributes: {},
  ...over,
});

describe("semantic convention names", () => {
  it("are the names the conventions define", () => {
    expect([
      ATTR_GEN_AI_SYSTEM,
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_GEN_AI_RESPONSE_MODEL,
      ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
      ATTR_GEN_AI_REQUEST_MAX_TOKENS,
      ATTR_GEN_AI_REQUEST_TEMPERATURE,
      ATTR_GEN_AI_RESPONSE_ID,
      ATTR_SERVER_ADDRESS,
      ATTR_HTTP_RESPONSE_STATUS_CODE,
      ATTR_ERROR_TYPE,
    ]).toEqual([
      "gen_ai.system",
      "gen_ai.operation.name",
      "gen_ai.request.model",
      "gen_ai.response.model",
      "gen_ai.usage.input_tokens",
      "gen_ai.usage.output_tokens",
      "gen_ai.response.finish_reasons",
      "gen_ai.request.max_tokens",
      "gen_ai.request.temperature",
      "gen_ai.response.id",
      "server.address",
      "http.response.status_code",
      "error.type",
    ]);
  });
});

describe("msToUnixNano", () => {
  it("writes exact nanoseconds past 2^53", () => {
    expect(msToUnixNano(1_700_000_000_123)).toBe("1700000000123000000");
    // In floating point 1_712_345_678_901 * 1e6 is 1712345678900999936.
    expect(msToUnixNano(1_712_345_678_901)).toBe("1712345678901000000");
  });

  it("keeps fractions of a millisecond, to the nanosecond", () => {
    expect(msToUnixNano(1_700_000_000_123.5)).toBe("1700000000123500000");
    expect(msToUnixNano(0.000001)).toBe("1");
  });

  it("writes 0 for what is not a time", () => {
    expect(msToUnixNano(Number.NaN)).toBe("0");
    expect(msToUnixNano(-5)).toBe("0");
    expect(msToUnixNano(Number.POSITIVE_INFINITY)).toBe("0");
  });
});

describe("encodeAttributes", () => {
  it("types each value as the OTLP JSON encoding does", () => {
    expect(
      encodeAttributes({
        s: "text",
        i: 42,
        neg: -7,
        d: 0.5,
        b: false,
        arr: ["stop", "length"],
        none: [],
        big: 2 ** 60,
        nan: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
      }),
    ).toEqual([
      { key: "s", value: { stringValue: "text" } },
      { key: "i", value: { intValue: "42" } },
      { key: "neg", value: { intValue: "-7" } },
      { key: "d", value: { doubleValue: 0.5 } },
      { key: "b", value: { boolValue: false } },
      { key: "arr", value: { arrayValue: { values: [{ stringValue: "stop" }, { stringValue: "length" }] } } },
      { key: "none", value: { arrayValue: { values: [] } } },
      { key: "big", value: { doubleValue: 2 ** 60 } },
      { key: "nan", value: { doubleValue: "NaN" } },
      { key: "inf", value: { doubleValue: "-Infinity" } },
    ]);
  });

  it("writes attributes the conventions type as double as double, even when whole", () => {
    expect(encodeAttributes({ [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 1, [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 1 })).toEqual([
      { key: "gen_ai.request.temperature", value: { doubleValue: 1 } },
      { key: "gen_ai.request.max_tokens", value: { intValue: "1" } },
    ]);
  });
});

describe("encodeTraces", () => {
  it("builds resourceSpans → scopeSpans → spans with enums as integers", () => {
    const body = encodeTraces({ "service.name": "ai-aggregator", "tenant.id": "ten_1" }, [
      span({
        kind: "server",
        name: "POST /v1/chat/completions",
        attributes: { [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 },
        status: { code: "ok" },
      }),
      span({
        spanId: "1111111111111111",
        parentSpanId: "00f067aa0ba902b7",
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: "chat",
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12,
          [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ["stop"],
        },
        status: { code: "error", message: "upstream timed out" },
        events: [
          { name: "first_token", timeMs: 1_700_000_000_200, attributes: { n: 1 } },
          { name: "retry", timeMs: 1_700_000_000_300 },
        ],
      }),
      span({ spanId: "2222222222222222", kind: "internal" }),
    ]);
    expect(body).toEqual({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: "service.name", value: { stringValue: "ai-aggregator" } },
              { key: "tenant.id", value: { stringValue: "ten_1" } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: "ai-aggregator" },
              spans: [
                {
                  traceId: TRACE,
                  spanId: "00f067aa0ba902b7",
                  name: "POST /v1/chat/completions",
                  kind: 2,
                  startTimeUnixNano: "1700000000123000000",
                  endTimeUnixNano: "1700000000456000000",
                  attributes: [{ key: "http.response.status_code", value: { intValue: "200" } }],
                  status: { code: 1 },
                },
                {
                  traceId: TRACE,
                  spanId: "1111111111111111",
                  parentSpanId: "00f067aa0ba902b7",
                  name: "chat gpt-4o",
                  kind: 3,
                  startTimeUnixNano: "1700000000123000000",
                  endTimeUnixNano: "1700000000456000000",
                  attributes: [
                    { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
                    { key: "gen_ai.usage.input_tokens", value: { intValue: "12" } },
                    { key: "gen_ai.response.finish_reasons", value: { arrayValue: { values: [{ stringValue: "stop" }] } } },
                  ],
                  events: [
                    { timeUnixNano: "1700000000200000000", name: "first_token", attributes: [{ key: "n", value: { intValue: "1" } }] },
                    { timeUnixNano: "1700000000300000000", name: "retry", attributes: [] },
                  ],
                  status: { code: 2, message: "upstream timed out" },
                },
                {
                  traceId: TRACE,
                  spanId: "2222222222222222",
                  name: "chat gpt-4o",
                  kind: 1,
                  startTimeUnixNano: "1700000000123000000",
                  endTimeUnixNano: "1700000000456000000",
                  attributes: [],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it("survives JSON: no bigint, no undefined fields", () => {
    const body = encodeTraces({}, [span({ parentSpanId: undefined, status: undefined, events: [] })]);
    const text = JSON.stringify(body);
    expect(JSON.parse(text)).toEqual(body);
    expect(text).not.toContain("parentSpanId");
    expect(text).not.toContain("events");
    expect(text).not.toContain("status");
  });
});
