// Seeing every call (issue 19): W3C traceparent honoured and propagated, the request log's
// detail (timings, attempts, upstream headers with secrets removed), bodies captured to R2 with
// redaction (streams as the assembled answer), the retention sweep, and OTLP traces with the
// GenAI conventions at a mock collector that never slows a call down when it fails.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepCapturedBodies } from "../durable-objects/gate/log-retention.ts";
import { unpackBody } from "../worker/core/body-pack.ts";
import type { RequestDetail } from "../worker/core/request-detail.ts";
import { call, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN } from "./kit/fixtures.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";
import { eventually, gatewayFetch, mockBase, settle, tag, upstream } from "./kit/gateway.ts";

const COLLECTOR = () => `http://127.0.0.1:${env.OTLP_MOCK_PORT}`;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

let owner: Member;
let developer: Member;
let tenantId: string;
let openai: { model: (m: string) => string };

interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  attributes: Record<string, unknown>;
  status?: { code: string };
  path: string;
  headers: Record<string, string>;
}

async function keyWith(capture: "none" | "metadata" | "bodies"): Promise<string> {
  const res = await call("/api/keys", jsonInit({ name: tag(), capture }, owner.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ key: string }>(res)).key;
}

const chat = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  gatewayFetch(
    new Request(`${ORIGIN}/v1/chat/completions`, jsonInit({ model: openai.model("gpt-4o-mini"), ...body }, { authorization: `Bearer ${key}`, ...headers })),
  );

interface Row {
  id: string;
  trace_id: string | null;
  detail: string | null;
  body_key: string | null;
  status: number;
}

async function rowOf(res: Response): Promise<Row> {
  await res.text();
  await settle();
  const id = res.headers.get("x-request-id")!;
  const read = async () => {
    await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).flush();
    return env.DB.prepare("SELECT id, trace_id, detail, body_key, status FROM request_log WHERE id = ?").bind(id).first<Row>();
  };
  const row = await eventually(read, (r) => r !== null);
  expect(row, `request_log row ${id}`).not.toBeNull();
  return row!;
}

const detailOf = (row: Row) => JSON.parse(row.detail ?? "null") as RequestDetail;

async function spans(traceId: string, count: number): Promise<CollectedSpan[]> {
  return eventually(
    async () => ((await (await fetch(`${COLLECTOR()}/__spans`)).json()) as CollectedSpan[]).filter((s) => s.traceId === traceId),
    (list) => list.length >= count,
  );
}

beforeAll(async () => {
  tenantId = await createTenant(tag());
  owner = await createMember("owner", tenantId, { operator: true });
  developer = await createMember("developer", tenantId);
  await grantCredit(tenantId, 10_000_000);
  // The tenant's own provider at the mock (its operator may point it at 127.0.0.1).
  const name = `oai-${tag()}`;
  const created = await call(
    "/api/providers",
    jsonInit({ name, kind: "openai", base_url: mockBase("openai"), api_key: UPSTREAM_KEYS.openai, models: ["gpt-4o-mini", "fail-503"] }, owner.headers),
  );
  expect(created.status, await created.clone().text()).toBe(201);
  openai = { model: (m) => `${name}/${m}` };
});

describe("trace context", () => {
  it("joins the caller's trace: the answer's traceparent and the provider's carry its trace id, each with a span of ours", async () => {
    const marker = `trace-${tag()}`;
    const res = await chat(await keyWith("none"), { messages: [{ role: "user", content: marker }] }, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` });
    expect(res.status).toBe(200);
    const answer = res.headers.get("traceparent")!;
    expect(answer).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(answer).not.toContain(CALLER_SPAN);
    const [sent] = await upstream("gpt-4o-mini", { marker });
    const upstreamSpan = sent!.headers.traceparent!.split("-")[2];
    expect(sent!.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));

    const row = await rowOf(res);
    expect(row.trace_id).toBe(TRACE_ID);
    const detail = detailOf(row);
    expect(detail.spanId).toBe(answer.split("-")[2]);
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ target: openai.model("gpt-4o-mini"), outcome: "ok", spanId: upstreamSpan });
    expect(detail.attempts[0]!.headers).toBeUndefined();
  });

  it("starts a trace when the caller sends none or a malformed one", async () => {
    const key = await keyWith("none");
    for (const traceparent of [undefined, "00-nothex-00f067aa0ba902b7-01", `00-${"0".repeat(32)}-${CALLER_SPAN}-01`]) {
      const res = await chat(key, { messages: [{ role: "user", content: "hi" }] }, traceparent ? { traceparent } : {});
      expect(res.status).toBe(200);
      const [, traceId] = res.headers.get("traceparent")!.split("-");
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe("0".repeat(32));
      await res.text();
    }
  });
});

describe("the request log's detail", () => {
  it("has timings that add up and every attempt of a fallback, with the upstream headers' secrets removed under capture: metadata", async () => {
    const route = `obs-${tag()}`;
    const routed = await call(
      "/api/routes",
      jsonInit({ alias: route, targets: [{ model: openai.model("fail-503") }, { model: openai.model("gpt-4o-mini") }], capture: "metadata" }, owner.headers),
    );
    expect(routed.status, await routed.clone().text()).toBe(201);
    const row = await rowOf(await chat(await keyWith("none"), { model: route, messages: [{ role: "user", content: "fallback" }] }));
    const detail = detailOf(row);
    expect(detail.capture).toBe("metadata");
    expect(detail.attempts.map((a) => a.outcome)).toEqual(["503", "ok"]);
    const { queueMs, admissionMs, ttfbMs, totalMs } = detail.timings;
    for (const ms of [queueMs, admissionMs, totalMs]) expect(ms).toBeGreaterThanOrEqual(0);
    expect(queueMs + admissionMs).toBeLessThanOrEqual(totalMs);
    expect(ttfbMs === null || ttfbMs <= totalMs).toBe(true);
    expect(detail.attempts[1]!.startMs).toBeGreaterThanOrEqual(detail.attempts[0]!.startMs);
    const headers = detail.attempts[1]!.headers!;
    expect(headers.authorization).toBe("[REDACTED]");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers.traceparent).toContain(row.trace_id!);
    expect(JSON.stringify(detail)).not.toContain("sk-");
  });
});

describe("bodies captured to R2", () => {
  it("stores the request and the answer, redacted, only under capture: bodies", async () => {
    const email = "ada.lovelace@example.com";
    const leakedKey = ["sk-proj", "abcdefghijklmnopqrstuvwxyz012345"].join("-"); // put together so no key-shaped literal is committed
    const plain = await rowOf(await chat(await keyWith("metadata"), { messages: [{ role: "user", content: `mail ${email}` }] }));
    expect(plain.body_key).toBeNull();

    const row = await rowOf(await chat(await keyWith("bodies"), { messages: [{ role: "user", content: `mail ${email} key ${leakedKey}` }] }));
    expect(row.body_key).toMatch(new RegExp(`^bodies/${tenantId}/\\d{4}-\\d{2}-\\d{2}/${row.id}\\.json\\.gz$`));
    const object = await eventually(
      () => env.LOGS.get(row.body_key!),
      (o) => o !== null,
    );
    const stored = (await unpackBody(await object!.arrayBuffer())) as {
      request: { messages: { content: string }[] };
      response: { choices: unknown[] };
      redactions: number;
    };
    const text = JSON.stringify(stored);
    expect(text).not.toContain(email);
    expect(text).not.toContain(leakedKey);
    expect(text).toContain("[REDACTED:email]");
    expect(stored.redactions).toBeGreaterThanOrEqual(2);
    expect(stored.response.choices).toHaveLength(1);
  });

  it("keeps a stream as the assembled answer, not its events", async () => {
    const res = await chat(await keyWith("bodies"), {
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "stream me" }],
    });
    expect(res.status).toBe(200);
    const row = await rowOf(res);
    const object = await eventually(
      () => env.LOGS.get(row.body_key!),
      (o) => o !== null,
    );
    const stored = (await unpackBody(await object!.arrayBuffer())) as { response: { object: string; choices: { message: { content: string } }[] } };
    expect(stored.response.object).toBe("chat.completion");
    expect(stored.response.choices[0]!.message.content).toContain("stream me");
  });

  it("applies the tenant's own patterns and switched-off kinds; refuses a pattern that could backtrack without end", async () => {
    const bad = await call("/api/tenant", jsonInit({ redaction: { custom: [{ name: "evil", pattern: "(a+)+$" }] } }, owner.headers, "PATCH"));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await json(bad))).toMatch(/repeat/);
    const set = await call(
      "/api/tenant",
      jsonInit({ redaction: { off: ["email"], custom: [{ name: "ticket", pattern: "TCK-[0-9]{6}" }] } }, owner.headers, "PATCH"),
    );
    expect(set.status, await set.clone().text()).toBe(200);
    const row = await rowOf(await chat(await keyWith("bodies"), { messages: [{ role: "user", content: "ticket TCK-123456 from grace@example.com" }] }));
    const object = await eventually(
      () => env.LOGS.get(row.body_key!),
      (o) => o !== null,
    );
    const text = JSON.stringify(await unpackBody(await object!.arrayBuffer()));
    expect(text).toContain("[REDACTED:ticket]");
    expect(text).not.toContain("TCK-123456");
    expect(text).toContain("grace@example.com");
    await call("/api/tenant", jsonInit({ redaction: null }, owner.headers, "PATCH"));
  });

  it("are deleted by the retention sweep once their day is past the tenant's retention", async () => {
    const res = await call("/api/tenant", jsonInit({ log_retention_days: 2 }, owner.headers, "PATCH"));
    expect(res.status, await res.clone().text()).toBe(200);
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const keys = [0, 2, 3, 10].map((ago) => `bodies/${tenantId}/${day(ago)}/req_${ago}.json.gz`);
    for (const key of keys) await env.LOGS.put(key, "x");
    const other = `bodies/other-${tag()}/${day(10)}/req.json.gz`;
    await env.LOGS.put(other, "x");
    expect(await sweepCapturedBodies(env.LOGS, env.DB, tenantId, Date.now())).toBeGreaterThanOrEqual(2);
    const left = await Promise.all(keys.map(async (key) => (await env.LOGS.head(key)) !== null));
    expect(left).toEqual([true, true, false, false]);
    expect(await env.LOGS.head(other)).not.toBeNull();
  });
});

describe("OTLP traces", () => {
  it("sends a trace per call to the tenant's collector, with the GenAI conventions and its auth header", async () => {
    const set = await call(
      "/api/tenant",
      jsonInit({ otlp_endpoint: `${COLLECTOR()}/auth`, otlp_headers: { authorization: "Bearer otlp-secret" } }, owner.headers, "PATCH"),
    );
    expect(set.status, await set.clone().text()).toBe(200);
    expect(await json(set)).toMatchObject({ otlp_endpoint: `${COLLECTOR()}/auth`, otlp_header_names: ["authorization"] });
    const traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
    const res = await chat(await keyWith("none"), { messages: [{ role: "user", content: "traced" }] }, { traceparent: `00-${traceId}-${CALLER_SPAN}-01` });
    expect(res.status).toBe(200);
    await res.text();
    await settle();
    const got = await spans(traceId, 4);
    const server = got.find((s) => s.kind === "server")!;
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.name).toBe(`chat ${openai.model("gpt-4o-mini")}`);
    expect(server.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": openai.model("gpt-4o-mini"),
      "gen_ai.system": "openai",
      "http.response.status_code": 200,
      "aiagg.tenant_id": tenantId,
    });
    expect(server.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(server.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(got.map((s) => s.name)).toEqual(expect.arrayContaining(["admission", `attempt ${openai.model("gpt-4o-mini")}`, "books"]));
    for (const span of got.filter((s) => s.kind !== "server")) expect(span.parentSpanId).toBe(server.spanId);
    expect(server.spanId).toBe(res.headers.get("traceparent")!.split("-")[2]);
  });

  it("never slows or fails a call when the collector hangs or fails", async () => {
    for (const path of ["/hang", "/fail"]) {
      const set = await call("/api/tenant", jsonInit({ otlp_endpoint: `${COLLECTOR()}${path}`, otlp_headers: null }, owner.headers, "PATCH"));
      expect(set.status).toBe(200);
      const started = Date.now();
      const res = await chat(await keyWith("none"), { messages: [{ role: "user", content: "still fine" }] });
      expect(res.status).toBe(200);
      await res.text();
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    await call("/api/tenant", jsonInit({ otlp_endpoint: null }, owner.headers, "PATCH"));
  });

  it("refuses a tenant's collector at an internal address, and shows its headers by name only", async () => {
    const outsiderTenant = await createTenant(tag());
    const admin = await createMember("admin", outsiderTenant);
    const res = await call("/api/tenant", jsonInit({ otlp_endpoint: "http://10.0.0.1:4318" }, admin.headers, "PATCH"));
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: "url_not_allowed" } });
    const read = await json<Record<string, unknown>>(await call("/api/tenant", { headers: developer.headers }));
    expect(JSON.stringify(read)).not.toContain("otlp-secret");
    const audit = await call("/api/audit?entity_type=tenant", { headers: owner.headers });
    expect(audit.status).toBe(200);
    const entries = await audit.text();
    expect(entries).toContain("otlpEndpoint");
    expect(entries).toContain('"otlpHeadersEncrypted":"[redacted]"');
    expect(entries).not.toMatch(/"otlpHeadersEncrypted":"v1\./);
  });
});
