// /v1/messages as the official Anthropic SDK sees it, on the built-in demo provider (the
// canonical path: OpenAI-shaped answers rendered as Anthropic messages and events).
import Anthropic from "@anthropic-ai/sdk";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API_KEY, ORIGIN, call, createMember, createTenant, json, jsonInit, requestLogRow } from "./kit/fixtures.ts";

const fetchWorker = (input: string | URL | Request, init?: RequestInit) => exports.default.fetch(new Request(input, init));
const client = new Anthropic({ apiKey: API_KEY, baseURL: ORIGIN, maxRetries: 0, fetch: fetchWorker });

describe("POST /v1/messages", () => {
  it("answers a message with usage through the Anthropic SDK", async () => {
    const message = await client.messages.create({
      model: "demo/echo",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "Hello there!" }],
    });
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.content).toEqual([{ type: "text", text: "Hello there!" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBe(6);
    expect(message.usage.output_tokens).toBe(3);
  });

  it("streams events the SDK assembles into the same message", async () => {
    const stream = client.messages.stream({ model: "demo/lorem", max_tokens: 9, messages: [{ role: "user", content: "Write" }] });
    const seen: string[] = [];
    stream.on("streamEvent", (e) => seen.push(e.type));
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text", text: "Lorem ipsum dolor sit amet, consectetur adipiscing elit" });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(9);
    expect(seen[0]).toBe("message_start");
    expect(seen.at(-1)).toBe("message_stop");
    expect(seen).toContain("content_block_start");
    expect(seen).toContain("content_block_stop");
  });

  it("accepts the key as x-api-key and answers errors in Anthropic's shape", async () => {
    const ok = await call(
      "/v1/messages",
      jsonInit({ model: "demo/echo", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }, { "x-api-key": API_KEY }),
    );
    expect(ok.status).toBe(200);
    const bad = await call("/v1/messages", jsonInit({ model: "demo/echo", messages: [{ role: "user", content: "hi" }] }, { "x-api-key": API_KEY }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") } });
    const unauthenticated = await call("/v1/messages", jsonInit({ model: "demo/echo", max_tokens: 5, messages: [] }, { "x-api-key": "nope" }));
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("sends the request id where the SDK reads it (request-id), errors included", async () => {
    const created = client.messages.create({ model: "demo/echo", max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
    const message = await created;
    expect(message._request_id).toMatch(/^req_/);
    expect(message._request_id).toBe((await created.asResponse()).headers.get("x-request-id"));
    const counting = client.messages.countTokens({ model: "demo/echo", messages: [{ role: "user", content: "hi" }] });
    const counted = await counting;
    expect(counted._request_id).toBe((await counting.asResponse()).headers.get("x-request-id"));
    const failed: unknown = await client.messages
      .create({ model: "demo/none", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Anthropic.NotFoundError);
    const { requestID, headers } = failed as InstanceType<typeof Anthropic.NotFoundError>;
    expect(requestID).toMatch(/^req_/);
    expect(requestID).toBe(headers?.get("x-request-id"));
    const unauthenticated = new Anthropic({ apiKey: "sk-agg-nope", baseURL: ORIGIN, maxRetries: 0, fetch: fetchWorker });
    const refused: unknown = await unauthenticated.messages
      .countTokens({ model: "demo/echo", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((refused as InstanceType<typeof Anthropic.AuthenticationError>).requestID).toMatch(/^req_/);
    const fromBrowser = await call(
      "/v1/messages",
      jsonInit({ model: "demo/echo", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }, { "x-api-key": API_KEY, origin: "https://app.example" }),
    );
    expect(fromBrowser.headers.get("access-control-expose-headers")?.split(",")).toContain("request-id");
  });

  it("tells a caller without a key to send it as x-api-key", async () => {
    const res = await call("/v1/messages", jsonInit({ model: "demo/echo", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      type: "error",
      error: {
        type: "authentication_error",
        message: "You didn't provide an API key. Send it in the 'x-api-key' header (or as 'Authorization: Bearer <key>').",
      },
    });
  });

  it("surfaces as the SDK's typed errors", async () => {
    await expect(client.messages.create({ model: "demo/none", max_tokens: 5, messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });

  it("counts tokens locally for providers without a counting endpoint", async () => {
    const counted = await client.messages.countTokens({ model: "demo/echo", system: "Be brief.", messages: [{ role: "user", content: "Hello there!" }] });
    expect(counted.input_tokens).toBe(6);
  });
});

describe("POST /v1/messages/count_tokens", () => {
  /** A key of a new tenant, which has no credit: counting needs none. */
  async function newKey(limits: { rpm_limit?: number; tpm_limit?: number }) {
    const tenantId = await createTenant();
    const owner = await createMember("owner", tenantId);
    const { key } = await json<{ key: string }>(await call("/api/keys", jsonInit({ name: "count", ...limits }, owner.headers)));
    return { tenantId, owner, key };
  }
  const count = (key: string) =>
    call("/v1/messages/count_tokens", jsonInit({ model: "demo/echo", messages: [{ role: "user", content: "Hello there!" }] }, { "x-api-key": key }));
  const requestId = (res: Response) => res.headers.get("x-request-id")!;

  it("counts toward the key's requests per minute, not its tokens, and is logged at no cost", async () => {
    const { tenantId, key } = await newKey({ rpm_limit: 2, tpm_limit: 1 });
    const first = await count(key);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ input_tokens: expect.any(Number) });
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("1");
    expect((await count(key)).status).toBe(200);
    const refused = await count(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });

    expect(await requestLogRow(tenantId, requestId(first))).toMatchObject({
      endpoint: "messages.count_tokens",
      status: 200,
      error_type: null,
      provider: "demo",
      model: "demo/echo",
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
    });
    expect(await requestLogRow(tenantId, requestId(refused))).toMatchObject({
      endpoint: "messages.count_tokens",
      status: 429,
      error_type: "rate_limit_exceeded",
      cost_micros: 0,
    });
  });

  it("counts toward the tenant's requests per minute", async () => {
    const { owner, key } = await newKey({});
    expect((await call("/api/tenant", jsonInit({ rpm_limit: 1 }, owner.headers, "PATCH"))).status).toBe(200);
    expect((await count(key)).status).toBe(200);
    expect((await count(key)).status).toBe(429);
  });
});
