// Seeds the local D1 database: resolves the owner's and the key's credentials (env first,
// then what an earlier start generated, else new ones), renders the seed as SQL and runs it
// with `wrangler d1 execute`. The statements come from worker/seed.ts, as in the tests.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../worker/db/schema.ts";
import { seedQueries } from "../../worker/seed.ts";
import { randomSecret } from "../../worker/core/ids.ts";
import { bin, run } from "./run.mjs";

function resolveCredentials(stateDir) {
  const file = path.join(stateDir, "local-credentials.json");
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const creds = {
    adminEmail: process.env.ADMIN_EMAIL || saved.adminEmail || "admin@example.com",
    adminPassword: process.env.ADMIN_PASSWORD || saved.adminPassword || randomSecret(20),
    apiKey: process.env.DEMO_API_KEY || saved.apiKey || `sk-agg-${randomSecret(40)}`,
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}

function literal(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** Inlines `?` parameters (none of our seed SQL has a `?` inside a string literal). */
function render({ sql, params }) {
  let i = 0;
  return sql.replace(/\?/g, () => literal(params[i++]));
}

export async function seed({ stateDir, persistArgs }) {
  const creds = resolveCredentials(stateDir);
  const db = drizzle({}, { schema });
  const queries = await seedQueries(db, { ...creds, resetPassword: Boolean(process.env.ADMIN_PASSWORD) });
  const sql = queries.map((q) => `${render(q.toSQL())};`).join("\n");
  const dir = mkdtempSync(path.join(os.tmpdir(), "aggregator-seed-"));
  const file = path.join(dir, "seed.sql");
  writeFileSync(file, sql);
  try {
    await run([bin("wrangler"), "d1", "execute", "DB", "--local", ...persistArgs, "--file", file], { quiet: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return creds;
}
