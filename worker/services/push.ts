// Web Push to an installed PWA: the payload encrypted for one subscription (RFC 8291, aes128gcm),
// the sender identified by its VAPID key (RFC 8292, an ES256 JWT), sent with our own fetch.
// Web Crypto only. Keys are base64url, as the `web-push` tools print them: the public key the
// 65-byte uncompressed P-256 point (the PWA's applicationServerKey), the private key its 32-byte
// scalar (JWK "d").
import { fromBase64Url, toBase64Url } from "../core/security/hash.ts";

export interface PushSubscriptionKeys {
  p256dh: string;
  auth: string;
}

/** What the browser's `PushSubscription.toJSON()` gives (less expirationTime). */
export interface PushSubscriptionInfo {
  endpoint: string;
  keys: PushSubscriptionKeys;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface VapidSender extends VapidKeys {
  /** `mailto:` or `https:`: how the push service reaches the operator. */
  subject: string;
}

export type PushUrgency = "very-low" | "low" | "normal" | "high";

export interface PushOptions {
  /** How long the push service keeps an undelivered message; 0 = deliver now or drop. */
  ttlSeconds?: number;
  urgency?: PushUrgency;
  /** Replaces an undelivered message with the same topic: at most 32 base64url characters. */
  topic?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** gone: remove the subscription; retry: later, with backoff; failed: our request is wrong. */
export type PushOutcome = "sent" | "gone" | "retry" | "failed";

export interface PushResult {
  outcome: PushOutcome;
  status?: number;
  error?: string;
}

export const DEFAULT_PUSH_TTL_SECONDS = 86_400;
const DEFAULT_TIMEOUT_MS = 10_000;
const VAPID_JWT_SECONDS = 12 * 3600;
// One record, and the whole body within the 4096 bytes every push service must accept
// (RFC 8291 §4): a header of salt (16), record size (4), key id length (1) and our key (65),
// then the plaintext, the 0x02 delimiter, padding and the 16-byte tag.
const RECORD_SIZE = 4096;
const HEADER_BYTES = 86;
const MAX_RECORD_PLAINTEXT = RECORD_SIZE - HEADER_BYTES - 16;
export const MAX_PUSH_PAYLOAD_BYTES = MAX_RECORD_PLAINTEXT - 1;
// Padding to a multiple of this keeps the push service from reading an alert's exact length.
const PAD_BLOCK = 256;
const URGENCIES: ReadonlySet<string> = new Set(["very-low", "low", "normal", "high"]);

const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

class PushInputError extends Error {}

function p256Point(base64url: string, what: string): Uint8Array<ArrayBuffer> {
  const point = fromBase64Url(base64url);
  if (point.length !== 65 || point[0] !== 0x04) throw new PushInputError(`${what} is not an uncompressed P-256 point`);
  return point;
}

/** A fresh VAPID key pair. Keep the private key a secret; the public key goes to the PWA. */
export async function generateVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const { d } = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  if (!d) throw new Error("the runtime exported an EC private key without d");
  return { publicKey: toBase64Url(publicKey), privateKey: d };
}

// workers-types spells the ECDH peer key `$public`; the runtime reads `public`, as in the spec.
const ecdhParams = (peer: CryptoKey) => ({ name: "ECDH", public: peer }) as unknown as SubtleCryptoDeriveKeyAlgorithm;

async function hkdf(salt: BufferSource, ikm: BufferSource, info: BufferSource, bytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

/** The plaintext, the last-record delimiter, then zeros up to the next PAD_BLOCK (within the record). */
function padRecord(plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
  const record = new Uint8Array(Math.min(Math.ceil((plaintext.length + 1) / PAD_BLOCK) * PAD_BLOCK, MAX_RECORD_PLAINTEXT));
  record.set(plaintext);
  record[plaintext.length] = 0x02;
  return record;
}

/** The aes128gcm body (RFC 8291 §3.4, RFC 8188 §2): a fresh salt and ECDH key per message. */
async function encryptPayload(keys: PushSubscriptionKeys, plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const uaPublic = p256Point(keys.p256dh, "the subscription's p256dh");
  const authSecret = fromBase64Url(keys.auth);
  if (authSecret.length !== 16) throw new PushInputError("the subscription's auth secret is not 16 bytes");
  const ours = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey("raw", ours.publicKey)) as ArrayBuffer);
  const uaKey = await crypto.subtle.importKey("raw", uaPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ecdhSecret = await crypto.subtle.deriveBits(ecdhParams(uaKey), ours.privateKey, 256);
  const ikm = await hkdf(authSecret, ecdhSecret, concat(encoder.encode("WebPush: info\0"), uaPublic, asPublic), 32);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const cek = await hkdf(salt, ikm, encoder.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, encoder.encode("Content-Encoding: nonce\0"), 12);
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, aes, padRecord(plaintext)));
  const recordSize = new Uint8Array(4);
  new DataView(recordSize.buffer).setUint32(0, RECORD_SIZE);
  return concat(salt, recordSize, Uint8Array.of(asPublic.length), asPublic, ciphertext);
}

/** `vapid t=<ES256 JWT for the endpoint's origin>, k=<public key>` (RFC 8292 §3). */
async function vapidAuthorization(endpoint: URL, vapid: VapidSender): Promise<string> {
  if (!/^(mailto:|https:)/.test(vapid.subject)) throw new PushInputError("the VAPID subject must be a mailto: or https: URL");
  const point = p256Point(vapid.publicKey, "the VAPID public key");
  const jwk = { kty: "EC", crv: "P-256", x: toBase64Url(point.subarray(1, 33)), y: toBase64Url(point.subarray(33)), d: vapid.privateKey };
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const json = (value: object) => toBase64Url(encoder.encode(JSON.stringify(value)));
  const exp = Math.floor(Date.now() / 1000) + VAPID_JWT_SECONDS;
  const unsigned = `${json({ typ: "JWT", alg: "ES256" })}.${json({ aud: endpoint.origin, exp, sub: vapid.subject })}`;
  // Web Crypto's ECDSA signature is r || s, which is what JWS wants.
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, encoder.encode(unsigned)));
  return `vapid t=${unsigned}.${toBase64Url(signature)}, k=${toBase64Url(point)}`;
}

function pushHeaders(authorization: string, options: PushOptions): Record<string, string> {
  const ttl = options.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new PushInputError("ttlSeconds must be a whole number of seconds, 0 or more");
  const headers: Record<string, string> = {
    authorization,
    "content-encoding": "aes128gcm",
    "content-type": "application/octet-stream",
    ttl: String(ttl),
  };
  if (options.urgency !== undefined) {
    if (!URGENCIES.has(options.urgency)) throw new PushInputError(`unknown urgency "${options.urgency}"`);
    headers.urgency = options.urgency;
  }
  if (options.topic !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.topic)) throw new PushInputError("a topic is 1 to 32 base64url characters");
    headers.topic = options.topic;
  }
  return headers;
}

async function buildRequest(subscription: PushSubscriptionInfo, payload: object, vapid: VapidSender, options: PushOptions): Promise<RequestInit> {
  const endpoint = new URL(subscription.endpoint);
  if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new PushInputError("the endpoint is not an http(s) URL");
  const plaintext = encoder.encode(JSON.stringify(payload));
  if (plaintext.length > MAX_PUSH_PAYLOAD_BYTES) throw new PushInputError(`the payload is ${plaintext.length} bytes, at most ${MAX_PUSH_PAYLOAD_BYTES}`);
  const headers = pushHeaders(await vapidAuthorization(endpoint, vapid), options);
  return { method: "POST", headers, body: await encryptPayload(subscription.keys, plaintext), redirect: "manual" };
}

function outcomeOf(status: number): PushOutcome {
  if (status >= 200 && status < 300) return "sent";
  if (status === 404 || status === 410) return "gone";
  if (status === 429 || status >= 500) return "retry";
  return "failed";
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function errorText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 500) || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** Encrypts `payload` (as JSON) for the subscription and posts it to its endpoint. Never throws. */
export async function sendPush(subscription: PushSubscriptionInfo, payload: object, vapid: VapidSender, options: PushOptions = {}): Promise<PushResult> {
  let init: RequestInit;
  try {
    init = await buildRequest(subscription, payload, vapid, options);
  } catch (error) {
    return { outcome: "failed", error: error instanceof PushInputError ? error.message : `cannot build the push request: ${describeError(error)}` };
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const send = options.fetch ?? ((input: RequestInfo | URL, request?: RequestInit) => fetch(input, request));
  try {
    const response = await send(subscription.endpoint, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const outcome = outcomeOf(response.status);
    if (outcome !== "sent") return { outcome, status: response.status, error: await errorText(response) };
    await response.body?.cancel().catch(() => undefined);
    return { outcome, status: response.status };
  } catch (error) {
    // AbortSignal.timeout rejects with a DOMException named TimeoutError.
    const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
    return { outcome: "retry", error: timedOut ? `no answer within ${timeoutMs} ms` : describeError(error) };
  }
}
