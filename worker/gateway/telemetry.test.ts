import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "./attempts.ts";
import { callSpans, exportCall, parseHeaderList, type TracedCall } from "./telemetry.ts";
import type { Env } from "../env.ts";

const attempt = (outcome: string, startedAt: number, ms: number, spanId: string): AttemptRecord => ({
  target: "openai/gpt-4o-mini",
  provider: "openai",
  outcome,
  startedAt,
  ms,
  spanId,
});

const call = (overrides: Partial<TracedCall> = {}): TracedCall => ({
  trace: { traceId: "a".repeat(32), spanId: "b".repeat(16), parentSpanId: "c".repeat(16), sampled: true },
  requestId: "req_1",
  tenantId: "t1",
  keyId: "k1",
  endpoint: "chat.completions",
  model: "openai/gpt-4o-mini",
  provider: "openai",
  providerKind: "openai",
  status: 200,
  errorType: null,
  inputTokens: 10,
  outputTokens: 20,
  costMicros: 30,
  marks: { startedAt: 1_000, admissionStartedAt: 1_002, admittedAt: 1_005, ttfbMs: 50, capture: "none" },
  attempts: [attempt("503", 1_006, 10, "1".repeat(16)), attempt("ok", 1_020, 30, "2".repeat(16))],
  endedAt: 1_200,
  ...overrides,
});

describe("callSpans", () => {
  it("makes the call's server span the caller's child, and every other span the call's child", () => {
    const spans = callSpans(call());
    const [server, ...rest] = spans;
    expect(server).toMatchObject({
      kind: "server",
      spanId: "b".repeat(16),
      parentSpanId: "c".repeat(16),
      startMs: 1_000,
      endMs: 1_200,
      status: { code: "ok" },
    });
    expect(rest.map((s) => s.name)).toEqual(["admission", "attempt openai/gpt-4o-mini", "attempt openai/gpt-4o-mini", "stream", "books"]);
    for (const span of rest) expect(span.parentSpanId).toBe("b".repeat(16));
    expect(rest[1]).toMatchObject({ kind: "client", spanId: "1".repeat(16), startMs: 1_006, endMs: 1_016, status: { code: "error" } });
    expect(rest[1]!.attributes["http.response.status_code"]).toBe(503);
    expect(rest[3]).toMatchObject({ startMs: 1_050, endMs: 1_200 });
  });

  it("marks a failed call as an error with its type, and names tool calls execute_tool", () => {
    const [failed] = callSpans(call({ status: 502, errorType: "upstream_error" }));
    expect(failed).toMatchObject({ status: { code: "error", message: "upstream_error" } });
    expect(failed!.attributes["error.type"]).toBe("upstream_error");
    const [tool] = callSpans(call({ endpoint: "mcp.tools.call", model: "github__search" }));
    expect(tool!.name).toBe("execute_tool github__search");
  });
});

describe("exportCall", () => {
  it("sends nothing for a trace the caller did not sample, or with no collector", () => {
    const waited: Promise<unknown>[] = [];
    const env = { OTLP_ENDPOINT: "http://127.0.0.1:9/" } as unknown as Env;
    exportCall(env, (p) => waited.push(p), undefined, call({ trace: { traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: false } }));
    exportCall({} as Env, (p) => waited.push(p), undefined, call());
    expect(waited).toHaveLength(0);
  });
});

describe("parseHeaderList", () => {
  it("reads OTEL_EXPORTER_OTLP_HEADERS' form and a JSON object", () => {
    expect(parseHeaderList("api-key=abc,x-team=t%20one")).toEqual({ "api-key": "abc", "x-team": "t one" });
    expect(parseHeaderList('{"authorization":"Bearer x"}')).toEqual({ authorization: "Bearer x" });
    expect(parseHeaderList(undefined)).toEqual({});
    expect(parseHeaderList("{broken")).toEqual({});
  });
});
