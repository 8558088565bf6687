// /mcp sessions without server state: an Mcp-Session-Id is a random part and its HMAC under
// SECRETS_KEY bound to the API key, so one issued to another key (or made up) is refused (404,
// as the spec says for a session that is gone) and no table of sessions is kept.
import { toHex } from "../../core/security/hash.ts";

async function mac(secret: string, keyId: string, nonce: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`mcp-session\n${keyId}\n${nonce}`));
  return toHex(new Uint8Array(signature)).slice(0, 32);
}

export async function newSessionId(secret: string, keyId: string): Promise<string> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  return `${nonce}.${await mac(secret, keyId, nonce)}`;
}

export async function isSessionOf(secret: string, keyId: string, sessionId: string): Promise<boolean> {
  const [nonce, signature, extra] = sessionId.split(".");
  if (!nonce || !signature || extra !== undefined || !/^[0-9a-f]{32}$/.test(nonce)) return false;
  return (await mac(secret, keyId, nonce)) === signature;
}
