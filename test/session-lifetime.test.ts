// Refresh sessions have an absolute lifetime: 30 days from the family's first sign-in, however
// often the refresh token is rotated.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../worker/core/security/hash.ts";
import { OWNER_EMAIL, OWNER_PASSWORD, call, json, jsonInit } from "./kit/fixtures.ts";

const DAY = 86_400_000;
const LIFETIME = 30 * DAY;
let ipCounter = 0;
const freshIp = () => `10.99.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

interface SessionJson {
  id: string;
  family: string;
  family_started_at: number | null;
  expires_at: number;
  created_at: number;
  revoked_at: number | null;
}

function refreshCookie(res: Response): string | null | undefined {
  const header = res.headers.getSetCookie().find((h) => h.startsWith("agg_refresh="));
  if (header === undefined) return undefined;
  const value = header.slice("agg_refresh=".length).split(";")[0]!;
  return value === "" ? null : value;
}

const maxAgeOf = (res: Response) => Number(/Max-Age=(\d+)/.exec(res.headers.getSetCookie().find((h) => h.startsWith("agg_refresh=")) ?? "")?.[1]);

async function signIn(): Promise<string> {
  const res = await call("/api/auth/login", jsonInit({ email: OWNER_EMAIL, password: OWNER_PASSWORD }, { "cf-connecting-ip": freshIp() }));
  expect(res.status).toBe(200);
  return refreshCookie(res)!;
}

const refresh = (token: string) => call("/api/auth/refresh", { method: "POST", headers: { cookie: `agg_refresh=${token}` } });

async function row(token: string): Promise<SessionJson> {
  return (await env.DB.prepare("SELECT * FROM sessions WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<SessionJson>())!;
}

async function set(token: string, columns: Partial<Record<"family_started_at" | "created_at", number | null>>): Promise<void> {
  for (const [column, value] of Object.entries(columns)) {
    await env.DB.prepare(`UPDATE sessions SET ${column} = ? WHERE token_hash = ?`)
      .bind(value, await sha256Hex(token))
      .run();
  }
}

describe("refresh session lifetime", () => {
  it("records when the family started, and rotation keeps it", async () => {
    const before = Date.now();
    const first = await signIn();
    const started = (await row(first)).family_started_at;
    expect(started).toBeGreaterThanOrEqual(before);
    const second = refreshCookie(await refresh(first))!;
    expect(await row(second)).toMatchObject({ family: (await row(first)).family, family_started_at: started });
  });

  it("never extends a rotated session past 30 days from the family's start", async () => {
    const first = await signIn();
    const started = Date.now() - 29 * DAY;
    await set(first, { family_started_at: started });
    const res = await refresh(first);
    expect(res.status).toBe(200);
    const next = await row(refreshCookie(res)!);
    expect(next.family_started_at).toBe(started);
    expect(next.expires_at).toBeLessThanOrEqual(started + LIFETIME);
    expect(maxAgeOf(res)).toBeLessThanOrEqual(DAY / 1000);
  });

  it("answers 401 session_lifetime_exceeded after 30 days, clears the cookie and signs the family out", async () => {
    const first = await signIn();
    const second = refreshCookie(await refresh(first))!;
    await set(second, { family_started_at: Date.now() - LIFETIME - 60_000 });
    const res = await refresh(second);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "session_lifetime_exceeded" } });
    expect(refreshCookie(res)).toBeNull();
    expect((await row(second)).revoked_at).not.toBeNull();
  });

  it("dates a session from before this rule (no family start) by its family's oldest row", async () => {
    const first = await signIn();
    const second = refreshCookie(await refresh(first))!;
    await set(first, { family_started_at: null, created_at: Date.now() - LIFETIME - 60_000 });
    await set(second, { family_started_at: null });
    const res = await refresh(second);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: "session_lifetime_exceeded" } });
  });
});
