// API key authentication for /v1: the key's SHA-256 is looked up; the plaintext is never stored.
import { createMiddleware } from "hono/factory";
import { AppError, errorFormatFor } from "../core/errors.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { getDb } from "../db/client.ts";
import { findKeyByHash } from "../db/keys.ts";
import { TtlCache } from "../core/ttl-cache.ts";
import type { AppEnv, AuthenticatedKey } from "../env.ts";
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

function howToSendKey(path: string): string {
  return errorFormatFor(path) === "anthropic"
    ? "Send it in the 'x-api-key' header (or as 'Authorization: Bearer <key>')."
    : "Send it as 'Authorization: Bearer <key>'.";
}

export const authenticateKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) throw new AppError("authentication", `You didn't provide an API key. ${howToSendKey(c.req.path)}`, { code: "missing_api_key" });
  const invalid = () => new AppError("authentication", "Incorrect API key provided.", { code: "invalid_api_key" });
  if (key.length > 256) throw invalid();
  const db = getDb(c.env.DB);
  const hash = await sha256Hex(key);
  const found = await knownKeys.getOrLoad(hash, async () => {
    const row = await findKeyByHash(db, hash);
    return row
      ? {
          id: row.id,
          tenantId: row.tenantId,
          models: row.models ?? null,
          promptCache: row.promptCache,
          capture: row.capture,
          mcpTools: row.mcpTools ?? [],
          revokedAt: row.revokedAt,
          expiresAt: row.expiresAt,
        }
      : null;
  });
  if (!found || found.revokedAt !== null || (found.expiresAt !== null && found.expiresAt <= Date.now())) throw invalid();
  c.set("apiKey", {
    id: found.id,
    tenantId: found.tenantId,
    models: found.models,
    promptCache: found.promptCache,
    capture: found.capture,
    mcpTools: found.mcpTools,
  });
  const touched = noteKeyUse(db, found.id);
  if (touched) c.executionCtx.waitUntil(touched);
  await next();
});

interface KnownKey extends AuthenticatedKey {
  revokedAt: number | null;
  expiresAt: number | null;
}

// Keys by hash, so a warm isolate authenticates without D1. Staleness is bounded twice: the
// control plane drops an entry (and the key's admission leases) on change in its isolate, and
// the tenant's gate knows a revocation at once: other isolates' calls reach it when their lease
// runs out, within ADMISSION_LEASE_MS (docs/limits-and-credit.md).
const knownKeys = new TtlCache<KnownKey | null>(60_000, 10_000);

export function forgetKey(hash: string): void {
  knownKeys.delete(hash);
}
