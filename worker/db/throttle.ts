// Sign-in attempts per key, counted BEFORE the password is checked: each attempt adds one to
// every key it concerns in one atomic upsert per key, and is checked only if every key's new
// count is within that key's rule. D1 runs statements one at a time, so of N concurrent
// attempts each sees a distinct count and at most the limit are checked. An attempt that is
// refused, or whose password was right, is given back (`refund`); a failed check stays counted.
//
//   ip:<ip>              lock per client address (an IPv6 one by its /64): 10 attempts in 15 min
//   email:<email>        ceiling per account: 50 attempts in 15 min (the caller may exempt an
//                        address the account already signed in from)
//   pair:<ip> <email>    progressive delay per account and address: 5 attempts at once, then
//                        the n-th waits 2^(n-6) s after the first attempt of the hour
//
// The same counter serves other actions a signed-in user could repeat to make the Worker call out:
//
//   pushtest:<user id>   test notifications (each posts to every device's push service): 5 in 15 min
import { inArray, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { authThrottle } from "./schema.ts";

export const WINDOW_MS = 15 * 60 * 1000;
export const IP_LIMIT = 10;
export const EMAIL_CEILING = 50;
export const PAIR_FREE = 5;
export const PAIR_WINDOW_MS = 60 * 60 * 1000;
export const PAIR_BASE_DELAY_MS = 1000;

export const PUSH_TEST_LIMIT = 5;

export type ThrottleKind = "ip" | "email" | "pair" | "pushtest";

interface Rule {
  windowMs: number;
  /** Milliseconds after the window opened from which the n-th attempt may be checked. */
  opensAfterMs(n: number): number;
}

const fixed = (limit: number): Rule => ({ windowMs: WINDOW_MS, opensAfterMs: (n) => (n <= limit ? 0 : Infinity) });

export const pairDelayMs = (n: number): number => (n <= PAIR_FREE ? 0 : PAIR_BASE_DELAY_MS * 2 ** (n - PAIR_FREE - 1));

const RULES: Record<ThrottleKind, Rule> = {
  ip: fixed(IP_LIMIT),
  email: fixed(EMAIL_CEILING),
  pair: { windowMs: PAIR_WINDOW_MS, opensAfterMs: pairDelayMs },
  pushtest: fixed(PUSH_TEST_LIMIT),
};

/**
 * The client address as the throttle counts it: an IPv4 address as is (an IPv4-mapped IPv6 one
 * as its IPv4), an IPv6 address by its /64 — one client usually holds a whole /64 and could
 * otherwise rotate through it.
 */
export function addressKey(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (address.includes(".")) return address.slice(address.lastIndexOf(":") + 1);
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The keys of one sign-in attempt; without a client address (a bare local run) only the email's. */
export function throttleKeys(email: string, ip: string | undefined): string[] {
  if (!ip) return [`email:${email}`, `pair:- ${email}`];
  const address = addressKey(ip);
  return [`ip:${address}`, `email:${email}`, `pair:${address} ${email}`];
}

const kindOf = (key: string): ThrottleKind => key.slice(0, key.indexOf(":")) as ThrottleKind;

export interface Counted {
  key: string;
  kind: ThrottleKind;
  /** Attempts in the window, this one included. */
  failures: number;
  windowStart: number;
}

function countOne(db: Db, key: string, now: number) {
  const stale = sql`${authThrottle.windowStart} < ${now - RULES[kindOf(key)].windowMs}`;
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
    .returning({ key: authThrottle.key, failures: authThrottle.failures, windowStart: authThrottle.windowStart });
}

/** Counts one attempt against every key; returns each key's state after counting. */
export async function countAttempt(db: Db, keys: readonly string[], now: number): Promise<Counted[]> {
  const [first, ...rest] = keys.map((key) => countOne(db, key, now));
  if (!first) return [];
  const rows = (await db.batch([first, ...rest])).flat();
  return rows.map((row) => ({ ...row, kind: kindOf(row.key) }));
}

/** Milliseconds until the counted attempt may be checked; 0 when it may be now. */
export function waitMs(counted: Counted, now: number): number {
  const rule = RULES[counted.kind];
  const opens = counted.windowStart + Math.min(rule.opensAfterMs(counted.failures), rule.windowMs);
  return Math.max(0, opens - now);
}

/** Gives an attempt back: it was refused unchecked, or its password was right. */
export async function refund(db: Db, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(authThrottle)
    .set({ failures: sql`max(${authThrottle.failures} - 1, 0)` })
    .where(inArray(authThrottle.key, [...keys]));
}

/** A right password: the account + address delay starts over, the other keys get the attempt back. */
export async function settleSuccess(db: Db, keys: readonly string[]): Promise<void> {
  const pairs = keys.filter((key) => kindOf(key) === "pair");
  await db.batch([
    db.delete(authThrottle).where(inArray(authThrottle.key, pairs)),
    db
      .update(authThrottle)
      .set({ failures: sql`max(${authThrottle.failures} - 1, 0)` })
      .where(
        inArray(
          authThrottle.key,
          keys.filter((key) => !pairs.includes(key)),
        ),
      ),
  ]);
}
