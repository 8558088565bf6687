// Failed sign-ins per key (an email, a client IP) in a fixed window. Counting is one atomic
// upsert per key, so concurrent failures are never lost to a read-then-write race.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { authThrottle } from "./schema.ts";

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;

export interface ThrottleState {
  failures: number;
  windowStart: number;
}

/** Milliseconds until every key may try again; 0 when none is blocked. */
export async function blockedForMs(db: Db, keys: readonly string[], now: number): Promise<number> {
  const rows = await db.select().from(authThrottle).where(inArray(authThrottle.key, [...keys]));
  let wait = 0;
  for (const row of rows) {
    const ends = row.windowStart + WINDOW_MS;
    if (row.failures >= MAX_FAILURES && ends > now) wait = Math.max(wait, ends - now);
  }
  return wait;
}

function countFailure(db: Db, key: string, now: number) {
  const stale = sql`${authThrottle.windowStart} < ${now - WINDOW_MS}`;
  return db
    .insert(authThrottle)
    .values({ key, windowStart: now, failures: 1 })
    .onConflictDoUpdate({
      target: authThrottle.key,
      set: {
        failures: sql`CASE WHEN ${stale} THEN 1 ELSE ${authThrottle.failures} + 1 END`,
        windowStart: sql`CASE WHEN ${stale} THEN ${now} ELSE ${authThrottle.windowStart} END`,
      },
    })
    .returning({ failures: authThrottle.failures, windowStart: authThrottle.windowStart });
}

/** Counts one failure against each key; returns each key's state after counting. */
export async function recordFailure(db: Db, keys: readonly [string, ...string[]], now: number): Promise<ThrottleState[]> {
  const [first, ...rest] = keys;
  const results = await db.batch([countFailure(db, first, now), ...rest.map((key) => countFailure(db, key, now))]);
  return results.flat();
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(authThrottle).where(eq(authThrottle.key, key));
}
