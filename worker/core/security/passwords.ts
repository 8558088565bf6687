// PBKDF2-SHA256 through WebCrypto. workerd caps PBKDF2 at 100,000 iterations, so that is
// the strongest count we can use; the format records it so it can be raised later.
import { constantTimeEqual, fromBase64, toBase64 } from "./hash.ts";

export const PBKDF2_ITERATIONS = 100_000;
/** For new passwords; sign-in accepts whatever was set before. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;
const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== "pbkdf2-sha256" || !salt || !hash || !Number.isInteger(iterations) || iterations < 1) return false;
  try {
    const actual = await derive(password, fromBase64(salt), Math.min(iterations, PBKDF2_ITERATIONS));
    return constantTimeEqual(actual, fromBase64(hash));
  } catch {
    return false; // a corrupt stored hash (bad base64) is a failed check, not a 500
  }
}

/** A valid hash of nothing anyone knows: verifying against it costs what a real check costs. */
export const DUMMY_PASSWORD_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
