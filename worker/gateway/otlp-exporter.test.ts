import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExportTraceServiceRequest, Span } from "../core/otlp.ts";
import { BATCH_SIZE, MAX_PENDING, OtlpExporter, tracesUrl } from "./otlp-exporter.ts";

interface Call {
  url: string;
  headers: Headers;
  body: ExportTraceServiceRequest;
}

/** A fetch that records each POST and answers with `answer` (a status, or a promise of a Response). */
function stubFetch(answer: (call: Call, init: RequestInit) => number | Promise<Response> = () => 200) {
  const calls: Call[] = [];
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call = { url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) as ExportTraceServiceRequest };
    calls.push(call);
    const result = answer(call, init ?? {});
    return typeof result === "number" ? new Response("{}", { status: result }) : result;
  };
  return { calls, fetch: f as typeof fetch };
}

/** A request's waitUntil, and a way to wait for all it was given (including what those added). */
function context() {
  const promises: Promise<unknown>[] = [];
  return {
    waitUntil: (promise: Promise<unknown>) => void promises.push(promise),
    settled: async () => {
      while (promises.length) await Promise.all(promises.splice(0));
    },
  };
}

const spans = (n: number, from = 0): Span[] =>
  Array.from({ length: n }, (_, i) => ({
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: (from + i + 1).toString(16).padStart(16, "0"),
    name: `span ${from + i}`,
    kind: "internal",
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_000_010,
    attributes: {},
  }));

const names = (body: ExportTraceServiceRequest) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.name)));
const spanCount = (calls: Call[]) => calls.reduce((n, call) => n + names(call.body).length, 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const collector = { url: "https://collector.example/otlp", headers: { authorization: "Bearer otlp-secret" } };
const resource = { "service.name": "ai-aggregator" };

/** The warnings logged (as parsed JSON lines) while `console.warn` is spied on. */
function warnings() {
  const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
  return () => spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("tracesUrl", () => {
  it("appends /v1/traces unless the URL already ends so", () => {
    expect(tracesUrl("https://c.example")).toBe("https://c.example/v1/traces");
    expect(tracesUrl("https://c.example/otlp/")).toBe("https://c.example/otlp/v1/traces");
    expect(tracesUrl("https://c.example/otlp/v1/traces")).toBe("https://c.example/otlp/v1/traces");
    expect(tracesUrl("https://c.example/otlp?tenant=a")).toBe("https://c.example/otlp/v1/traces?tenant=a");
  });
});

describe("OtlpExporter", () => {
  it("batches the calls of one isolate into one POST per collector, grouped by resource", async () => {
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 10 });
    const [a, b] = [context(), context()];
    exporter.add(collector, resource, spans(2), a.waitUntil);
    exporter.add(collector, { ...resource }, spans(1, 2), b.waitUntil);
    exporter.add(collector, { "service.name": "other" }, spans(1, 3), b.waitUntil);
    await Promise.all([a.settled(), b.settled()]);

    expect(stub.calls).toHaveLength(1);
    const [call] = stub.calls;
    expect(call!.url).toBe("https://collector.example/otlp/v1/traces");
    expect(call!.headers.get("content-type")).toBe("application/json");
    expect(call!.headers.get("authorization")).toBe("Bearer otlp-secret");
    expect(call!.body.resourceSpans.map((r) => [r.resource.attributes[0]?.value, r.scopeSpans[0]?.spans.length])).toEqual([
      [{ stringValue: "ai-aggregator" }, 3],
      [{ stringValue: "other" }, 1],
    ]);
    expect(names(call!.body)).toEqual(["span 0", "span 1", "span 2", "span 3"]);
    expect(exporter.stats()).toEqual({ pending: 0, sent: 4, failed: 0, dropped: 0 });
  });

  it("keeps collectors apart by URL and by headers", async () => {
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 10 });
    const ctx = context();
    exporter.add(collector, resource, spans(1), ctx.waitUntil);
    exporter.add({ url: collector.url, headers: { authorization: "Bearer other" } }, resource, spans(1), ctx.waitUntil);
    exporter.add({ url: "https://other.example/v1/traces" }, resource, spans(1), ctx.waitUntil);
    // The same headers in another order and case are the same collector.
    exporter.add({ url: collector.url, headers: { Authorization: "Bearer otlp-secret" } }, resource, spans(1), ctx.waitUntil);
    await ctx.settled();
    expect(stub.calls.map((c) => [c.url, c.headers.get("authorization"), names(c.body).length])).toEqual([
      ["https://collector.example/otlp/v1/traces", "Bearer otlp-secret", 2],
      ["https://collector.example/otlp/v1/traces", "Bearer other", 1],
      ["https://other.example/v1/traces", null, 1],
    ]);
  });

  it("sends a batch as soon as it holds BATCH_SIZE spans", async () => {
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 300 });
    const ctx = context();
    exporter.add(collector, resource, spans(BATCH_SIZE - 1), ctx.waitUntil);
    await sleep(20);
    expect(stub.calls).toHaveLength(0);
    expect(exporter.stats().pending).toBe(BATCH_SIZE - 1);

    exporter.add(collector, resource, spans(1, BATCH_SIZE - 1), ctx.waitUntil);
    await sleep(20);
    expect(stub.calls.map((c) => names(c.body).length)).toEqual([BATCH_SIZE]);
    await ctx.settled();
    expect(exporter.stats()).toEqual({ pending: 0, sent: BATCH_SIZE, failed: 0, dropped: 0 });
  });

  it("sends what is past BATCH_SIZE in further POSTs, one at a time, whoever asks", async () => {
    let open = 0;
    let most = 0;
    const stub = stubFetch(async () => {
      most = Math.max(most, ++open);
      await sleep(20);
      open -= 1;
      return new Response("{}");
    });
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 10 });
    const [a, b] = [context(), context()];
    exporter.add(collector, resource, spans(600), a.waitUntil);
    expect(stub.calls.map((c) => names(c.body).length)).toEqual([BATCH_SIZE]); // at once, in add()
    await sleep(15);
    // Another request's spans, and a flush, while the first POST is under way: they wait their turn.
    exporter.add(collector, resource, spans(300, 600), b.waitUntil);
    await Promise.all([a.settled(), b.settled(), exporter.flush()]);
    expect(spanCount(stub.calls)).toBe(900);
    expect(stub.calls.every((c) => names(c.body).length <= BATCH_SIZE)).toBe(true);
    expect(most).toBe(1);
    expect(exporter.stats()).toEqual({ pending: 0, sent: 900, failed: 0, dropped: 0 });
  });

  it("flush() sends what waits at once", async () => {
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 60_000 });
    exporter.add(collector, resource, spans(10), () => {});
    exporter.add({ url: "https://other.example" }, resource, spans(3), () => {});
    await exporter.flush();
    expect(stub.calls.map((c) => names(c.body).length)).toEqual([10, 3]);
    expect(exporter.stats()).toEqual({ pending: 0, sent: 13, failed: 0, dropped: 0 });
    await exporter.flush(); // nothing left: no POST
    expect(stub.calls).toHaveLength(2);
  });

  it("holds at most MAX_PENDING spans per collector while one hangs, dropping the oldest", async () => {
    const warned = warnings();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const stub = stubFetch(async () => {
      await held;
      return new Response("{}");
    });
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 10, timeoutMs: 60_000 });
    const ctx = context();
    exporter.add(collector, resource, spans(BATCH_SIZE), ctx.waitUntil); // leaves at once, and hangs
    const QUEUED = MAX_PENDING + 952;
    for (let i = 0; i < QUEUED / 8; i++) exporter.add(collector, resource, spans(8, BATCH_SIZE + i * 8), ctx.waitUntil);
    await sleep(30);
    expect(stub.calls).toHaveLength(1);
    expect(exporter.stats()).toEqual({ pending: MAX_PENDING, sent: 0, failed: 0, dropped: QUEUED - MAX_PENDING });

    release();
    await Promise.all([ctx.settled(), exporter.flush()]);
    expect(exporter.stats()).toEqual({ pending: 0, sent: BATCH_SIZE + MAX_PENDING, failed: 0, dropped: QUEUED - MAX_PENDING });
    // The newest MAX_PENDING of those queued behind the hanging POST were kept.
    expect(names(stub.calls[1]!.body)[0]).toBe(`span ${BATCH_SIZE + QUEUED - MAX_PENDING}`);
    expect(names(stub.calls.at(-1)!.body).at(-1)).toBe(`span ${BATCH_SIZE + QUEUED - 1}`);
    // Logged once, not once per dropped span or per add.
    expect(warned().filter((w) => String(w.message).includes("backlog full"))).toHaveLength(1);
  });

  it("never throws for a failing collector, drops its spans and warns at most once a minute", async () => {
    const warned = warnings();
    const failures: ((call: Call) => number | Promise<Response>)[] = [
      () => 500,
      () => 400,
      () => Promise.reject(new TypeError("Network connection lost")),
      () => {
        throw new Error("thrown at once");
      },
    ];
    for (const failure of failures) {
      const stub = stubFetch(failure);
      const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 1, retryDelayMs: 1 });
      const ctx = context();
      for (let i = 0; i < 3; i++) {
        expect(() => exporter.add(collector, resource, spans(2), ctx.waitUntil)).not.toThrow();
        await ctx.settled();
      }
      await expect(exporter.flush()).resolves.toBeUndefined();
      expect(stub.calls).toHaveLength(3); // no retry
      expect(exporter.stats()).toEqual({ pending: 0, sent: 0, failed: 6, dropped: 0 });
    }
    const lines = warned();
    expect(lines).toHaveLength(failures.length);
    expect(lines.map((w) => w.reason)).toEqual(["HTTP 500", "HTTP 400", "TypeError: Network connection lost", "Error: thrown at once"]);
    // The warning names the collector, never its headers.
    expect(lines[0]).toMatchObject({ level: "warn", collector: "https://collector.example/otlp", spans: 2 });
    expect(JSON.stringify(lines)).not.toContain("otlp-secret");
  });

  it("retries a 429 or 503 once, and only once", async () => {
    warnings();
    const answers = [503, 200, 429, 429, 503, 503];
    const stub = stubFetch(() => answers.shift() ?? 200);
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 1, retryDelayMs: 1 });
    for (let i = 0; i < 3; i++) {
      const ctx = context();
      exporter.add(collector, resource, spans(1), ctx.waitUntil);
      await ctx.settled();
    }
    expect(stub.calls).toHaveLength(6);
    expect(exporter.stats()).toEqual({ pending: 0, sent: 1, failed: 2, dropped: 0 });
  });

  it("gives up on a collector that hangs after timeoutMs", async () => {
    const warned = warnings();
    const stub = stubFetch(
      (_call, init) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 1, timeoutMs: 50 });
    const ctx = context();
    const started = Date.now();
    exporter.add(collector, resource, spans(5), ctx.waitUntil);
    await ctx.settled();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(stub.calls).toHaveLength(1);
    expect(exporter.stats()).toEqual({ pending: 0, sent: 0, failed: 5, dropped: 0 });
    expect(warned()[0]).toMatchObject({ reason: "timeout after 50 ms" });
  });

  it("drops spans for a collector URL that does not parse, without throwing", async () => {
    warnings();
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 1 });
    const ctx = context();
    expect(() => exporter.add({ url: "not a url" }, resource, spans(1), ctx.waitUntil)).not.toThrow();
    expect(() => exporter.add({ url: "https://c.example", headers: { "bad header": "x" } }, resource, spans(1), ctx.waitUntil)).not.toThrow();
    await ctx.settled();
    expect(stub.calls).toHaveLength(0);
    expect(exporter.stats().failed).toBe(2);
  });

  it("does nothing for no spans", async () => {
    const stub = stubFetch();
    const exporter = new OtlpExporter({ fetch: stub.fetch, delayMs: 1 });
    const ctx = context();
    exporter.add(collector, resource, [], ctx.waitUntil);
    await ctx.settled();
    await exporter.flush();
    expect(stub.calls).toHaveLength(0);
  });
});
