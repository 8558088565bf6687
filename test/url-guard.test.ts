// Requests to internal addresses and loops: a tenant's provider base URLs and alert webhook must
// be public https (the operator's may point anywhere); the provider test and the gateway follow
// no redirect; a call that keeps coming back to a gateway is stopped by its hop count.
import { describe, expect, it } from "vitest";
import { call, createMember, createTenant, json, jsonInit, type Member, uniqueName } from "./kit/fixtures.ts";
import { createProvider, createRoute, logRow, mockBase, post, tag, upstream } from "./kit/gateway.ts";
import { UPSTREAM_KEYS } from "./mocks/upstream-keys.ts";

/** Internal destinations in the spellings an attacker would try, and the plain-http and credential cases. */
const REFUSED = [
  "http://api.example.com/v1",
  "https://user:secret@api.example.com/v1",
  "http://127.0.0.1:11434/v1",
  "https://127.0.0.1/v1",
  "https://2130706433/v1",
  "https://0x7f.1/v1",
  "https://0177.0.0.1/v1",
  "https://127.1/v1",
  "https://[::1]/v1",
  "https://[::ffff:127.0.0.1]/v1",
  "https://[::ffff:7f00:1]/v1",
  "https://[64:ff9b::a00:1]/v1",
  "https://10.0.0.8/v1",
  "https://192.168.1.20/v1",
  "https://100.64.0.1/v1",
  "https://169.254.169.254/latest/meta-data",
  "https://[fd00:ec2::254]/latest",
  "https://[fe80::1]/v1",
  "https://localhost:8080/v1",
  "https://ollama.localhost/v1",
  "https://ollama.local/v1",
  "https://metadata.google.internal/computeMetadata/v1",
  "https://gateway.test/v1",
];

interface Tenant {
  admin: Member;
  operator: Member;
}

async function tenant(): Promise<Tenant> {
  const tenantId = await createTenant("URLs");
  return { admin: await createMember("admin", tenantId), operator: await createMember("owner", tenantId, { operator: true }) };
}

const providerBody = (base_url: string, extra: Record<string, unknown> = {}) => ({
  name: uniqueName("url"),
  kind: "openai-compatible",
  base_url,
  models: ["m"],
  ...extra,
});

async function expectUrlRefused(res: Response, param: string, label: string): Promise<void> {
  expect(res.status, label).toBe(400);
  expect((await json<{ error: Record<string, unknown> }>(res)).error, label).toMatchObject({ code: "url_not_allowed", param });
}

describe("provider base URLs", () => {
  it("a tenant's must be public https: every internal spelling, plain http and credentials are a 400 naming base_url", async () => {
    const { admin } = await tenant();
    for (const url of REFUSED) await expectUrlRefused(await call("/api/providers", jsonInit(providerBody(url), admin.headers)), "base_url", url);
    const listed = await json<{ data: { scope: string }[] }>(await call("/api/providers", { headers: admin.headers }));
    expect(listed.data.filter((p) => p.scope === "tenant")).toEqual([]);
  });

  it("a tenant may use a public https URL, and may not change it to an internal one", async () => {
    const { admin } = await tenant();
    const res = await call("/api/providers", jsonInit(providerBody("https://llm.example.com/v1"), admin.headers));
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    for (const url of ["https://[::ffff:7f00:1]/v1", "https://169.254.169.254", "https://localhost/v1", "https://2130706433"]) {
      await expectUrlRefused(await call(`/api/providers/${id}`, jsonInit({ base_url: url }, admin.headers, "PATCH")), "base_url", url);
    }
    expect(await json(await call(`/api/providers/${id}`, { headers: admin.headers }))).toMatchObject({ base_url: "https://llm.example.com/v1" });
  });

  it("the operator's may point anywhere: local models on 127.0.0.1, localhost, platform-wide", async () => {
    const { operator } = await tenant();
    for (const [url, scope] of [
      ["http://127.0.0.1:11434/v1", "tenant"],
      ["http://localhost:8080/v1", "platform"],
    ] as const) {
      const res = await call("/api/providers", jsonInit(providerBody(url, { scope }), operator.headers));
      expect(res.status, url).toBe(201);
      expect(await json(res)).toMatchObject({ base_url: url, scope });
    }
  });

  it("the provider test refuses a tenant's internal base_url stored by someone else, and answers the operator", async () => {
    const { admin, operator } = await tenant();
    const created = await call(
      "/api/providers",
      jsonInit({ name: uniqueName("local"), kind: "openai", base_url: mockBase("openai"), api_key: UPSTREAM_KEYS.openai }, operator.headers),
    );
    const { id } = await json<{ id: string }>(created);
    await expectUrlRefused(await call(`/api/providers/${id}/test`, { method: "POST", headers: admin.headers }), "base_url", "probe");
    const probed = await call(`/api/providers/${id}/test`, { method: "POST", headers: operator.headers });
    expect(await json(probed)).toMatchObject({ ok: true, status: 200 });
  });
});

describe("alert webhook URLs", () => {
  it("a tenant's must be public https; the operator's may be local", async () => {
    const { admin, operator } = await tenant();
    const put = (who: Member, webhook_url: string) => call("/api/notifications/settings", jsonInit({ webhook_url }, who.headers, "PUT"));
    for (const url of REFUSED) await expectUrlRefused(await put(admin, url), "webhook_url", url);
    expect(await json(await call("/api/notifications/settings", { headers: admin.headers }))).toMatchObject({ webhook_url: null });

    const ok = await put(admin, "https://hooks.example.com/alerts");
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ webhook_url: "https://hooks.example.com/alerts" });
    const local = await put(operator, "http://127.0.0.1:9/hooks");
    expect(local.status).toBe(200);
    expect(await json(local)).toMatchObject({ webhook_url: "http://127.0.0.1:9/hooks" });
  });
});

const hello = [{ role: "user", content: "Hello there" }];

describe("upstream redirects", () => {
  it("are not followed: the call fails with upstream_redirect, and the Location is not passed on", async () => {
    const model = `redirect-${tag()}`;
    const provider = await createProvider("openai", [model]);
    const res = await post("/v1/chat/completions", { model: provider.model(model), messages: hello });
    const text = await res.text();
    expect(res.status, text).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_redirect", type: "server_error" } });
    expect(text).not.toContain("redirected");
    const seen = await upstream(model);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((r) => r.query)).toEqual(seen.map(() => ""));
  });

  it("count as the provider's failure: a route falls back to its next target", async () => {
    const [bad, good] = [`redirect-${tag()}`, `ok-${tag()}`];
    const [a, b] = await Promise.all([createProvider("anthropic", [bad]), createProvider("openai", [good])]);
    const alias = await createRoute({ targets: [{ model: a.model(bad) }, { model: b.model(good) }], retries: 0 });
    const res = await post("/v1/messages", { model: alias, max_tokens: 50, messages: hello }, { "anthropic-version": "2023-06-01" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-aggregator-attempts")).toBe(`${a.model(bad)}=307, ${b.model(good)}=ok`);
    expect((await upstream(bad)).map((r) => r.query)).toEqual([""]);
  });
});

describe("loops", () => {
  it("a call that already passed through a gateway 3 times is refused with 508 loop_detected, in the caller's format", async () => {
    const hops = { "x-aggregator-hops": "3" };
    const chat = await post("/v1/chat/completions", { model: "demo/echo", messages: hello }, hops);
    expect(chat.status).toBe(508);
    expect(await chat.clone().json()).toMatchObject({ error: { code: "loop_detected", type: "invalid_request_error" } });
    expect(await logRow(chat)).toMatchObject({ status: 508, error_type: "loop_detected" });

    const messages = await post("/v1/messages", { model: "demo/echo", max_tokens: 50, messages: hello }, { ...hops, "anthropic-version": "2023-06-01" });
    expect(messages.status).toBe(508);
    expect(await messages.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });

    const embeddings = await post("/v1/embeddings", { model: "demo/embed", input: "x" }, { "x-aggregator-hops": "7" });
    expect(embeddings.status).toBe(508);

    const model = `ok-${tag()}`;
    const provider = await createProvider("openai", [model]);
    expect((await post("/v1/chat/completions", { model: provider.model(model), messages: hello }, { "x-aggregator-hops": "2" })).status).toBe(200);
  });

  it("every upstream request carries the hop count: the incoming one plus one, on every path", async () => {
    const m = (name: string) => `${name}-${tag()}`;
    const [chatModel, nativeModel, translatedModel, countModel, embedModel] = [
      m("hops-chat"),
      m("hops-native"),
      m("hops-translated"),
      m("hops-count"),
      m("hops-embed"),
    ];
    const [oa, an] = await Promise.all([
      createProvider("openai", [chatModel, translatedModel, embedModel]),
      createProvider("anthropic", [nativeModel, countModel]),
    ]);
    const anthropicVersion = { "anthropic-version": "2023-06-01" };
    const calls: [string, Promise<Response>, string][] = [
      [chatModel, post("/v1/chat/completions", { model: oa.model(chatModel), messages: hello }), "1"],
      [
        nativeModel,
        post("/v1/messages", { model: an.model(nativeModel), max_tokens: 50, messages: hello }, { ...anthropicVersion, "x-aggregator-hops": "2" }),
        "3",
      ],
      [
        translatedModel,
        post(
          "/v1/messages",
          { model: oa.model(translatedModel), max_tokens: 50, messages: hello, stream: true },
          { ...anthropicVersion, "x-aggregator-hops": "1" },
        ),
        "2",
      ],
      [countModel, post("/v1/messages/count_tokens", { model: an.model(countModel), messages: hello }, anthropicVersion), "1"],
      [embedModel, post("/v1/embeddings", { model: oa.model(embedModel), input: "x" }, { "x-aggregator-hops": "2" }), "3"],
    ];
    for (const [model, pending, expected] of calls) {
      const res = await pending;
      expect(res.status, `${model}: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
      expect(
        (await upstream(model)).map((r) => r.headers["x-aggregator-hops"]),
        model,
      ).toEqual([expected]);
    }
  });

  it("an upstream's 508 (a loop refused further along) reaches the caller as loop_detected, not retried", async () => {
    const model = `fail-508-${tag()}`;
    const provider = await createProvider("openai", [model]);
    const res = await post("/v1/chat/completions", { model: provider.model(model), messages: hello });
    expect(res.status).toBe(508);
    expect(await res.json()).toMatchObject({ error: { code: "loop_detected" } });
    expect(await upstream(model)).toHaveLength(1);
  });
});
