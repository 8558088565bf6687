// API key authentication for /v1: the key's SHA-256 is looked up; the plaintext is never stored.
import { createMiddleware } from "hono/factory";
import { AppError } from "../core/errors.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { getDb } from "../db/client.ts";
import { findKeyByHash } from "../db/keys.ts";
import type { AppEnv } from "../env.ts";
import { noteKeyUse } from "./key-usage.ts";

/** `Authorization: Bearer <key>` (OpenAI, Anthropic SDK 1.x) or `x-api-key` (older Anthropic clients). */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

export const authenticateKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) {
    throw new AppError("authentication", "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", {
      code: "missing_api_key",
    });
  }
  const invalid = () =>
    new AppError("authentication", "Incorrect API key provided.", { code: "invalid_api_key" });
  if (key.length > 256) throw invalid();
  const db = getDb(c.env.DB);
  const row = await findKeyByHash(db, await sha256Hex(key));
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= Date.now())) throw invalid();
  c.set("apiKey", { id: row.id, tenantId: row.tenantId, models: row.models ?? null });
  const touched = noteKeyUse(db, row.id);
  if (touched) c.executionCtx.waitUntil(touched);
  await next();
});
