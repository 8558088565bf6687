// Web Push in workerd: what sendPush puts on the wire is read back by a browser's side written
// separately (test/kit/push-decrypt.ts, itself checked against RFC 8291's worked example), and
// each answer of a push service maps to the outcome the caller acts on.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base64UrlDecode, createSubscriber, subscriberFromKeys, verifyVapid } from "../../test/kit/push-decrypt.ts";
import { DEFAULT_PUSH_TTL_SECONDS, generateVapidKeys, MAX_PUSH_PAYLOAD_BYTES, type PushOptions, sendPush, type VapidSender } from "./push.ts";

// RFC 8291, Appendix A.
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

const ENDPOINT = "https://updates.push.example.org:8443/wpush/v2/gAAAAABk?x=1";
const SUBJECT = "mailto:ops@example.com";

interface Captured {
  url: string;
  init: RequestInit;
  headers: Headers;
  body: Uint8Array;
}

/** A fetch that records each request and answers `answer()` (201 by default). */
function capture(answer: () => Response | Promise<Response> = () => new Response(null, { status: 201 })) {
  const requests: Captured[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    requests.push({ url: String(input), init, headers: new Headers(init.headers), body: new Uint8Array(init.body as Uint8Array) });
    return answer();
  };
  return { requests, fetch: fetch as typeof globalThis.fetch };
}

let vapidKeys: Promise<VapidSender> | undefined;
const sender = () => (vapidKeys ??= generateVapidKeys().then((keys) => ({ ...keys, subject: SUBJECT })));

/** sendPush to a fresh subscriber through a capturing fetch: the result, the request and the subscriber. */
async function sendCaptured(payload: object, options: PushOptions = {}, endpoint = ENDPOINT) {
  const subscriber = await createSubscriber(endpoint);
  const { requests, fetch } = capture();
  const result = await sendPush(subscriber.subscription, payload, await sender(), { ...options, fetch });
  expect(result).toEqual({ outcome: "sent", status: 201 });
  expect(requests).toHaveLength(1);
  return { result, request: requests[0]!, subscriber };
}

describe("the test kit's browser side", () => {
  it("decrypts RFC 8291's worked example", async () => {
    const subscriber = await subscriberFromKeys(ENDPOINT, RFC8291.uaPrivate, RFC8291.uaPublic, RFC8291.auth);
    const message = await subscriber.decrypt(base64UrlDecode(RFC8291.body));
    expect(message.text).toBe(RFC8291.plaintext);
    expect(message.recordSize).toBe(4096);
  });

  it("refuses a body that was tampered with", async () => {
    const body = base64UrlDecode(RFC8291.body);
    body[body.length - 20]! ^= 1;
    const subscriber = await subscriberFromKeys(ENDPOINT, RFC8291.uaPrivate, RFC8291.uaPublic, RFC8291.auth);
    await expect(subscriber.decrypt(body)).rejects.toThrow();
  });
});

describe("generateVapidKeys", () => {
  it("gives a 65-byte uncompressed P-256 public key and a 32-byte private scalar, new each time", async () => {
    const [a, b] = await Promise.all([generateVapidKeys(), generateVapidKeys()]);
    const point = base64UrlDecode(a.publicKey);
    expect(point).toHaveLength(65);
    expect(point[0]).toBe(0x04);
    expect(base64UrlDecode(a.privateKey)).toHaveLength(32);
    expect(a.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a.privateKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(b.publicKey).not.toBe(a.publicKey);
    expect(b.privateKey).not.toBe(a.privateKey);
  });
});

describe("sendPush: the encrypted request", () => {
  it("posts an aes128gcm body that the subscriber decrypts to the payload", async () => {
    const payload = { title: "Budget at 80%", body: "Acme used $80.00 of $100.00", url: "/alerts/1", tags: ["budget", "ünïcødé ✓"] };
    const { request, subscriber } = await sendCaptured(payload);
    expect(request.url).toBe(ENDPOINT);
    expect(request.init.method).toBe("POST");
    expect(request.init.redirect).toBe("manual");
    expect(request.headers.get("content-encoding")).toBe("aes128gcm");
    expect(request.headers.get("content-type")).toBe("application/octet-stream");
    const message = await subscriber.decrypt(request.body);
    expect(JSON.parse(message.text)).toEqual(payload);
    expect(message.recordSize).toBe(4096);
    expect(request.body.length).toBeLessThanOrEqual(4096);
  });

  it("uses a fresh salt and ephemeral key for every message", async () => {
    const subscriber = await createSubscriber(ENDPOINT);
    const { requests, fetch } = capture();
    for (let i = 0; i < 2; i++) await sendPush(subscriber.subscription, { same: true }, await sender(), { fetch });
    const [first, second] = await Promise.all(requests.map((r) => subscriber.decrypt(r.body)));
    expect(first!.text).toBe(second!.text);
    expect(requests[0]!.body.subarray(0, 16)).not.toEqual(requests[1]!.body.subarray(0, 16));
    expect(first!.senderKey).not.toEqual(second!.senderKey);
  });

  it("pads to 256-byte blocks, so alerts of similar length look alike to the push service", async () => {
    const sizes = await Promise.all(
      [1, 200, 300].map(async (n) => {
        const { request, subscriber } = await sendCaptured({ text: "x".repeat(n) });
        return { body: request.body.length, padded: (await subscriber.decrypt(request.body)).paddedLength };
      }),
    );
    expect(sizes.map((s) => s.padded)).toEqual([256, 256, 512]);
    expect(sizes[0]!.body).toBe(sizes[1]!.body);
  });

  it("takes the largest payload every push service accepts, and refuses one byte more without sending", async () => {
    const largest = { p: "x".repeat(MAX_PUSH_PAYLOAD_BYTES - '{"p":""}'.length) };
    const { request, subscriber } = await sendCaptured(largest);
    expect(request.body.length).toBe(4096);
    expect(JSON.parse((await subscriber.decrypt(request.body)).text)).toEqual(largest);

    const { requests, fetch } = capture();
    const result = await sendPush(subscriber.subscription, { p: `${largest.p}x` }, await sender(), { fetch });
    expect(result.outcome).toBe("failed");
    expect(result.error).toContain(`at most ${MAX_PUSH_PAYLOAD_BYTES}`);
    expect(requests).toHaveLength(0);
  });

  it("sends TTL, Urgency and Topic when given, TTL a day when not", async () => {
    const given = (await sendCaptured({}, { ttlSeconds: 0, urgency: "very-low", topic: "budget-80_tenant" })).request.headers;
    expect([given.get("ttl"), given.get("urgency"), given.get("topic")]).toEqual(["0", "very-low", "budget-80_tenant"]);
    const defaults = (await sendCaptured({})).request.headers;
    expect([defaults.get("ttl"), defaults.get("urgency"), defaults.get("topic")]).toEqual([String(DEFAULT_PUSH_TTL_SECONDS), null, null]);
  });
});

describe("sendPush: the VAPID header", () => {
  it("is an ES256 JWT for the endpoint's origin, valid 12 hours, signed with our key", async () => {
    const vapid = await sender();
    const before = Math.floor(Date.now() / 1000);
    const { request } = await sendCaptured({ hello: "world" });
    const authorization = request.headers.get("authorization") ?? "";
    expect(authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    const token = await verifyVapid(authorization);
    expect(token.header).toEqual({ typ: "JWT", alg: "ES256" });
    expect(token.publicKey).toBe(vapid.publicKey);
    expect(token.claims.aud).toBe("https://updates.push.example.org:8443");
    expect(token.claims.sub).toBe(SUBJECT);
    const exp = token.claims.exp as number;
    expect(exp).toBeGreaterThanOrEqual(before + 12 * 3600);
    expect(exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 12 * 3600);
  });

  it("does not verify under another key (the check is not a formality)", async () => {
    const { request } = await sendCaptured({});
    const other = await generateVapidKeys();
    const authorization = (request.headers.get("authorization") ?? "").replace(/k=[\w-]+$/, `k=${other.publicKey}`);
    await expect(verifyVapid(authorization)).rejects.toThrow(/does not verify/);
  });

  it("accepts an https: subject", async () => {
    const subscriber = await createSubscriber(ENDPOINT);
    const { requests, fetch } = capture();
    const result = await sendPush(subscriber.subscription, {}, { ...(await sender()), subject: "https://gateway.example.com/contact" }, { fetch });
    expect(result.outcome).toBe("sent");
    expect((await verifyVapid(requests[0]!.headers.get("authorization") ?? "")).claims.sub).toBe("https://gateway.example.com/contact");
  });
});

describe("sendPush: outcomes", () => {
  const answers: [number, string][] = [
    [201, "sent"],
    [202, "sent"],
    [404, "gone"],
    [410, "gone"],
    [429, "retry"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [400, "failed"],
    [401, "failed"],
    [403, "failed"],
    [413, "failed"],
    [301, "failed"],
  ];

  it.each(answers)("maps HTTP %i to %s, with the service's reason", async (status, outcome) => {
    const subscriber = await createSubscriber(ENDPOINT);
    const { fetch } = capture(() => new Response(status < 300 ? null : `reason ${status}`, { status }));
    const result = await sendPush(subscriber.subscription, {}, await sender(), { fetch });
    expect(result.outcome).toBe(outcome);
    expect(result.status).toBe(status);
    if (outcome === "sent") expect(result.error).toBeUndefined();
    else expect(result.error).toBe(`reason ${status}`);
  });

  it("retries after a network error", async () => {
    const subscriber = await createSubscriber(ENDPOINT);
    const { fetch } = capture(() => Promise.reject(new TypeError("Network connection lost.")));
    expect(await sendPush(subscriber.subscription, {}, await sender(), { fetch })).toEqual({ outcome: "retry", error: "Network connection lost." });
  });

  it("gives up on a silent push service after timeoutMs, and retries later", async () => {
    const subscriber = await createSubscriber(ENDPOINT);
    const silent = ((_input: RequestInfo | URL, init: RequestInit = {}) =>
      new Promise<Response>((_resolve, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
    const started = Date.now();
    const result = await sendPush(subscriber.subscription, {}, await sender(), { fetch: silent, timeoutMs: 50 });
    expect(result).toEqual({ outcome: "retry", error: "no answer within 50 ms" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("sendPush: bad input fails without throwing or sending", () => {
  const point = (first: number) => {
    const bytes = new Uint8Array(65).fill(7);
    bytes[0] = first;
    return btoa(String.fromCharCode(...bytes));
  };
  type Case = [string, (s: { endpoint: string; keys: { p256dh: string; auth: string } }, v: VapidSender) => [object, VapidSender, PushOptions?, object?]];
  const cases: Case[] = [
    ["a short p256dh", (s, v) => [{ ...s, keys: { ...s.keys, p256dh: "BAAA" } }, v]],
    ["a compressed p256dh", (s, v) => [{ ...s, keys: { ...s.keys, p256dh: point(0x02) } }, v]],
    ["a p256dh off the curve", (s, v) => [{ ...s, keys: { ...s.keys, p256dh: point(0x04) } }, v]],
    ["a 12-byte auth secret", (s, v) => [{ ...s, keys: { ...s.keys, auth: "AAAAAAAAAAAAAAAA" } }, v]],
    ["an auth secret that is not base64", (s, v) => [{ ...s, keys: { ...s.keys, auth: "!!not base64!!" } }, v]],
    ["an endpoint that is not a URL", (s, v) => [{ ...s, endpoint: "not a url" }, v]],
    ["an ftp: endpoint", (s, v) => [{ ...s, endpoint: "ftp://push.example.org/x" }, v]],
    ["a subject that is a bare address", (s, v) => [s, { ...v, subject: "ops@example.com" }]],
    ["a VAPID private key that is not one", (s, v) => [s, { ...v, privateKey: "nope" }]],
    ["a VAPID public key that is not a point", (s, v) => [s, { ...v, publicKey: "BAAA" }]],
    ["a topic with a space", (s, v) => [s, v, { topic: "two words" }]],
    ["a 33-character topic", (s, v) => [s, v, { topic: "a".repeat(33) }]],
    ["an unknown urgency", (s, v) => [s, v, { urgency: "urgent" as PushOptions["urgency"] }]],
    ["a negative TTL", (s, v) => [s, v, { ttlSeconds: -1 }]],
    ["a fractional TTL", (s, v) => [s, v, { ttlSeconds: 1.5 }]],
    ["a payload JSON cannot encode", (s, v) => [s, v, {}, { big: 1n }]],
  ];

  it.each(cases)("%s", async (_name, make) => {
    const subscriber = await createSubscriber(ENDPOINT);
    const [subscription, vapid, options = {}, payload = { ok: true }] = make(subscriber.subscription, await sender());
    const { requests, fetch } = capture();
    const result = await sendPush(subscription as typeof subscriber.subscription, payload, vapid, { ...options, fetch });
    expect(result.outcome).toBe("failed");
    expect(result.error).toEqual(expect.any(String));
    expect(requests).toHaveLength(0);
  });
});

// The mock push service (test/mocks/push-service.ts) is a second, independent reader: it checks
// VAPID and decrypts with node:crypto. It runs when test/vitest.config.ts starts test/push-setup.ts.
const pushPort = env.PUSH_MOCK_PORT;

describe("sendPush against the mock push service", () => {
  const mock = (path: string) => `http://127.0.0.1:${pushPort}${path}`;
  const subscribe = async (as = "") =>
    (await (await fetch(mock(`/__subscribe${as}`), { method: "POST" })).json()) as { endpoint: string; keys: { p256dh: string; auth: string } };
  const receivedBy = async (endpoint: string) => {
    const all = (await (await fetch(mock("/__received"))).json()) as { id: string }[];
    return all.filter((r) => endpoint.endsWith(r.id));
  };

  it("delivers: the service verifies VAPID, decrypts, and has the payload and headers", async () => {
    const subscription = await subscribe();
    const payload = { title: "Budget at 80%", body: "ünïcødé ✓", n: [1, 2, 3] };
    const result = await sendPush(subscription, payload, await sender(), { ttlSeconds: 60, urgency: "high", topic: "budget" });
    expect(result).toEqual({ outcome: "sent", status: 201 });
    expect(await receivedBy(subscription.endpoint)).toEqual([
      expect.objectContaining({ payload, headers: { ttl: "60", urgency: "high", topic: "budget" }, vapidSub: SUBJECT, vapidKey: (await sender()).publicKey }),
    ]);
  });

  it("reports gone for an expired (410) or unknown (404) subscription", async () => {
    const vapid = await sender();
    expect(await sendPush(await subscribe("?as=gone"), {}, vapid)).toMatchObject({ outcome: "gone", status: 410 });
    const unknown = { ...(await subscribe()), endpoint: mock("/push/no-such-id") };
    expect(await sendPush(unknown, {}, vapid)).toMatchObject({ outcome: "gone", status: 404 });
  });

  it("retries a 503, and the retry is delivered", async () => {
    const subscription = await subscribe("?as=flaky");
    expect(await sendPush(subscription, { n: 1 }, await sender())).toMatchObject({ outcome: "retry", status: 503 });
    expect(await sendPush(subscription, { n: 1 }, await sender())).toEqual({ outcome: "sent", status: 201 });
    expect(await receivedBy(subscription.endpoint)).toHaveLength(1);
  });

  it("is refused (403, failed) with a VAPID token made for another origin", async () => {
    const subscription = await subscribe();
    const { request } = await sendCaptured({}, {}, "https://elsewhere.example/push/1");
    const response = await fetch(subscription.endpoint, { method: "POST", headers: request.headers, body: request.body });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("aud is");
  });

  it("is refused (400, failed) when encrypted for another subscriber", async () => {
    const [a, b] = [await subscribe(), await subscribe()];
    const result = await sendPush({ ...a, keys: b.keys }, {}, await sender());
    expect(result).toMatchObject({ outcome: "failed", status: 400 });
    expect(result.error).toContain("does not decrypt");
  });
});
