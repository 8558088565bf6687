// Alert webhooks: the per-tenant signing secret and the signature a receiver checks.
//
// The secret is derived, not stored: HMAC-SHA256(SECRETS_KEY, "alert-webhook:v<version>:<tenant>").
// Rotating it is bumping the tenant's alert_webhook_secret_version. Deliveries carry
//   x-aggregator-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${body}`)>
// (the same scheme as Stripe's, so receivers can reuse their verification code).
import { AppError } from "../core/errors.ts";
import { constantTimeEqual, toHex } from "../core/security/hash.ts";

const encoder = new TextEncoder();

async function hmacHex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message))));
}

/** The tenant's current webhook signing secret (`whsec_…`). */
export async function alertWebhookSecret(secretsKey: string, tenantId: string, version: number): Promise<string> {
  if (!secretsKey || secretsKey.length < 32) throw new AppError("unavailable", "The server's SECRETS_KEY is not configured.", { code: "not_configured" });
  return `whsec_${(await hmacHex(secretsKey, `alert-webhook:v${version}:${tenantId}`)).slice(0, 48)}`;
}

export const SIGNATURE_HEADER = "x-aggregator-signature";

/** The header value for `body` sent at `timestampSeconds`. */
export async function signAlert(secret: string, body: string, timestampSeconds: number): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacHex(secret, `${timestampSeconds}.${body}`)}`;
}

/** What a receiver does: the header parses, the timestamp is recent, and some v1 matches. */
export async function verifyAlertSignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): Promise<boolean> {
  const parts = header.split(",").map((p) => p.trim().split("=", 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = encoder.encode(await hmacHex(secret, `${t}.${body}`));
  return parts.some(([k, v]) => k === "v1" && v !== undefined && constantTimeEqual(encoder.encode(v), expected));
}
