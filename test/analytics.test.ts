// /api/analytics, /api/analytics/live, /api/analytics/export and /api/metrics end to end:
// events go in through the tenant's AnalyticsHub, come out of the API exactly.
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { LiveMessage } from "../durable-objects/hub/live.ts";
import { LATENCY_BUCKETS_MS } from "../worker/core/sums.ts";
import { EXPORT_COLUMNS, READ_TOKEN_AUDIENCE, TICKET_AUDIENCE } from "../worker/api/analytics/index.ts";
import { ISSUER } from "../worker/core/security/jwt.ts";
import type { RequestLogRow } from "../worker/db/request-log.ts";
import { type Member, TENANT_ID, bearer, call, createMember, createTenant, flushAnalytics, json, jsonInit, uniqueName } from "./kit/fixtures.ts";
import { eventually, post, settle } from "./kit/gateway.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let seq = 0;
const hubFor = (tenantId: string) => env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId));

function event(tenantId: string, overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id: `req_api_${++seq}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`,
    tenantId,
    keyId: "key_a",
    provider: "demo",
    model: "demo/echo",
    endpoint: "/v1/chat/completions",
    status: 200,
    errorType: null,
    stream: false,
    latencyMs: 100,
    ttfbMs: 30,
    inputTokens: 10,
    outputTokens: 20,
    cachedTokens: 0,
    reasoningTokens: 0,
    costMicros: 5,
    estimated: false,
    attempts: ["demo/echo=ok"],
    createdAt: Date.now(),
    ...overrides,
  };
}

async function ingestAndFlush(tenantId: string, rows: readonly RequestLogRow[]): Promise<void> {
  const hub = hubFor(tenantId);
  for (const row of rows) expect((await hub.ingest(row)).accepted).toBe(true);
  expect((await hub.flush()).ok).toBe(true);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A member of a tenant of its own. */
async function freshMember(role: "owner" | "viewer" = "viewer"): Promise<Member> {
  return createMember(role, await createTenant("Analytics"));
}

// ── live ────────────────────────────────────────────────────────────────────────────────────

async function ticketFor(member: Member): Promise<string> {
  const res = await call("/api/analytics/live/ticket", { method: "POST", headers: member.headers });
  expect(res.status).toBe(201);
  const body = await json<{ ticket: string; expires_in: number; url: string }>(res);
  expect(body.expires_in).toBe(60);
  expect(body.url).toContain(encodeURIComponent(body.ticket));
  return body.ticket;
}

const openWs = (query: string, headers: Record<string, string> = {}) => call(`/api/analytics/live${query}`, { headers: { upgrade: "websocket", ...headers } });

function collect(res: Response): LiveMessage[] {
  const ws = res.webSocket!;
  const messages: LiveMessage[] = [];
  ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data)) as LiveMessage));
  ws.accept();
  return messages;
}

const eventsSeen = (messages: LiveMessage[]) => messages.reduce((n, m) => n + (m.type === "update" ? m.events : 0), 0);

async function signTicket(claims: { sub: string; tid: string }, options: { secret?: string; audience?: string; exp?: number } = {}): Promise<string> {
  return new SignJWT({ tid: claims.tid })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? TICKET_AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 60)
    .sign(new TextEncoder().encode(options.secret ?? env.JWT_SECRET));
}

describe("live", () => {
  it("opens a WebSocket with a single-use ticket, bound to the caller's tenant", async () => {
    const a = await freshMember();
    const b = await freshMember();
    const ticketA = await ticketFor(a);
    const resA = await openWs(`?ticket=${encodeURIComponent(ticketA)}`);
    expect(resA.status).toBe(101);
    const seenA = collect(resA);
    const seenB = collect(await openWs(`?ticket=${encodeURIComponent(await ticketFor(b))}`));

    const reused = await openWs(`?ticket=${encodeURIComponent(ticketA)}`);
    expect(reused.status).toBe(401);
    expect(await json(reused)).toMatchObject({ error: { code: "ticket_used" } });

    await until(() => seenA.length > 0 && seenB.length > 0, "hello on both sockets");
    await hubFor(a.tenantId).ingestMany([event(a.tenantId), event(a.tenantId, { status: 429 })]);
    await until(() => eventsSeen(seenA) === 2, "A's update");
    const update = seenA.find((m) => m.type === "update");
    expect(update?.type === "update" && update.delta.totals).toMatchObject({ requests: 2, errors: 1 });
    await sleep(400);
    expect(seenB.map((m) => m.type)).toEqual(["hello"]);
  });

  it("refuses expired, forged, foreign and stale tickets, and tickets as access tokens", async () => {
    const member = await freshMember();
    const expired = await signTicket({ sub: member.userId, tid: member.tenantId }, { exp: Math.floor(Date.now() / 1000) - 5 });
    const forged = await signTicket({ sub: member.userId, tid: member.tenantId }, { secret: "x".repeat(64) });
    const cases: [string, string][] = [
      [expired, "ticket_expired"],
      [forged, "invalid_ticket"],
      [member.token, "invalid_ticket"], // an access token is not a ticket
      [await signTicket({ sub: member.userId, tid: member.tenantId }, { audience: READ_TOKEN_AUDIENCE }), "invalid_ticket"],
      ["garbage", "invalid_ticket"],
    ];
    for (const [ticket, code] of cases) {
      const res = await openWs(`?ticket=${encodeURIComponent(ticket)}`);
      expect(res.status, code).toBe(401);
      expect(await json(res)).toMatchObject({ error: { code } });
    }
    // A ticket for a tenant the user does not belong to.
    const foreign = await signTicket({ sub: member.userId, tid: (await freshMember()).tenantId });
    expect((await openWs(`?ticket=${encodeURIComponent(foreign)}`)).status).toBe(401);
    // A ticket outlives nothing: remove the member and an unused ticket stops working.
    const ticket = await ticketFor(member);
    await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?").bind(member.userId).run();
    expect((await openWs(`?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
    // A ticket is not an access token.
    const other = await freshMember();
    expect((await call("/api/keys", { headers: bearer(await ticketFor(other)) })).status).toBe(401);
    expect((await openWs("")).status).toBe(401);
  });

  it("streams Server-Sent Events with the access token", async () => {
    const member = await freshMember();
    const controller = new AbortController();
    const res = await call("/api/analytics/live", { headers: { ...member.headers, accept: "text/event-stream" }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil("event: hello");
    await hubFor(member.tenantId).ingest(event(member.tenantId, { costMicros: 77 }));
    await readUntil("event: update");
    const data = JSON.parse(/event: update\ndata: (.*)\n/.exec(text)![1]!) as Extract<LiveMessage, { type: "update" }>;
    expect(data.delta.totals).toMatchObject({ requests: 1, cost_micros: 77 });
    expect(data.minute.requests).toBeGreaterThanOrEqual(1);
    await reader.cancel();
    controller.abort();

    // Without asking for a stream: one snapshot of the current minute.
    const snapshot = await call("/api/analytics/live", { headers: member.headers });
    expect(snapshot.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(snapshot)).toMatchObject({ type: "hello", minute: { requests: expect.any(Number) } });
  });
});

// ── the report ──────────────────────────────────────────────────────────────────────────────

interface SumsOut {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  latency_ms_avg: number | null;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
}

interface ClassesOut {
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  input_cost_micros: number;
  cached_input_cost_micros: number;
  cache_write_cost_micros: number;
  output_cost_micros: number;
  reasoning_cost_micros: number;
  cache_saved_micros: number;
}

interface TopUser {
  end_user: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  last_seen_at: string;
}

interface Report {
  from: string;
  to: string;
  interval: string;
  totals: SumsOut & ClassesOut & { error_rate: number | null };
  series: (Partial<SumsOut> & { t: string; group?: string; requests: number })[];
  top_models: (SumsOut & ClassesOut & { model: string })[];
  top_users: TopUser[];
  errors_by_type: { error_type: string | null; status: number; count: number }[];
  latency: { avg_ms: number | null; p50_ms: number | null; p95_ms: number | null; method: string; histogram: { le_ms: number | null; count: number }[] };
  budget: { monthly_budget_micros: number | null; spent_micros: number; remaining_micros: number | null; used_ratio: number | null; month_start: string };
}

const report = async (member: Member, query: string) => {
  const res = await call(`/api/analytics${query}`, { headers: member.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Report>(res);
};

describe("report", () => {
  let member: Member;
  let rows: RequestLogRow[];
  beforeAll(async () => {
    member = await freshMember();
    const now = Date.now();
    rows = Array.from({ length: 36 }, (_, i) =>
      event(member.tenantId, {
        model: ["demo/echo", "demo/lorem", "openai/gpt-4o-mini"][i % 3]!,
        provider: i % 3 === 2 ? "openai" : "demo",
        keyId: i % 2 ? "key_a" : "key_b",
        status: i % 5 === 0 ? 502 : i % 9 === 0 ? 429 : 200,
        errorType: i % 5 === 0 ? "upstream_error" : i % 9 === 0 ? "rate_limited" : null,
        latencyMs: 30 + i * 211,
        inputTokens: 3 * i,
        outputTokens: i + 1,
        costMicros: 11 * i,
        createdAt: now - i * 5 * MINUTE,
      }),
    );
    await ingestAndFlush(member.tenantId, rows);
    await env.DB.prepare("UPDATE tenants SET monthly_budget_micros = ? WHERE id = ?").bind(1_000_000, member.tenantId).run();
  });

  const sum = (list: readonly RequestLogRow[], f: (r: RequestLogRow) => number) => list.reduce((n, r) => n + f(r), 0);

  it("totals, series, top models, errors, latency and budget match the ingested events", async () => {
    const r = await report(member, "?last=4h&interval=hour");
    expect(r.interval).toBe("hour");
    expect(r.totals).toMatchObject({
      requests: 36,
      errors: sum(rows, (x) => (x.status >= 400 ? 1 : 0)),
      input_tokens: sum(rows, (x) => x.inputTokens ?? 0),
      output_tokens: sum(rows, (x) => x.outputTokens ?? 0),
      cost_micros: sum(rows, (x) => x.costMicros ?? 0),
      latency_ms_avg: Math.round(sum(rows, (x) => x.latencyMs) / 36),
    });
    expect(r.series.length).toBeGreaterThanOrEqual(4);
    expect(r.series.length).toBeLessThanOrEqual(5);
    expect(r.series.reduce((n, p) => n + p.requests, 0)).toBe(36);
    expect(r.series.reduce((n, p) => n + (p.cost_micros ?? 0), 0)).toBe(r.totals.cost_micros);

    expect(r.top_models.map((m) => [m.model, m.requests])).toEqual([
      ["demo/echo", 12],
      ["demo/lorem", 12],
      ["openai/gpt-4o-mini", 12],
    ]);
    const errorCount = (type: string) => r.errors_by_type.find((e) => e.error_type === type)?.count;
    expect(errorCount("upstream_error")).toBe(rows.filter((x) => x.status === 502).length);
    expect(errorCount("rate_limited")).toBe(rows.filter((x) => x.status === 429).length);

    // The histogram is exact; the percentiles lie inside the right buckets.
    expect(r.latency.method).toBe("histogram");
    expect(r.latency.histogram).toEqual([
      ...LATENCY_BUCKETS_MS.map((le) => ({ le_ms: le, count: rows.filter((x) => x.latencyMs <= le).length })),
      { le_ms: null, count: 36 },
    ]);
    const sorted = rows.map((x) => x.latencyMs).sort((x, y) => x - y);
    const bucketOf = (ms: number) => LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
    expect(bucketOf(r.latency.p50_ms!)).toBe(bucketOf(sorted[17]!));
    expect(r.latency.p95_ms!).toBeGreaterThanOrEqual(r.latency.p50_ms!);

    const monthStart = Date.parse(r.budget.month_start);
    const spent = sum(
      rows.filter((x) => x.createdAt >= monthStart),
      (x) => x.costMicros ?? 0,
    );
    expect(r.budget).toMatchObject({ monthly_budget_micros: 1_000_000, spent_micros: spent, remaining_micros: 1_000_000 - spent });
  });

  it("groups by model, provider, key and status", async () => {
    const byModel = await report(member, "?last=4h&interval=hour&group_by=model");
    const perModel = new Map<string, number>();
    for (const p of byModel.series) perModel.set(p.group!, (perModel.get(p.group!) ?? 0) + (p.cost_micros ?? 0));
    expect(perModel.get("demo/lorem")).toBe(
      sum(
        rows.filter((x) => x.model === "demo/lorem"),
        (x) => x.costMicros ?? 0,
      ),
    );

    const byProvider = await report(member, "?last=4h&interval=hour&group_by=provider");
    expect(byProvider.series.filter((p) => p.group === "openai").reduce((n, p) => n + p.requests, 0)).toBe(12);

    const byKey = await report(member, "?last=4h&group_by=key");
    expect(byKey.interval).toBe("minute");
    expect(byKey.series.filter((p) => p.group === "key_a").reduce((n, p) => n + p.requests, 0)).toBe(18);

    const byStatus = await report(member, "?last=4h&interval=hour&group_by=status");
    const count = (g: string) => byStatus.series.filter((p) => p.group === g).reduce((n, p) => n + p.requests, 0);
    expect(count("error")).toBe(byStatus.totals.errors);
    expect(count("success")).toBe(36 - byStatus.totals.errors);
  });

  it("validates ranges and intervals, and shows nothing of another tenant's", async () => {
    for (const [query, param] of [
      ["?last=30d&interval=minute", "interval"],
      ["?from=2026-01-02&to=2026-01-01", "from"],
      ["?from=2026-01-01&last=1d", "last"],
      ["?last=yesterday", "last"],
      ["?group_by=color", "group_by"],
      ["?last=500d", "from"],
    ] as const) {
      const res = await call(`/api/analytics${query}`, { headers: member.headers });
      expect(res.status, query).toBe(400);
      expect((await json<{ error: { param?: string } }>(res)).error.param, query).toBe(param);
    }
    const outsider = await report(await freshMember(), "?last=4h");
    expect(outsider.totals.requests).toBe(0);
    expect(outsider.errors_by_type).toEqual([]);
    expect((await call("/api/analytics")).status).toBe(401);
  });

  it("answers 30 days of per-minute rollups quickly", async () => {
    const tenant = (await freshMember()).tenantId;
    const viewer = await createMember("viewer", tenant);
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    const start = end - 30 * DAY;
    const rollups: (string | number)[][] = [];
    for (let m = start; m < end; m += MINUTE)
      for (const model of ["demo/echo", "demo/lorem"]) rollups.push([m, model, 2, 1, 50, 2, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    const insert = env.DB.prepare(
      `INSERT INTO usage_rollups (tenant_id, minute, model, provider, key_id, requests, errors, input_tokens, output_tokens, cost_micros, latency_ms_sum,
         latency_le_50, latency_le_100, latency_le_250, latency_le_500, latency_le_1000, latency_le_2500, latency_le_5000, latency_le_10000, latency_le_30000)
       SELECT ?1, value ->> 0, value ->> 1, 'demo', 'key_a', value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, 80,
         value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14, value ->> 15 FROM json_each(?2)`,
    );
    const statements = [];
    for (let i = 0; i < rollups.length; i += 5000) statements.push(insert.bind(tenant, JSON.stringify(rollups.slice(i, i + 5000))));
    await env.DB.batch(statements);

    for (const query of ["?last=30d&interval=day&group_by=model", "?last=30d&interval=hour", "?last=30d"]) {
      const started = performance.now();
      const res = await call(`/api/analytics${query}`, { headers: viewer.headers });
      const ms = performance.now() - started;
      expect(res.status).toBe(200);
      const body = await json<Report>(res);
      console.warn(`[bench] GET /api/analytics${query} over ${rollups.length} rollup rows: ${Math.round(ms)} ms`);
      expect(body.totals.requests).toBeGreaterThanOrEqual(rollups.length * 2 - 4 * 2 * 2); // the range edge may trim a minute or two
      expect(body.totals.requests).toBeLessThanOrEqual(rollups.length * 2);
      expect(ms).toBeLessThan(5000);
    }
  });
});

// ── token classes and end users ─────────────────────────────────────────────────────────────

function classesOf(rows: readonly RequestLogRow[]): ClassesOut {
  const sum = (f: (r: RequestLogRow) => number | null | undefined) => rows.reduce((n, r) => n + (f(r) ?? 0), 0);
  return {
    cached_tokens: sum((r) => r.cachedTokens),
    cache_write_tokens: sum((r) => (r.cacheWrite5mTokens ?? 0) + (r.cacheWrite1hTokens ?? 0)),
    reasoning_tokens: sum((r) => r.reasoningTokens),
    input_cost_micros: sum((r) => r.inputCostMicros),
    cached_input_cost_micros: sum((r) => r.cachedInputCostMicros),
    cache_write_cost_micros: sum((r) => r.cacheWriteCostMicros),
    output_cost_micros: sum((r) => r.outputCostMicros),
    reasoning_cost_micros: sum((r) => r.reasoningCostMicros),
    cache_saved_micros: sum((r) => r.cacheSavedMicros),
  };
}

/** top_users as the report should list them: by cost, then requests, then name; 10 at most. */
function expectedTopUsers(rows: readonly RequestLogRow[]): TopUser[] {
  const byUser = new Map<string, TopUser & { last: number }>();
  for (const r of rows) {
    if (!r.endUser) continue;
    const u = byUser.get(r.endUser) ?? {
      end_user: r.endUser,
      requests: 0,
      errors: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
      last_seen_at: "",
      last: 0,
    };
    u.requests += 1;
    u.errors += r.status >= 400 ? 1 : 0;
    u.input_tokens += r.inputTokens ?? 0;
    u.output_tokens += r.outputTokens ?? 0;
    u.cost_micros += r.costMicros ?? 0;
    u.last = Math.max(u.last, r.createdAt);
    byUser.set(r.endUser, u);
  }
  return [...byUser.values()]
    .sort((a, b) => b.cost_micros - a.cost_micros || b.requests - a.requests || (a.end_user < b.end_user ? -1 : 1))
    .slice(0, 10)
    .map(({ last, ...u }) => ({ ...u, last_seen_at: new Date(last).toISOString() }));
}

describe("token classes and end users", () => {
  it("reports spend and tokens by class, what caching saved, and the top 10 end users by spend", async () => {
    const member = await freshMember();
    const now = Date.now();
    const rows = Array.from({ length: 30 }, (_, i) => {
      const classes = {
        inputCostMicros: 10 * i,
        cachedInputCostMicros: i,
        cacheWriteCostMicros: 2 * (i % 3),
        outputCostMicros: 20,
        reasoningCostMicros: i % 4,
      };
      return event(member.tenantId, {
        model: i % 2 ? "demo/echo" : "openai/gpt-4o-mini",
        provider: i % 2 ? "demo" : "openai",
        status: i % 7 === 0 ? 502 : 200,
        inputTokens: 100 + i,
        cachedTokens: i,
        cacheWrite5mTokens: i % 3,
        cacheWrite1hTokens: i % 2,
        outputTokens: 50,
        reasoningTokens: i % 4,
        ...classes,
        costMicros: Object.values(classes).reduce((n, v) => n + v, 0),
        cacheSavedMicros: 9 * i,
        endUser: i % 5 === 4 ? null : `user-${String(i % 13).padStart(2, "0")}`,
        createdAt: now - i * MINUTE,
      });
    });
    await ingestAndFlush(member.tenantId, rows);
    const r = await report(member, "?last=1h");

    expect(r.totals).toMatchObject({ cost_micros: rows.reduce((n, x) => n + (x.costMicros ?? 0), 0), ...classesOf(rows) });
    const t = r.totals;
    // Nothing was left uncollected: the classes add up to what was charged.
    expect(t.input_cost_micros + t.cached_input_cost_micros + t.cache_write_cost_micros + t.output_cost_micros + t.reasoning_cost_micros).toBe(t.cost_micros);
    expect(r.top_models).toHaveLength(2);
    for (const m of r.top_models) expect(m).toMatchObject(classesOf(rows.filter((x) => x.model === m.model)));

    const named = new Set(rows.flatMap((x) => (x.endUser ? [x.endUser] : [])));
    expect(named.size).toBeGreaterThan(10);
    expect(r.top_users).toEqual(expectedTopUsers(rows));
    // Series points stay as they were: no class fields.
    expect(Object.keys(r.series[0]!)).not.toContain("cached_tokens");
  });

  it("counts gateway calls that name an end user, and exports only theirs with the new columns", async () => {
    const viewer = await createMember("viewer", TENANT_ID);
    const user = uniqueName("end-user");
    for (let i = 0; i < 3; i++) {
      const res = await post("/v1/chat/completions", { model: "demo/echo", user, messages: [{ role: "user", content: `hello number ${i}` }] });
      expect(res.status, await res.clone().text()).toBe(200);
      await res.text();
    }
    const unnamed = await post("/v1/chat/completions", { model: "demo/echo", messages: [{ role: "user", content: "nobody in particular" }] });
    expect(unnamed.status).toBe(200);
    await unnamed.text();
    await settle();

    const exported = async (query: string) => {
      const res = await call(`/api/analytics/export?format=ndjson&last=1h${query}`, { headers: viewer.headers });
      expect(res.status).toBe(200);
      return (await res.text())
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, number | string | null>);
    };
    // Usage reaches the hub after the responses: flush until all four rows are in D1.
    const unnamedId = unnamed.headers.get("x-request-id");
    const everyone = await eventually(
      async () => (await flushAnalytics(TENANT_ID), exported("")),
      (rows) => rows.some((row) => row.id === unnamedId) && rows.filter((row) => row.end_user === user).length === 3,
    );
    expect(everyone.find((row) => row.id === unnamedId)).toMatchObject({ end_user: null });
    const theirs = await exported(`&end_user=${encodeURIComponent(user)}`);
    expect(theirs).toEqual(everyone.filter((row) => row.end_user === user));
    expect(theirs).toHaveLength(3);
    for (const row of theirs) {
      expect(row).toMatchObject({ end_user: user, cached_input_cost_micros: 0, cache_write_cost_micros: 0, cache_write_5m_tokens: 0, cache_saved_micros: 0 });
      // demo/echo has input and output prices only.
      expect(Number(row.input_cost_micros) + Number(row.output_cost_micros) + Number(row.reasoning_cost_micros)).toBe(row.cost_micros);
      expect(Number(row.cost_micros)).toBeGreaterThan(0);
    }
    expect((await exported("&end_user=nobody-at-all")).length).toBe(0);

    const top = (await report(viewer, "?last=1h")).top_users.find((u) => u.end_user === user);
    expect(top).toMatchObject({
      requests: 3,
      errors: 0,
      cost_micros: theirs.reduce((n, row) => n + Number(row.cost_micros), 0),
      input_tokens: theirs.reduce((n, row) => n + Number(row.input_tokens), 0),
      last_seen_at: theirs
        .map((row) => String(row.created_at))
        .sort()
        .at(-1),
    });

    const tooLong = await call(`/api/analytics/export?end_user=${"u".repeat(129)}`, { headers: viewer.headers });
    expect(tooLong.status).toBe(400);
    expect((await json<{ error: { param?: string } }>(tooLong)).error.param).toBe("end_user");
  });
});

// ── export ──────────────────────────────────────────────────────────────────────────────────

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe("export", () => {
  let member: Member;
  const base = Date.UTC(2026, 5, 1, 12, 0, 0);
  const TRICKY = ['model "quoted", with comma', "line\nbreak", "=SUM(A1:A9)", "plain"];
  let inRange: { id: string; createdAt: number; model: string }[];

  beforeAll(async () => {
    member = await freshMember();
    // 1,203 rows in range, three to a millisecond (so pages split ties), plus rows either side.
    const rows: (string | number | null)[][] = [];
    const add = (id: string, createdAt: number, model: string) =>
      rows.push([
        id,
        member.tenantId,
        "key_a",
        "demo",
        model,
        "/v1/chat/completions",
        200,
        null,
        1,
        100,
        20,
        1,
        2,
        0,
        0,
        3,
        0,
        '["demo/echo=ok","demo/lorem=error"]',
        createdAt,
      ]);
    inRange = [];
    for (let i = 0; i < 1203; i++) {
      const row = { id: `req_exp_${String(1202 - i).padStart(5, "0")}`, createdAt: base + Math.floor(i / 3), model: TRICKY[i % TRICKY.length]! };
      inRange.push(row);
      add(row.id, row.createdAt, row.model);
    }
    add("req_exp_before", base - 1, "plain");
    add("req_exp_after", base + 10_000, "plain");
    inRange.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const columns =
      "id, tenant_id, key_id, provider, model, endpoint, status, error_type, stream, latency_ms, ttfb_ms, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_micros, estimated, attempts, created_at";
    const extract = columns
      .split(", ")
      .map((_, i) => `value ->> ${i}`)
      .join(", ");
    await env.DB.prepare(`INSERT INTO request_log (${columns}) SELECT ${extract} FROM json_each(?1)`).bind(JSON.stringify(rows)).run();
  });

  const range = () => `from=${base}&to=${base + 10_000}`;

  it("streams CSV with a header row and proper escaping, in time order", async () => {
    const res = await call(`/api/analytics/export?format=csv&${range()}`, { headers: member.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="request-log-.*\.csv"$/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    expect(chunks).toBeGreaterThanOrEqual(4); // the header, then page by page
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows).toHaveLength(1203);
    expect(rows.map((r) => r[0])).toEqual(inRange.map((r) => r.id));
    const col = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
    const expectedModel = (m: string) => (m.startsWith("=") ? `'${m}` : m);
    expect(rows.map((r) => r[col("model")])).toEqual(inRange.map((r) => expectedModel(r.model)));
    expect(rows[0]![col("created_at")]).toBe(new Date(base).toISOString());
    expect(rows[0]![col("stream")]).toBe("true");
    expect(rows[0]![col("error_type")]).toBe("");
    expect(rows[0]![col("attempts")]).toBe("demo/echo=ok;demo/lorem=error");
    // The token-class columns, at their defaults for rows that had none.
    const added = ["end_user", "cache_write_5m_tokens", "cache_write_1h_tokens", "input_cost_micros", "cached_input_cost_micros"] as const;
    const more = ["cache_write_cost_micros", "output_cost_micros", "reasoning_cost_micros", "cache_saved_micros"] as const;
    expect([...added, ...more].map((c) => rows[0]![col(c)])).toEqual(["", "0", "0", "0", "0", "0", "0", "0", "0"]);
    expect(rows.every((r) => r.length === EXPORT_COLUMNS.length)).toBe(true);
  });

  it("streams NDJSON, one object per line, and only the caller's rows", async () => {
    const res = await call(`/api/analytics/export?format=ndjson&${range()}`, { headers: member.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = (await res.text()).split("\n");
    expect(lines.pop()).toBe("");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.id)).toEqual(inRange.map((r) => r.id));
    expect(records[1]).toMatchObject({
      model: inRange[1]!.model,
      stream: true,
      estimated: false,
      attempts: ["demo/echo=ok", "demo/lorem=error"],
      cost_micros: 3,
    });

    const outsider = await freshMember();
    const theirs = await call(`/api/analytics/export?format=ndjson&${range()}`, { headers: outsider.headers });
    expect(await theirs.text()).toBe("");
    const empty = await call(`/api/analytics/export?format=csv&${range()}`, { headers: outsider.headers });
    expect(await empty.text()).toBe(`${EXPORT_COLUMNS.join(",")}\r\n`);
    expect((await call(`/api/analytics/export?format=xml&${range()}`, { headers: member.headers })).status).toBe(400);
  });

  it("works with a read token, in the URL or as Bearer, and a read token is nothing else", async () => {
    const res = await call("/api/analytics/tokens", jsonInit({ expires_in_days: 7 }, member.headers));
    expect(res.status).toBe(201);
    const { token, expires_at } = await json<{ token: string; expires_at: string }>(res);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(6.9 * DAY);

    const viaUrl = await call(`/api/analytics/export?format=ndjson&${range()}&token=${encodeURIComponent(token)}`);
    expect(viaUrl.status).toBe(200);
    expect((await viaUrl.text()).split("\n")).toHaveLength(1204);
    expect((await call(`/api/analytics?last=1h`, { headers: bearer(token) })).status).toBe(200);
    expect((await call(`/api/metrics`, { headers: bearer(token) })).status).toBe(200);

    expect((await call("/api/keys", { headers: bearer(token) })).status).toBe(401);
    expect((await call("/api/analytics/live/ticket", { method: "POST", headers: bearer(token) })).status).toBe(401);
    expect((await call(`/api/analytics/export?token=nope`)).status).toBe(401);
    const forged = await signTicket({ sub: member.userId, tid: member.tenantId }, { audience: READ_TOKEN_AUDIENCE, secret: "y".repeat(64) });
    expect((await call(`/api/analytics/export?token=${forged}`)).status).toBe(401);
    const expired = await signTicket({ sub: member.userId, tid: member.tenantId }, { audience: READ_TOKEN_AUDIENCE, exp: Math.floor(Date.now() / 1000) - 1 });
    expect(await json(await call(`/api/analytics/export?token=${expired}`))).toMatchObject({ error: { code: "read_token_expired" } });
  });
});

// ── metrics ─────────────────────────────────────────────────────────────────────────────────

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format: # HELP / # TYPE lines, then `name{label="value",…} number`. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf))$/.exec(line);
    if (!m) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

describe("metrics", () => {
  it("exposes the tenant's counters and latency histogram in Prometheus text", async () => {
    const member = await freshMember();
    const odd = 'model "with" \\ quirks\nnewline';
    const rows = [
      event(member.tenantId, { model: "demo/echo", latencyMs: 40, inputTokens: 5, outputTokens: 7, costMicros: 9 }),
      event(member.tenantId, { model: "demo/echo", latencyMs: 700, status: 500, costMicros: 1 }),
      event(member.tenantId, { model: odd, provider: "openai", latencyMs: 45_000 }),
    ];
    for (const row of rows) await hubFor(member.tenantId).ingest(row);
    const res = await call("/api/metrics", { headers: member.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { samples, types } = parsePrometheus(await res.text());
    expect(types.get("aiagg_requests_total")).toBe("counter");
    expect(types.get("aiagg_request_duration_seconds")).toBe("histogram");
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const echo = { tenant: member.tenantId, model: "demo/echo", provider: "demo" };
    expect(find("aiagg_requests_total", echo)).toBe(2);
    expect(find("aiagg_request_errors_total", echo)).toBe(1);
    expect(find("aiagg_tokens_total", { ...echo, direction: "input" })).toBe(15);
    expect(find("aiagg_cost_microdollars_total", echo)).toBe(10);
    expect(find("aiagg_request_duration_seconds_bucket", { ...echo, le: "0.05" })).toBe(1);
    expect(find("aiagg_request_duration_seconds_bucket", { ...echo, le: "1" })).toBe(2);
    expect(find("aiagg_request_duration_seconds_sum", echo)).toBeCloseTo(0.74);
    expect(find("aiagg_requests_total", { model: odd, provider: "openai" })).toBe(1);
    expect(find("aiagg_request_duration_seconds_bucket", { model: odd, le: "30" })).toBe(0);
    expect(find("aiagg_request_duration_seconds_bucket", { model: odd, le: "+Inf" })).toBe(1);
    expect(find("aiagg_unflushed_events", { tenant: member.tenantId })).toBeGreaterThanOrEqual(0);
    // Buckets never decrease.
    const buckets = samples.filter((s) => s.name === "aiagg_request_duration_seconds_bucket" && s.labels.model === "demo/echo").map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(samples.every((s) => s.labels.tenant === undefined || s.labels.tenant === member.tenantId)).toBe(true);
  });

  it("breaks the cost down by token class, with what caching saved and tokens by class", async () => {
    const member = await freshMember();
    const classes = { inputCostMicros: 11, cachedInputCostMicros: 2, cacheWriteCostMicros: 5, outputCostMicros: 13, reasoningCostMicros: 7 };
    const row = event(member.tenantId, {
      ...classes,
      costMicros: 38,
      cachedTokens: 4,
      cacheWrite5mTokens: 3,
      cacheWrite1hTokens: 1,
      reasoningTokens: 6,
      cacheSavedMicros: 9,
    });
    await hubFor(member.tenantId).ingestMany([row, { ...row, id: `${row.id}_2` }]);
    const { samples, types } = parsePrometheus(await (await call("/api/metrics", { headers: member.headers })).text());
    const labels = { tenant: member.tenantId, model: "demo/echo", provider: "demo" };
    const value = (name: string, extra: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries({ ...labels, ...extra }).every(([k, v]) => s.labels[k] === v))?.value;
    expect(types.get("aiagg_cost_by_class_microdollars_total")).toBe("counter");
    const byClass = Object.fromEntries(
      ["input", "cached_input", "cache_write", "output", "reasoning"].map((c) => [c, value("aiagg_cost_by_class_microdollars_total", { class: c })]),
    );
    expect(byClass).toEqual({ input: 22, cached_input: 4, cache_write: 10, output: 26, reasoning: 14 });
    expect(value("aiagg_cost_microdollars_total")).toBe(76);
    expect(value("aiagg_cache_saved_microdollars_total")).toBe(18);
    expect(value("aiagg_tokens_by_class_total", { class: "cached_input" })).toBe(8);
    expect(value("aiagg_tokens_by_class_total", { class: "cache_write" })).toBe(8);
    expect(value("aiagg_tokens_by_class_total", { class: "reasoning" })).toBe(12);
    expect(value("aiagg_tokens_total", { direction: "input" })).toBe(20);
  });

  it("shows every tenant to the platform operator only", async () => {
    const a = await freshMember("owner");
    const b = await freshMember();
    await hubFor(a.tenantId).ingest(event(a.tenantId));
    await hubFor(b.tenantId).ingest(event(b.tenantId));
    const refused = await call("/api/metrics?scope=platform", { headers: a.headers });
    expect(refused.status).toBe(403);
    const operator = await createMember("viewer", undefined, { operator: true });
    const res = await call("/api/metrics?scope=platform", { headers: operator.headers });
    expect(res.status).toBe(200);
    const { samples } = parsePrometheus(await res.text());
    const tenants = new Set(samples.filter((s) => s.name === "aiagg_requests_total").map((s) => s.labels.tenant));
    expect(tenants).toContain(a.tenantId);
    expect(tenants).toContain(b.tenantId);
    expect((await call("/api/metrics")).status).toBe(401);
  });
});
