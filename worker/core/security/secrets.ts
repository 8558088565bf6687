// Provider secrets at rest: AES-GCM with a key derived (HKDF-SHA256) from SECRETS_KEY.
// Stored as `v1.<iv b64>.<ciphertext b64>`; the plaintext is never stored or returned.
import { AppError } from "../errors.ts";
import { fromBase64, toBase64 } from "./hash.ts";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(secret: string): Promise<CryptoKey> {
  if (!secret || secret.length < 32) {
    throw new AppError("unavailable", "The server's SECRETS_KEY is not configured.", { code: "not_configured" });
  }
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode("ai-aggregator/provider-secrets"), info: encoder.encode("aes-gcm-256 v1") },
          material,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

export async function encryptSecret(secret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(secret), encoder.encode(plaintext));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(data))}`;
}

export async function decryptSecret(secret: string, stored: string): Promise<string> {
  const [version, iv, data] = stored.split(".");
  if (version !== "v1" || !iv || !data) throw new AppError("internal", "A stored secret has an unknown format.", { code: "secret_format" });
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) as BufferSource }, await aesKey(secret), fromBase64(data) as BufferSource);
  return new TextDecoder().decode(plain);
}
