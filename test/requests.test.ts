// The request explorer (/api/requests): filters, keyset pagination through ties, tenant
// isolation, captured bodies by role, refusals of bad queries, and the query plans that keep
// each filtered page on an index.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { packBody } from "../worker/core/body-pack.ts";
import { type RequestDetail, bodyKeyOf } from "../worker/core/request-detail.ts";
import { getDb } from "../worker/db/client.ts";
import { type RequestFilters, requestPageQuery } from "../worker/db/request-explorer.ts";
import type { RequestLogRow } from "../worker/db/request-log.ts";
import { requestLog } from "../worker/db/schema.ts";
import { type Member, call, createMember, createTenant, json } from "./kit/fixtures.ts";

const ROWS = 36;
const BASE = Date.now() - 30 * 60_000;
const tag = Date.now().toString(36);
const STATUSES = [200, 200, 429, 500, 503, 404];
const DETAIL: RequestDetail = {
  timings: { queueMs: 2, admissionMs: 1, ttfbMs: 40, totalMs: 95 },
  attempts: [
    { target: "p1/m", provider: "p1", outcome: "503", startMs: 3, ms: 20, spanId: "00f067aa0ba902b7" },
    { target: "p2/m", provider: "p2", outcome: "ok", startMs: 24, ms: 70, headers: { authorization: "[REDACTED]" } },
  ],
  cache: "miss",
  capture: "bodies",
  spanId: "b7ad6b7169203331",
};
const BODIES = { request: { messages: [{ role: "user", content: "hello [REDACTED:email]" }] }, response: { choices: [{ message: { content: "hi" } }] } };

/** Row i of a tenant: every column varies with i, three rows share each created_at. */
function rowOf(tenantId: string, prefix: string, i: number): RequestLogRow {
  const status = STATUSES[i % STATUSES.length]!;
  return {
    id: `${prefix}_${String(i).padStart(3, "0")}`,
    tenantId,
    keyId: ["key_a", "key_b", "key_c"][i % 3]!,
    provider: ["p1", "p2", "p3", "p4"][i % 4]!,
    model: i % 2 ? "m/beta" : "m/alpha",
    endpoint: i % 5 === 0 ? "embeddings" : "chat.completions",
    status,
    errorType: status >= 500 ? "upstream_error" : status >= 400 ? "rate_limited" : null,
    stream: i % 2 === 0,
    latencyMs: 100 + i * 7,
    ttfbMs: 30,
    inputTokens: i,
    outputTokens: 2 * i,
    costMicros: i * 10,
    endUser: ["alice", "bob", null, null][i % 4]!,
    attempts: [`p${(i % 4) + 1}/m=ok`],
    traceId: (i % 6).toString(16).padStart(32, "0"),
    createdAt: BASE + Math.floor(i / 3) * 1000,
  };
}

interface RowJson {
  id: string;
  created_at: string;
  status: number;
  has_bodies: boolean;
  attempts: string[];
  [key: string]: unknown;
}
interface Page {
  data: RowJson[];
  next_cursor: string | null;
}

let ours: RequestLogRow[];
let theirs: RequestLogRow[];
let tenantId: string;
let owner: Member;
let members: Record<"admin" | "developer" | "viewer" | "operator", Member>;
let outsider: Member;

/** Newest first, ties by id descending: the explorer's order. */
const ordered = (rows: RequestLogRow[]) => [...rows].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);

async function insert(rows: RequestLogRow[]): Promise<void> {
  const db = getDb(env.DB);
  // One row a statement: D1 binds at most 100 parameters.
  const [first, ...rest] = rows.map((row) => db.insert(requestLog).values(row));
  await db.batch([first!, ...rest]);
}

async function page(who: Member, query: string): Promise<Page> {
  const res = await call(`/api/requests${query}`, { headers: who.headers });
  expect(res.status, `${query}: ${await res.clone().text()}`).toBe(200);
  return json<Page>(res);
}

beforeAll(async () => {
  tenantId = await createTenant("Explorer");
  const other = await createTenant("Explorer other");
  ours = Array.from({ length: ROWS }, (_, i) => rowOf(tenantId, `req_exp${tag}`, i));
  theirs = Array.from({ length: 12 }, (_, i) => rowOf(other, `req_oth${tag}`, i));
  ours[0] = {
    ...ours[0]!,
    bodyKey: bodyKeyOf(tenantId, ours[0]!.id, ours[0]!.createdAt),
    detail: DETAIL,
    inputCostMicros: 7,
    outputCostMicros: 3,
    cacheSavedMicros: 1,
  };
  ours[1] = { ...ours[1]!, bodyKey: bodyKeyOf(tenantId, ours[1]!.id, ours[1]!.createdAt) };
  await insert([...ours, ...theirs]);
  await env.LOGS.put(ours[0]!.bodyKey!, (await packBody({ ...BODIES, redactions: 1, truncated: false })).bytes);
  owner = await createMember("owner", tenantId);
  members = {
    admin: await createMember("admin", tenantId),
    developer: await createMember("developer", tenantId),
    viewer: await createMember("viewer", tenantId),
    operator: await createMember("viewer", tenantId, { operator: true }),
  };
  outsider = await createMember("owner", other);
});

describe("GET /api/requests", () => {
  it("lists the tenant's calls newest first, ties by id, with the row's columns", async () => {
    const { data, next_cursor } = await page(owner, "?limit=200");
    expect(data.map((r) => r.id)).toEqual(ordered(ours));
    expect(next_cursor).toBeNull();
    const first = data.find((r) => r.id === ours[0]!.id)!;
    expect(first).toMatchObject({
      created_at: new Date(BASE).toISOString(),
      key_id: "key_a",
      provider: "p1",
      model: "m/alpha",
      endpoint: "embeddings",
      status: 200,
      error_type: null,
      stream: true,
      latency_ms: 100,
      cost_micros: 0,
      end_user: "alice",
      attempts: ["p1/m=ok"],
      trace_id: "0".repeat(32),
      has_bodies: true,
    });
    expect(first).not.toHaveProperty("detail");
    expect(data.find((r) => r.id === ours[2]!.id)!.has_bodies).toBe(false);
  });

  const at = (i: number) => new Date(BASE + i * 1000).toISOString();
  const cases: [query: () => string, keep: (r: RequestLogRow) => boolean][] = [
    [() => "key_id=key_b", (r) => r.keyId === "key_b"],
    [() => "model=m%2Fbeta", (r) => r.model === "m/beta"],
    [() => "provider=p3", (r) => r.provider === "p3"],
    [() => "endpoint=embeddings", (r) => r.endpoint === "embeddings"],
    [() => "status=429", (r) => r.status === 429],
    [() => "status=2xx", (r) => r.status < 300],
    [() => "status=4xx", (r) => r.status >= 400 && r.status < 500],
    [() => "status=5xx", (r) => r.status >= 500],
    [() => "status=error", (r) => r.status >= 400],
    [() => "error_type=rate_limited", (r) => r.errorType === "rate_limited"],
    [() => "end_user=alice", (r) => r.endUser === "alice"],
    [() => "min_cost_micros=100&max_cost_micros=200", (r) => r.costMicros! >= 100 && r.costMicros! <= 200],
    [() => "min_latency_ms=150&max_latency_ms=200", (r) => r.latencyMs >= 150 && r.latencyMs <= 200],
    [() => `request_id=${ours[7]!.id}`, (r) => r.id === ours[7]!.id],
    [() => `request_id=${theirs[7]!.id}`, () => false],
    [() => `trace_id=${"3".padStart(32, "0")}`, (r) => r.traceId === "3".padStart(32, "0")],
    [() => `from=${at(3)}&to=${at(6)}`, (r) => r.createdAt >= BASE + 3000 && r.createdAt < BASE + 6000],
    [() => "last=1h", () => true],
    [() => "last=1m", () => false],
    [() => "key_id=key_a&model=m%2Falpha&status=error", (r) => r.keyId === "key_a" && r.model === "m/alpha" && r.status >= 400],
  ];

  it.each(cases.map(([query, keep]) => [query, keep] as const))("filter %#", async (query, keep) => {
    const { data } = await page(owner, `?limit=200&${query()}`);
    const expected = ordered(ours.filter(keep));
    expect(
      data.map((r) => r.id),
      query(),
    ).toEqual(expected);
  });

  it("every filter narrows: none of the cases returns every row, and most return some", async () => {
    const sizes = cases.map(([, keep]) => ours.filter(keep).length);
    expect(sizes.filter((n) => n > 0 && n < ROWS).length).toBeGreaterThanOrEqual(cases.length - 4);
  });

  it("walks every row once with the cursor, through rows that share a created_at", async () => {
    for (const [query, keep, limit] of [
      ["", () => true, 4],
      ["&model=m%2Falpha", (r: RequestLogRow) => r.model === "m/alpha", 4],
      ["&status=2xx", (r: RequestLogRow) => r.status < 300, 5],
      ["&key_id=key_c", (r: RequestLogRow) => r.keyId === "key_c", 1],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const got: Page = await page(owner, `?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(got.data.length).toBeLessThanOrEqual(limit);
        seen.push(...got.data.map((r) => r.id));
        cursor = got.next_cursor;
        expect(++pages).toBeLessThan(100);
      } while (cursor);
      expect(seen, query).toEqual(ordered(ours.filter(keep)));
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it("a page that ends exactly at the last row says there is no next page", async () => {
    const { data, next_cursor } = await page(owner, `?limit=${ROWS}`);
    expect(data).toHaveLength(ROWS);
    expect(next_cursor).toBeNull();
  });

  it("shows only the caller's tenant, the operator's too", async () => {
    const mine = (await page(outsider, "?limit=200")).data.map((r) => r.id);
    expect(mine).toEqual(ordered(theirs));
    expect((await page(members.operator, "?limit=200")).data.map((r) => r.id)).toEqual(ordered(ours));
    expect((await page(outsider, `?request_id=${ours[3]!.id}`)).data).toEqual([]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=abc", "limit"],
    ["status=abc", "status"],
    ["status=600", "status"],
    ["status=3xx", "status"],
    ["min_cost_micros=-1", "min_cost_micros"],
    ["max_latency_ms=1.5", "max_latency_ms"],
    ["cursor=garbage!", "cursor"],
    [`cursor=${btoa("no colon here")}`, "cursor"],
    [`cursor=${btoa("12:")}`, "cursor"],
    ["from=yesterday", "from"],
    ["from=2026-01-01&last=1h", "last"],
    ["from=2026-01-02&to=2026-01-01", "from"],
    [`request_id=${"x".repeat(200)}`, "request_id"],
  ])("refuses ?%s with a 400 naming %s", async (query, param) => {
    const res = await call(`/api/requests?${query}`, { headers: owner.headers });
    expect(res.status).toBe(400);
    const body = await json<{ error: { code: string; message: string; param?: string } }>(res);
    expect(body.error).toMatchObject({ param });
    expect(typeof body.error.code).toBe("string");
    expect(typeof body.error.message).toBe("string");
  });
});

describe("the export takes the explorer's filters", () => {
  it("exports only the rows a filtered page shows, oldest first", async () => {
    const query = `model=m/beta&status=5xx&from=${new Date(BASE - 1000).toISOString()}`;
    const page = await json<Page>(await call(`/api/requests?${query}&limit=200`, { headers: owner.headers }));
    const exported = await call(`/api/analytics/export?format=ndjson&${query}`, { headers: owner.headers });
    expect(exported.status).toBe(200);
    const ids = (await exported.text())
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual(page.data.map((r) => r.id).reverse());
    const bad = await call("/api/analytics/export?status=teapot", { headers: owner.headers });
    expect(bad.status).toBe(400);
  });
});

describe("GET /api/requests/{id}", () => {
  const detailOf = async (who: Member, id: string) => {
    const res = await call(`/api/requests/${encodeURIComponent(id)}`, { headers: who.headers });
    expect(res.status, await res.clone().text()).toBe(200);
    return json(res);
  };

  it("has the row, its detail as stored and its cost by class", async () => {
    const body = await detailOf(members.viewer, ours[0]!.id);
    expect(body).toMatchObject({
      id: ours[0]!.id,
      status: 200,
      detail: DETAIL,
      input_cost_micros: 7,
      output_cost_micros: 3,
      cached_input_cost_micros: 0,
      cache_saved_micros: 1,
      uncollected_micros: 0,
      has_bodies: true,
    });
    expect((await detailOf(members.viewer, ours[5]!.id)).detail).toBeNull();
  });

  it("shows the captured bodies to owners, admins and the operator; others learn only that they exist", async () => {
    for (const who of [owner, members.admin, members.operator]) {
      expect(await detailOf(who, ours[0]!.id)).toMatchObject({
        bodies: { ...BODIES, redactions: 1, truncated: false },
        bodies_hidden: false,
        bodies_expired: false,
      });
    }
    for (const who of [members.developer, members.viewer]) {
      const body = await detailOf(who, ours[0]!.id);
      expect(body).toMatchObject({ bodies: null, bodies_hidden: true, bodies_expired: false, has_bodies: true });
      expect(JSON.stringify(body)).not.toContain("hello");
    }
  });

  it("says bodies_expired when the object is gone, and nothing when none were captured", async () => {
    expect(await detailOf(owner, ours[1]!.id)).toMatchObject({ bodies: null, bodies_expired: true, bodies_hidden: false, has_bodies: true });
    expect(await detailOf(members.viewer, ours[1]!.id)).toMatchObject({ bodies: null, bodies_hidden: true });
    expect(await detailOf(owner, ours[2]!.id)).toMatchObject({ bodies: null, bodies_expired: false, bodies_hidden: false, has_bodies: false });
  });

  it("answers another tenant's id exactly as an unknown one", async () => {
    const get = async (who: Member, id: string) => {
      const res = await call(`/api/requests/${id}`, { headers: who.headers });
      return { status: res.status, body: await res.json() };
    };
    const unknown = await get(outsider, "req_doesnotexist0000000");
    expect(unknown.status).toBe(404);
    expect(await get(outsider, ours[0]!.id)).toEqual(unknown);
    expect(await get(owner, theirs[0]!.id)).toEqual(unknown);
    expect((await get(owner, "x".repeat(300))).status).toBe(404);
  });
});

describe("query plans", () => {
  interface PlanRow {
    detail: string;
  }
  const planOf = async (filters: Omit<RequestFilters, "tenantId">, cursor: { createdAt: number; id: string } | null = null) => {
    const { sql, params } = requestPageQuery(getDb(env.DB), { tenantId, ...filters }, cursor, 51).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<PlanRow>();
    return results.map((r) => r.detail);
  };

  it.each([
    ["no filter", {}, "request_log_tenant_time_idx"],
    ["a time range", { from: BASE, to: BASE + 60_000 }, "request_log_tenant_time_idx"],
    ["key_id", { keyId: "key_a" }, "request_log_tenant_key_idx"],
    ["key_id and a time range", { keyId: "key_a", from: BASE, to: BASE + 60_000 }, "request_log_tenant_key_idx"],
    ["model", { model: "m/beta" }, "request_log_tenant_model_idx"],
    ["status", { status: 500 }, "request_log_tenant_status_idx"],
    ["end_user", { endUser: "alice" }, "request_log_tenant_end_user_idx"],
    ["status 2xx", { status: "2xx" }, "request_log_tenant_time_idx"],
    ["a cost range", { minCostMicros: 100, maxCostMicros: 200 }, "request_log_tenant_time_idx"],
    ["request_id", { requestId: "req_x" }, "sqlite_autoindex_request_log_1"],
  ] as const)("%s: reads %s, in order", async (_name, filters, index) => {
    const plan = await planOf(filters);
    expect(plan.join("\n")).toContain(`USING INDEX ${index}`);
    // Only ties on created_at are sorted (by id), never the page: "FOR LAST TERM" (or "RIGHT PART") of the ORDER BY.
    expect(
      plan.filter((line) => line.includes("TEMP B-TREE") && !/FOR (LAST TERM|RIGHT PART) OF ORDER BY/.test(line)),
      plan.join("\n"),
    ).toEqual([]);
    expect(
      plan.some((line) => /^SCAN request_log\b/.test(line) && !line.includes("INDEX")),
      plan.join("\n"),
    ).toBe(false);
  });

  it("a trace id reads its own index: the few calls of a trace, sorted", async () => {
    const plan = (await planOf({ traceId: "3".padStart(32, "0"), from: BASE })).join("\n");
    expect(plan).toContain("USING INDEX request_log_tenant_trace_idx (tenant_id=? AND trace_id=?)");
    expect(plan).not.toMatch(/^SCAN request_log\b(?!.*INDEX)/m);
  });

  it("the next page seeks to the cursor on the same index", async () => {
    for (const [filters, index] of [
      [{}, "request_log_tenant_time_idx"],
      [{ model: "m/beta" }, "request_log_tenant_model_idx"],
    ] as const) {
      const plan = (await planOf(filters, { createdAt: BASE, id: "req_x" })).join("\n");
      expect(plan).toMatch(new RegExp(`USING INDEX ${index} \\(.*created_at<\\?\\)`));
      expect(plan).not.toContain("USE TEMP B-TREE FOR ORDER BY");
    }
  });
});
