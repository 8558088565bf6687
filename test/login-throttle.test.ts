// Sign-in throttling (docs/security.md): every attempt is counted before its password is
// checked, so a burst gets no more checks than the limits allow; one email from one address is
// slowed progressively, an address is locked after 10 attempts in 15 min, an email has a looser
// ceiling that does not apply to addresses the account already signed in from.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../worker/core/security/passwords.ts";
import { getDb } from "../worker/db/client.ts";
import { memberships, users } from "../worker/db/schema.ts";
import { call, createTenant, jsonInit } from "./kit/fixtures.ts";

const PASSWORD = "the right passphrase";
let ipCounter = 0;
const freshIp = () => `10.77.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
let emailCounter = 0;
const freshEmail = (prefix = "throttle") => `${prefix}${++emailCounter}.${Date.now().toString(36)}@example.com`;

const login = (email: string, password: string, ip?: string) => call("/api/auth/login", jsonInit({ email, password }, ip ? { "cf-connecting-ip": ip } : {}));

/** An account with a known password and a tenant of its own. */
async function account(): Promise<{ email: string; userId: string }> {
  const email = freshEmail();
  const userId = `usr_thr${++emailCounter}${Date.now().toString(36)}`;
  const tenantId = await createTenant("Throttled");
  const db = getDb(env.DB);
  await db.batch([
    db.insert(users).values({ id: userId, email, name: "T", passwordHash: await hashPassword(PASSWORD), createdAt: Date.now() }),
    db.insert(memberships).values({ tenantId, userId, role: "owner", createdAt: Date.now() }),
  ]);
  return { email, userId };
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

async function burst(n: number, attempt: (i: number) => Promise<Response>): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => attempt(i)));
  return answers.map((r) => r.status);
}

/** Sets when a throttle row's window opened: `ms` ago. */
async function openedAgo(key: string, ms: number): Promise<void> {
  await env.DB.prepare("UPDATE auth_throttle SET window_start = ? WHERE key = ?")
    .bind(Date.now() - ms, key)
    .run();
}

async function failuresOf(key: string): Promise<number> {
  return (await env.DB.prepare("SELECT failures FROM auth_throttle WHERE key = ?").bind(key).first<{ failures: number }>())?.failures ?? 0;
}

describe("login throttling", () => {
  it("checks at most 5 passwords of a burst of 30 concurrent guesses at one email from one address; the right password still works from another", async () => {
    const { email } = await account();
    const ip = freshIp();
    const statuses = await burst(30, () => login(email, "wrong password", ip));
    expect(count(statuses, 401), statuses.join(",")).toBeLessThanOrEqual(5);
    expect(count(statuses, 401)).toBeGreaterThan(0);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(30);

    // Exactly the checked (failed) guesses stay counted: the refused ones were given back.
    expect(await failuresOf(`pair:${ip} ${email}`)).toBe(count(statuses, 401));
    expect((await login(email, PASSWORD, freshIp())).status).toBe(200);
  });

  it("locks an address after 10 attempts in 15 minutes, even under a concurrent burst at many emails", async () => {
    const ip = freshIp();
    const statuses = await burst(30, () => login(freshEmail("spray"), "wrong password", ip));
    expect(count(statuses, 401), statuses.join(",")).toBeLessThanOrEqual(10);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(30);

    const { email } = await account();
    const locked = await login(email, PASSWORD, ip);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    expect((await login(email, PASSWORD, freshIp())).status).toBe(200);
  });

  it("slows one email from one address progressively instead of locking it", async () => {
    const { email } = await account();
    const ip = freshIp();
    const pair = `pair:${ip} ${email}`;
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong password", ip)).status, `attempt ${i + 1}`).toBe(401);
    await openedAgo(pair, 0);
    const sixth = await login(email, "wrong password", ip);
    expect(sixth.status).toBe(429); // the 6th waits 1 s from the first
    expect(await sixth.json()).toMatchObject({ error: { code: "too_many_attempts" } });
    expect(sixth.headers.get("retry-after")).toBe("1");

    await openedAgo(pair, 1500);
    expect((await login(email, "wrong password", ip)).status).toBe(401); // the 6th, checked
    await openedAgo(pair, 1500);
    const seventh = await login(email, "wrong password", ip);
    expect(seventh.status).toBe(429); // the 7th waits 2 s
    expect(seventh.headers.get("retry-after")).toBe("1");

    await openedAgo(pair, 4500); // the 8th waits 4 s
    expect((await login(email, PASSWORD, ip)).status).toBe(200);
    // A success resets the email + address delay.
    expect((await login(email, "wrong password", ip)).status).toBe(401);
  });

  it("refuses an email past its ceiling of 50 failures in 15 minutes, except from an address the account signed in from", async () => {
    const { email } = await account();
    const known = freshIp();
    expect((await login(email, PASSWORD, known)).status).toBe(200);
    await env.DB.prepare("INSERT OR REPLACE INTO auth_throttle (key, window_start, failures) VALUES (?, ?, 50)").bind(`email:${email}`, Date.now()).run();

    expect((await login(email, PASSWORD, freshIp())).status).toBe(429);
    expect((await login(email, PASSWORD, known)).status).toBe(200);
  });

  it("does not count successful sign-ins against the address", async () => {
    const { email } = await account();
    const ip = freshIp();
    for (let i = 0; i < 12; i++) expect((await login(email, PASSWORD, ip)).status, `sign-in ${i + 1}`).toBe(200);
    expect(await failuresOf(`ip:${ip}`)).toBe(0);
  });

  it("keeps the counts exact under concurrency: refused attempts are not counted", async () => {
    const email = freshEmail("exact");
    const ip = freshIp();
    const statuses = await burst(8, () => login(email, "wrong password", ip));
    expect(count(statuses, 401)).toBe(5);
    const rows = await env.DB.prepare("SELECT key, failures FROM auth_throttle WHERE key IN (?, ?, ?) ORDER BY key")
      .bind(`email:${email}`, `ip:${ip}`, `pair:${ip} ${email}`)
      .all();
    expect(rows.results).toEqual([
      { key: `email:${email}`, failures: 5 },
      { key: `ip:${ip}`, failures: 5 },
      { key: `pair:${ip} ${email}`, failures: 5 },
    ]);
  });
});

describe("client addresses", () => {
  it("counts an IPv6 client by its /64, so rotating through it does not escape the lock", async () => {
    const prefix = `2001:db8:${(++ipCounter).toString(16)}:1`;
    for (let i = 1; i <= 10; i++) expect((await login(freshEmail("v6"), "wrong password", `${prefix}:${i.toString(16)}::1`)).status).toBe(401);
    const { email } = await account();
    expect((await login(email, PASSWORD, `${prefix}:ffff:0:0:2`)).status).toBe(429);
    expect((await login(email, PASSWORD, `2001:db8:${(++ipCounter).toString(16)}:2::1`)).status).toBe(200);
  });
});
