// The browser's side of Web Push, in Web Crypto, to check worker/services/push.ts from inside
// workerd: a subscriber (key pair and auth secret), the aes128gcm decryption written from RFC
// 8291's HMAC steps (not push.ts's HKDF calls), and the check of a VAPID header's signature.

export interface DecryptedPush {
  text: string;
  /** The rs field of the aes128gcm header. */
  recordSize: number;
  /** The sender's ephemeral public key (the header's key id). */
  senderKey: Uint8Array;
  /** The plaintext's length with its delimiter and padding. */
  paddedLength: number;
}

export interface TestSubscriber {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  decrypt(body: Uint8Array): Promise<DecryptedPush>;
}

export interface VapidToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** The k parameter: the sender's public key, base64url. */
  publicKey: string;
}

const encoder = new TextEncoder();

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

async function hmac(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

/** HKDF with one expand block, as RFC 8291 §3.3 and §3.4 write it out. */
async function hkdfOneBlock(salt: Uint8Array<ArrayBuffer>, ikm: Uint8Array<ArrayBuffer>, info: string | Uint8Array<ArrayBuffer>, length: number) {
  const prk = await hmac(salt, ikm);
  const infoBytes = typeof info === "string" ? encoder.encode(info) : info;
  return (await hmac(prk, concat(infoBytes, Uint8Array.of(1)))).slice(0, length);
}

function parseHeader(body: Uint8Array) {
  if (body.length < 21) throw new Error("shorter than an aes128gcm header");
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idLength = body[20]!;
  const ciphertext = body.slice(21 + idLength);
  if (idLength !== 65) throw new Error(`key id is ${idLength} bytes, not a P-256 point`);
  if (ciphertext.length > recordSize || ciphertext.length < 17) throw new Error("not exactly one record");
  return { salt: body.slice(0, 16), recordSize, senderKey: body.slice(21, 21 + idLength), ciphertext };
}

function unpad(padded: Uint8Array): Uint8Array {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Error("no last-record delimiter");
  return padded.subarray(0, end);
}

async function decryptWith(privateKey: CryptoKey, uaPublic: Uint8Array<ArrayBuffer>, auth: Uint8Array<ArrayBuffer>, body: Uint8Array): Promise<DecryptedPush> {
  const { salt, recordSize, senderKey, ciphertext } = parseHeader(body);
  const sender = await crypto.subtle.importKey("raw", senderKey, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: sender } as unknown as SubtleCryptoDeriveKeyAlgorithm, privateKey, 256));
  const ikm = await hkdfOneBlock(auth, shared, concat(encoder.encode("WebPush: info\0"), uaPublic, senderKey), 32);
  const cek = await hkdfOneBlock(salt, ikm, "Content-Encoding: aes128gcm\0", 16);
  const nonce = await hkdfOneBlock(salt, ikm, "Content-Encoding: nonce\0", 12);
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, aes, ciphertext));
  return { text: new TextDecoder().decode(unpad(padded)), recordSize, senderKey, paddedLength: padded.length };
}

/** What PushManager.subscribe gives a page: a fresh P-256 key pair and a 16-byte auth secret. */
export async function createSubscriber(endpoint: string): Promise<TestSubscriber> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"])) as CryptoKeyPair;
  const uaPublic = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    subscription: { endpoint, keys: { p256dh: base64UrlEncode(uaPublic), auth: base64UrlEncode(auth) } },
    decrypt: (body) => decryptWith(pair.privateKey, uaPublic, auth, body),
  };
}

/** A subscriber with known keys (RFC 8291 Appendix A's), all base64url. */
export async function subscriberFromKeys(endpoint: string, privateKey: string, p256dh: string, auth: string): Promise<TestSubscriber> {
  const uaPublic = base64UrlDecode(p256dh);
  const jwk = { kty: "EC", crv: "P-256", x: base64UrlEncode(uaPublic.subarray(1, 33)), y: base64UrlEncode(uaPublic.subarray(33)), d: privateKey };
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  return { subscription: { endpoint, keys: { p256dh, auth } }, decrypt: (body) => decryptWith(key, uaPublic, base64UrlDecode(auth), body) };
}

const decodeJson = (part: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(base64UrlDecode(part))) as Record<string, unknown>;

/** Parses `vapid t=<jwt>, k=<key>` and checks the JWT's ES256 signature against k; throws when it does not hold. */
export async function verifyVapid(authorization: string): Promise<VapidToken> {
  const match = /^vapid (.+)$/i.exec(authorization);
  if (!match) throw new Error("not the vapid scheme");
  const params = new Map(match[1]!.split(",").map((pair) => pair.trim().split("=", 2) as [string, string]));
  const [token, publicKey] = [params.get("t") ?? "", params.get("k") ?? ""];
  const [header = "", claims = "", signature = ""] = token.split(".");
  const key = await crypto.subtle.importKey("raw", base64UrlDecode(publicKey), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, base64UrlDecode(signature), encoder.encode(`${header}.${claims}`));
  if (!valid) throw new Error("the VAPID signature does not verify with k");
  return { header: decodeJson(header), claims: decodeJson(claims), publicKey };
}
