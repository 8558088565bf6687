// A mock Web Push service for tests: one node:http server on 127.0.0.1 that plays the browser's
// PushManager (it hands out subscriptions) and the push service (it checks VAPID, RFC 8292, and
// decrypts aes128gcm, RFC 8291, with node:crypto: an independent check of worker/services/push.ts).
// Started in a worker thread by test/push-setup.ts; the Worker tests see its port as PUSH_MOCK_PORT.
//
//   POST /__subscribe        a new subscriber (P-256 key pair, 16-byte auth secret), answered as
//                            PushSubscription.toJSON(): { endpoint: "http://127.0.0.1:<port>/push/<id>",
//                            keys: { p256dh, auth } }; ?as=flaky or ?as=gone gives the same keys with
//                            the endpoint /push/flaky-<id> or /push/gone-<id>
//   POST /push/<id>          VAPID checked (403 { reason }), body decrypted (400 { reason }), recorded;
//                            201 with a Location, as RFC 8030 answers
//   POST /push/gone-<any>    410
//   POST /push/flaky-<id>    503 the first time for each id, then as /push/<id>
//   POST /push/<unknown>     404
//   GET /__received          what was received, oldest first (the last 1,000); DELETE clears it
import { createDecipheriv, createECDH, createPublicKey, type ECDH, hkdfSync, randomBytes, randomUUID, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPush {
  /** The subscription's id (without a flaky- prefix). */
  id: string;
  /** The decrypted body, parsed as JSON. */
  payload: unknown;
  headers: { ttl: string | null; urgency: string | null; topic: string | null };
  /** The VAPID JWT's sub claim. */
  vapidSub: string;
  /** The VAPID k parameter: the sender's public key, base64url. */
  vapidKey: string;
  at: number;
}

export interface PushServiceMock {
  port: number;
  close(): Promise<void>;
}

interface Subscriber {
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
}

const MAX_LOG = 1_000;
// What every push service must accept (RFC 8030 §7.2); past it, 413.
const MAX_MESSAGE_BYTES = 4096;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_JWT_LIFETIME_SECONDS = 24 * 3600;

/** A refusal with its status; the message is the reason sent back. */
class Refusal extends Error {
  readonly status: number;
  constructor(status: number, reason: string) {
    super(reason);
    this.status = status;
  }
}

const forbidden = (reason: string) => new Refusal(403, `VAPID: ${reason}`);
const badRequest = (reason: string) => new Refusal(400, reason);

function vapidParams(authorization: string | undefined): { token: string; key: string } {
  const match = /^vapid\s+(.*)$/i.exec(authorization ?? "");
  if (!match) throw forbidden("no Authorization: vapid t=…, k=…");
  const params = new Map<string, string>();
  for (const part of match[1]!.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const token = params.get("t");
  const key = params.get("k");
  if (!token || !key) throw forbidden("the vapid scheme needs both t and k");
  return { token, key };
}

function jsonPart(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the refusal
  }
  throw forbidden(`the JWT ${what} is not a JSON object`);
}

function verifySignature(signed: string, signature: string, key: string): void {
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 0x04) throw forbidden("k is not an uncompressed P-256 point");
  const jwk = { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") };
  let ok: boolean;
  try {
    ok = verify(
      "sha256",
      Buffer.from(signed),
      { key: createPublicKey({ key: jwk, format: "jwk" }), dsaEncoding: "ieee-p1363" },
      Buffer.from(signature, "base64url"),
    );
  } catch (error) {
    throw forbidden(`k is not a usable P-256 key (${String(error)})`);
  }
  if (!ok) throw forbidden("the JWT signature does not verify with k");
}

function checkClaims(claims: Record<string, unknown>, origin: string): string {
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) throw forbidden(`aud is ${JSON.stringify(claims.aud)}, not ${origin}`);
  if (typeof claims.exp !== "number" || claims.exp <= now) throw forbidden("exp is missing or past");
  if (claims.exp > now + MAX_JWT_LIFETIME_SECONDS) throw forbidden("exp is more than 24 h ahead");
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) throw forbidden("sub must be a mailto: or https: URL");
  return claims.sub;
}

/** RFC 8292 §2 and §3: an ES256 JWT for this origin, signed by k. */
function checkVapid(authorization: string | undefined, origin: string): { sub: string; key: string } {
  const { token, key } = vapidParams(authorization);
  const parts = token.split(".");
  if (parts.length !== 3) throw forbidden("t is not a JWT");
  const [header, claims, signature] = parts as [string, string, string];
  if (jsonPart(header, "header").alg !== "ES256") throw forbidden("the JWT is not ES256");
  verifySignature(`${header}.${claims}`, signature, key);
  return { sub: checkClaims(jsonPart(claims, "claims"), origin), key };
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer | string, length: number) => Buffer.from(hkdfSync("sha256", ikm, salt, info, length));

function unpad(padded: Buffer): Buffer {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw badRequest("the record has no last-record delimiter (0x02)");
  return padded.subarray(0, end);
}

/** RFC 8291 §3.4 with the RFC 8188 header: salt (16), rs (4), idlen (1), the sender's key, one record. */
function decrypt(body: Buffer, subscriber: Subscriber): Buffer {
  if (body.length < 21) throw badRequest("shorter than an aes128gcm header");
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  if (idLength !== 65) throw badRequest(`the key id is ${idLength} bytes, not a 65-byte P-256 point`);
  const senderKey = body.subarray(21, 86);
  const record = body.subarray(86);
  if (record.length < 17 || record.length > recordSize) throw badRequest("the body is not exactly one record");
  let shared: Buffer;
  try {
    shared = subscriber.ecdh.computeSecret(senderKey);
  } catch {
    throw badRequest("the key id is not a P-256 point");
  }
  const ikm = hkdf(shared, subscriber.auth, Buffer.concat([Buffer.from("WebPush: info\0"), subscriber.publicKey, senderKey]), 32);
  const decipher = createDecipheriv("aes-128-gcm", hkdf(ikm, salt, "Content-Encoding: aes128gcm\0", 16), hkdf(ikm, salt, "Content-Encoding: nonce\0", 12));
  decipher.setAuthTag(record.subarray(-16));
  try {
    return unpad(Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]));
  } catch (error) {
    throw error instanceof Refusal ? error : badRequest("the record does not decrypt (wrong keys or a corrupted body)");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The body, or null past MAX_BODY_BYTES (read to the end all the same, so the answer can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null;
}

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? null);
};

class PushService {
  readonly subscribers = new Map<string, Subscriber>();
  readonly flakyAnswered = new Set<string>();
  readonly received: ReceivedPush[] = [];
  origin = "";

  subscribe(as: string | null): unknown {
    const ecdh = createECDH("prime256v1");
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = randomUUID();
    this.subscribers.set(id, { ecdh, publicKey, auth });
    const prefix = as === "flaky" || as === "gone" ? `${as}-` : "";
    return { endpoint: `${this.origin}/push/${prefix}${id}`, keys: { p256dh: publicKey.toString("base64url"), auth: auth.toString("base64url") } };
  }

  /** The status and body for a POST to /push/<name>. */
  deliver(name: string, req: IncomingMessage, body: Buffer | null): { status: number; body: unknown } {
    if (name.startsWith("gone-")) return { status: 410, body: { reason: "the subscription has expired or was unsubscribed" } };
    const id = name.startsWith("flaky-") ? name.slice("flaky-".length) : name;
    if (id !== name && !this.flakyAnswered.has(id)) {
      this.flakyAnswered.add(id);
      return { status: 503, body: { reason: "temporarily unavailable, try again" } };
    }
    const subscriber = this.subscribers.get(id);
    if (!subscriber) return { status: 404, body: { reason: "no such subscription" } };
    if (!body || body.length > MAX_MESSAGE_BYTES) return { status: 413, body: { reason: `the body is over ${MAX_MESSAGE_BYTES} bytes` } };
    this.receive(id, subscriber, req, body);
    return { status: 201, body: null };
  }

  private receive(id: string, subscriber: Subscriber, req: IncomingMessage, body: Buffer): void {
    if (header(req, "content-encoding") !== "aes128gcm") throw badRequest("Content-Encoding must be aes128gcm");
    const ttl = header(req, "ttl");
    if (ttl === null || !/^\d+$/.test(ttl)) throw badRequest("a TTL header (seconds) is required");
    const vapid = checkVapid(header(req, "authorization") ?? undefined, this.origin);
    const text = decrypt(body, subscriber).toString("utf8");
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw badRequest("the decrypted payload is not JSON");
    }
    const headers = { ttl, urgency: header(req, "urgency"), topic: header(req, "topic") };
    this.received.push({ id, payload, headers, vapidSub: vapid.sub, vapidKey: vapid.key, at: Date.now() });
    if (this.received.length > MAX_LOG) this.received.splice(0, this.received.length - MAX_LOG);
  }
}

async function serve(service: PushService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", service.origin);
  const body = await readBody(req);
  if (url.pathname === "/__subscribe" && req.method === "POST") return sendJson(res, 201, service.subscribe(url.searchParams.get("as")));
  if (url.pathname === "/__received" && req.method === "GET") return sendJson(res, 200, service.received);
  if (url.pathname === "/__received" && req.method === "DELETE") {
    service.received.length = 0;
    return sendJson(res, 200, { cleared: true });
  }
  const push = /^\/push\/([^/]+)$/.exec(url.pathname);
  if (!push || req.method !== "POST") return sendJson(res, 404, { reason: `nothing at ${req.method} ${url.pathname}` });
  try {
    const answer = service.deliver(decodeURIComponent(push[1]!), req, body);
    if (answer.status !== 201) return sendJson(res, answer.status, answer.body);
    res.writeHead(201, { location: `/message/${randomUUID()}` });
    res.end();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    sendJson(res, error.status, { reason: error.message });
  }
}

export async function startPushService(options: { port?: number } = {}): Promise<PushServiceMock> {
  const service = new PushService();
  const server = createServer((req, res) => {
    // One request per connection: workerd pools idle connections, and reusing one the server
    // has just closed fails as "Network connection lost" (as in upstream.ts).
    res.shouldKeepAlive = false;
    serve(service, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { reason: `mock error: ${String(error)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  service.origin = `http://127.0.0.1:${port}`;
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
