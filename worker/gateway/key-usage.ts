// "Last used" for API keys without a D1 write per request: each isolate writes a key's
// last use at most once a minute.
import { log } from "../core/logger.ts";
import type { Db } from "../db/client.ts";
import { touchKey } from "../db/keys.ts";

const WRITE_EVERY_MS = 60_000;
const lastWritten = new Map<string, number>();

export function noteKeyUse(db: Db, keyId: string, now = Date.now()): Promise<void> | undefined {
  const last = lastWritten.get(keyId);
  if (last !== undefined && now - last < WRITE_EVERY_MS) return undefined;
  if (lastWritten.size > 10_000) lastWritten.clear();
  lastWritten.set(keyId, now);
  return touchKey(db, keyId, now)
    .run()
    .then(
      () => undefined,
      (error: unknown) => log("warn", "last-used write failed", { keyId, error: String(error) }),
    );
}
