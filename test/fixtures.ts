// The data every Worker test starts from: migrations applied and the first-start seed run,
// through the same seed module `npm start` uses.
import { applyD1Migrations } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { getDb } from "../worker/db/client.ts";
import { SEED_TENANT_ID, seedQueries } from "../worker/db/seed.ts";

export const ORIGIN = "http://gateway.test";
export const OWNER_EMAIL = "owner@example.com";
export const OWNER_PASSWORD = "correct horse battery staple";
export const API_KEY = "sk-agg-test0000000000000000000000000000000000";
export const TENANT_ID = SEED_TENANT_ID;

export async function seedDatabase(): Promise<void> {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const db = getDb(env.DB);
  const queries = await seedQueries(db, { adminEmail: OWNER_EMAIL, adminPassword: OWNER_PASSWORD, apiKey: API_KEY, resetPassword: false });
  for (const query of queries) await query.run();
}

/** A request to the Worker under test, as a client on the network would send it. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

export function jsonInit(body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
