// The MCP gateway (issue 18): the official SDK's client at /mcp with an API key, in front of two
// mock MCP servers built with the same SDK (test/mocks/mcp-servers.ts). Tools are gathered and
// namespaced, calls routed, progress streamed back, a key's tools enforced, each call admitted,
// billed and logged; a failing or hanging server answers an error result, not a dropped call.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { breakers } from "../worker/gateway/breaker.ts";
import { call, createMember, createTenant, grantCredit, json, jsonInit, type Member, ORIGIN, TENANT_ID } from "./kit/fixtures.ts";
import { gatewayFetch, settle, settledGateStatus, tag } from "./kit/gateway.ts";

const mock = (path: string) => `http://127.0.0.1:${env.MCP_MOCK_PORT}${path}`;

let operator: Member;
let owner: Member;
let tenantId: string;
let alpha: string;
let beta: string;
let hang: string;
let garbage: string;
let gamma: string;

async function platformServer(name: string, body: Record<string, unknown>): Promise<string> {
  const res = await call("/api/mcp/servers", jsonInit({ name, scope: "platform", ...body }, operator.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ name: string }>(res)).name;
}

async function keyWith(mcpTools: string[]): Promise<string> {
  const res = await call("/api/keys", jsonInit({ name: tag(), mcp_tools: mcpTools }, owner.headers));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ key: string }>(res)).key;
}

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: "test", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(`${ORIGIN}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (input, init) => gatewayFetch(new Request(input, init)),
  });
  await client.connect(transport);
  return client;
}

const text = (result: Record<string, unknown>) => ((result.content as { type: string; text: string }[] | undefined) ?? []).map((c) => c.text).join("");

beforeAll(async () => {
  operator = await createMember("owner", TENANT_ID, { operator: true });
  tenantId = await createTenant(tag());
  owner = await createMember("owner", tenantId);
  await grantCredit(tenantId, 1_000_000);
  alpha = await platformServer(`alpha-${tag()}`, { url: mock("/alpha/mcp"), headers: { Authorization: "Bearer alpha-secret" }, tool_prices: { add: 1_000 } });
  beta = await platformServer(`beta-${tag()}`, { url: mock("/beta/mcp"), headers: { "X-Api-Key": "beta-key" }, tools: ["upper", "secret_tool"] });
  hang = await platformServer(`hang-${tag()}`, { url: mock("/hang/mcp") });
  garbage = await platformServer(`garbage-${tag()}`, { url: mock("/garbage/mcp") });
  gamma = await platformServer(`gamma-${tag()}`, { url: mock("/gamma/sse"), transport: "sse", headers: { Authorization: "Bearer gamma-secret" } });
});

describe("the SDK's client at /mcp", () => {
  it("lists the tools of both servers the key may use, namespaced, and calls each on its own server", async () => {
    const client = await connect(await keyWith([`${alpha}__*`, `${beta}__upper`]));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual([`${alpha}__add`, `${alpha}__echo`, `${alpha}__fail`, `${alpha}__slow_count`, `${beta}__upper`].sort());
    const add = (await client.listTools()).tools.find((t) => t.name === `${alpha}__add`);
    expect(add?.inputSchema).toMatchObject({ type: "object", properties: { a: { type: "number" }, b: { type: "number" } } });

    expect(text(await client.callTool({ name: `${alpha}__add`, arguments: { a: 2, b: 3 } }))).toBe("5");
    expect(text(await client.callTool({ name: `${beta}__upper`, arguments: { text: "hi there" } }))).toBe("HI THERE");
    const failed = await client.callTool({ name: `${alpha}__fail`, arguments: {} });
    expect(failed.isError).toBe(true);
    await client.close();
  });

  it("lists and gets the servers' prompts under the same names and permissions", async () => {
    const client = await connect(await keyWith([`${alpha}__*`]));
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual([`${alpha}__greet`]);
    const prompt = await client.getPrompt({ name: `${alpha}__greet`, arguments: { name: "Ada" } });
    expect(prompt.messages[0]).toMatchObject({ role: "user", content: { type: "text", text: "Hello, Ada" } });
    await expect(client.getPrompt({ name: `${beta}__greet`, arguments: {} })).rejects.toThrow(/Unknown prompt/);
    await client.close();
  });

  it("lists and reads a server's resources for a key that has all of the server", async () => {
    const client = await connect(await keyWith([`${alpha}__*`, `${beta}__upper`]));
    const resources = (await client.listResources()).resources;
    expect(resources.map((r) => r.uri)).toEqual([`${alpha}__alpha://readme`]);
    const read = await client.readResource({ uri: `${alpha}__alpha://readme` });
    expect(read.contents[0]).toMatchObject({ uri: `${alpha}__alpha://readme`, text: "alpha readme" });
    await expect(client.readResource({ uri: `${beta}__beta://anything` })).rejects.toThrow(/Unknown resource/);
    await client.close();
    const narrow = await connect(await keyWith([`${alpha}__echo`]));
    expect((await narrow.listResources()).resources).toEqual([]);
    await expect(narrow.readResource({ uri: `${alpha}__alpha://readme` })).rejects.toThrow(/Unknown resource/);
    await narrow.close();
  });

  it("keeps each client's session at the server its own, even with one key", async () => {
    const key = await keyWith([`${alpha}__echo`]);
    const [one, two] = [await connect(key), await connect(key)];
    const marker = `session-${tag()}`;
    await one.callTool({ name: `${alpha}__echo`, arguments: { text: marker } });
    await two.callTool({ name: `${alpha}__echo`, arguments: { text: marker } });
    const requests = (await (await fetch(mock("/__requests"))).json()) as {
      headers: Record<string, string>;
      body: { params?: { arguments?: { text?: string } } } | null;
    }[];
    const sessions = requests.filter((r) => r.body?.params?.arguments?.text === marker).map((r) => r.headers["mcp-session-id"]);
    expect(sessions).toHaveLength(2);
    expect(new Set(sessions).size).toBe(2);
    // Each request upstream counts one hop, so a server that leads back to a gateway is stopped.
    expect(requests.filter((r) => r.body?.params?.arguments?.text === marker).map((r) => r.headers["x-aggregator-hops"])).toEqual(["1", "1"]);
    await one.close();
    await two.close();
  });

  it("streams the server's progress back while a tool runs", async () => {
    const client = await connect(await keyWith([`${alpha}__slow_count`]));
    const progress: number[] = [];
    const result = await client.callTool({ name: `${alpha}__slow_count`, arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(result)).toBe("counted 3");
    expect(progress).toEqual([1, 2, 3]);
    await client.close();
  });

  it("refuses a tool the key may not use exactly as one that does not exist", async () => {
    const client = await connect(await keyWith([`${beta}__upper`]));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([`${beta}__upper`]);
    await expect(client.callTool({ name: `${beta}__secret_tool`, arguments: {} })).rejects.toThrow(/Unknown tool/);
    await expect(client.callTool({ name: `${alpha}__echo`, arguments: { text: "x" } })).rejects.toThrow(/Unknown tool/);
    await expect(client.callTool({ name: "nope__nope", arguments: {} })).rejects.toThrow(/Unknown tool/);
    await client.close();
  });

  it("admits, bills and logs each call: the tool's price off the balance, a request-log row per call", async () => {
    const client = await connect(await keyWith([`${alpha}__add`]));
    const rowsOfAdd = async () => {
      await settle();
      await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).flush();
      return (
        await env.DB.prepare("SELECT endpoint, model, provider, status, cost_micros FROM request_log WHERE tenant_id = ? AND model = ? ORDER BY created_at")
          .bind(tenantId, `${alpha}__add`)
          .all()
      ).results;
    };
    const earlier = (await rowsOfAdd()).length;
    const before = (await settledGateStatus(tenantId)).balanceMicros;
    for (let i = 0; i < 3; i++) await client.callTool({ name: `${alpha}__add`, arguments: { a: i, b: 1 } });
    await settle();
    expect((await settledGateStatus(tenantId)).balanceMicros).toBe(before - 3_000);
    const rows = await rowsOfAdd();
    expect(rows).toHaveLength(earlier + 3);
    expect(rows.at(-1)).toMatchObject({ endpoint: "mcp.tools.call", provider: alpha, status: 200, cost_micros: 1_000 });
    await client.close();
  });

  it("shows tool calls in the export (with their sizes) and in Prometheus, by server and tool", async () => {
    const client = await connect(await keyWith([`${alpha}__echo`]));
    const payload = "x".repeat(500);
    await client.callTool({ name: `${alpha}__echo`, arguments: { text: payload } });
    await client.close();
    await settle();
    await env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId)).flush();

    const exported = await call("/api/analytics/export?format=ndjson&last=1h", { headers: owner.headers });
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const echo = lines.find((l) => l.model === `${alpha}__echo` && Number(l.request_bytes) > 500);
    expect(echo).toMatchObject({ endpoint: "mcp.tools.call", provider: alpha, status: 200, cost_micros: 0 });
    // The call's params carry the 500 characters; its result echoes them.
    expect(echo?.request_bytes).toBeGreaterThan(500);
    expect(echo?.response_bytes).toBeGreaterThan(500);

    const metrics = await (await call("/api/metrics", { headers: owner.headers })).text();
    const line = metrics.split("\n").find((l) => l.startsWith("aiagg_requests_total{") && l.includes(`model="${alpha}__echo"`));
    expect(line).toContain(`provider="${alpha}"`);
    expect(Number(line?.split(" ").at(-1))).toBeGreaterThanOrEqual(1);
  });

  it("answers an error result, not a dropped connection, when a server hangs or answers garbage, and lists the others", async () => {
    const client = await connect(await keyWith([`${hang}__anything`, `${garbage}__anything`, `${beta}__upper`]));
    const hung = await client.callTool({ name: `${hang}__anything`, arguments: {} });
    expect(hung.isError).toBe(true);
    expect(text(hung)).toMatch(/did not answer in time/);
    const junk = await client.callTool({ name: `${garbage}__anything`, arguments: {} });
    expect(junk.isError).toBe(true);
    expect(text(junk)).toMatch(/could not answer/);
    // The broken servers are left out of the list; the working one is there.
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([`${beta}__upper`]);
    await client.close();
  }, 20_000);
});

describe("an older server on the HTTP+SSE transport", () => {
  it("lists and calls its tools next to a Streamable HTTP server's, progress included", async () => {
    const client = await connect(await keyWith([`${gamma}__*`, `${beta}__upper`]));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([`${beta}__upper`, `${gamma}__shout`, `${gamma}__slow_count`].sort());
    expect(text(await client.callTool({ name: `${gamma}__shout`, arguments: { text: "hey" } }))).toBe("HEY!");
    const progress: number[] = [];
    const counted = await client.callTool({ name: `${gamma}__slow_count`, arguments: { steps: 2 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(text(counted)).toBe("counted 2");
    expect(progress).toEqual([1, 2]);
    await client.close();
  });

  it("never follows an endpoint on another origin, and says the server could not answer", async () => {
    const evil = await platformServer(`evil-${tag()}`, { url: mock("/evil/sse"), transport: "sse" });
    const client = await connect(await keyWith([`${evil}__x`]));
    const result = await client.callTool({ name: `${evil}__x`, arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/another origin/);
    await client.close();
  });
});

describe("a server that keeps failing", () => {
  it("has its circuit opened: calls are answered at once without reaching it, until the cool-down", async () => {
    const previous = breakers.configure({ minSamples: 3, errorRate: 0.5, coolDownMs: 60_000 });
    try {
      const broken = await platformServer(`broken-${tag()}`, { url: mock("/garbage/mcp") });
      const client = await connect(await keyWith([`${broken}__x`]));
      const seen = async () => ((await (await fetch(mock("/__requests"))).json()) as { path: string }[]).filter((r) => r.path === "/garbage/mcp").length;
      for (let i = 0; i < 3; i++) expect(text(await client.callTool({ name: `${broken}__x`, arguments: {} }))).toMatch(/could not answer/);
      const before = await seen();
      const skipped = await client.callTool({ name: `${broken}__x`, arguments: {} });
      expect(skipped.isError).toBe(true);
      expect(text(skipped)).toMatch(/keeps failing/);
      expect(await seen()).toBe(before);
      await client.close();
    } finally {
      breakers.configure(previous);
    }
  });
});

describe("POST /api/mcp/servers/:id/test", () => {
  const probe = async (name: string) => {
    const list = await json<{ data: { id: string; name: string }[] }>(await call("/api/mcp/servers", { headers: operator.headers }));
    const id = list.data.find((s) => s.name === name)!.id;
    const res = await call(`/api/mcp/servers/${id}/test`, { method: "POST", headers: operator.headers });
    expect(res.status).toBe(200);
    return json<{ ok: boolean; latency_ms: number; tools?: { name: string }[]; error?: string }>(res);
  };

  it("lists a server's tools with its credentials, and says in a few words why one fails", async () => {
    const alive = await probe(alpha);
    expect(alive.ok).toBe(true);
    expect(alive.tools!.map((t) => t.name).sort()).toEqual(["add", "echo", "fail", "slow_count"]);
    const broken = await probe(garbage);
    expect(broken).toMatchObject({ ok: false, error: "The server's answer is not MCP; check url." });
    expect(JSON.stringify(broken)).not.toContain("not json");
  });
});

describe("bad input at /mcp", () => {
  const post = (key: string, body: string, headers: Record<string, string> = {}) =>
    gatewayFetch(
      new Request(`${ORIGIN}/mcp`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      }),
    );

  async function session(key: string): Promise<string> {
    const res = await post(
      key,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    );
    expect(res.status).toBe(200);
    return res.headers.get("mcp-session-id")!;
  }

  it("answers JSON-RPC errors in their shape, never a 5xx", async () => {
    const key = await keyWith([`${alpha}__*`]);
    const id = await session(key);
    const withSession = { "mcp-session-id": id };
    const parse = await post(key, "{not json", withSession);
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    const batch = await post(key, "[]", withSession);
    expect(await batch.json()).toMatchObject({ error: { code: -32600 } });
    const unknown = await post(key, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/explode" }), withSession);
    expect(await unknown.json()).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32601 } });
    const badArgs = await post(
      key,
      JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: `${alpha}__add`, arguments: [1] } }),
      withSession,
    );
    expect(await badArgs.json()).toMatchObject({ id: 8, error: { code: -32602 } });
    const noSession = await post(key, JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }));
    expect(noSession.status).toBe(400);
    const forged = await post(key, JSON.stringify({ jsonrpc: "2.0", id: 10, method: "tools/list" }), {
      "mcp-session-id": `${"0".repeat(32)}.${"0".repeat(32)}`,
    });
    expect(forged.status).toBe(404);
    const otherKeys = await post(await keyWith([`${alpha}__*`]), JSON.stringify({ jsonrpc: "2.0", id: 11, method: "tools/list" }), withSession);
    expect(otherKeys.status).toBe(404);
    const huge = await post(
      key,
      JSON.stringify({ jsonrpc: "2.0", id: 12, method: "tools/call", params: { name: `${alpha}__echo`, arguments: { text: "x".repeat(5 * 1024 * 1024) } } }),
      withSession,
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "request_too_large" } } });
    const noKey = await gatewayFetch(new Request(`${ORIGIN}/mcp`, { method: "POST", body: "{}" }));
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "missing_api_key" } } });
    expect((await gatewayFetch(new Request(`${ORIGIN}/mcp`, { headers: { authorization: `Bearer ${key}` } }))).status).toBe(405);
    const looped = await post(key, JSON.stringify({ jsonrpc: "2.0", id: 13, method: "tools/list" }), { ...withSession, "x-aggregator-hops": "3" });
    expect(await looped.json()).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "loop_detected" } } });
  });

  it("lists nothing for a key without MCP tools (the default)", async () => {
    const res = await call("/api/keys", jsonInit({ name: tag() }, owner.headers));
    const { key, mcp_tools } = await json<{ key: string; mcp_tools: string[] }>(res);
    expect(mcp_tools).toEqual([]);
    const client = await connect(key);
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
  });
});
