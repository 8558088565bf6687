// The app's Worker and its Durable Objects run by Miniflare in workerd, built from wrangler.toml
// through wrangler's test harness (createTestHarness: the same bundling and bindings as
// `wrangler dev`), with storage in memory, plus the bench driver Worker (bench/lib/do-driver.js)
// bound to the app's TenantGate, AnalyticsHub and D1. The driver is the primary Worker, so the
// harness URL (plain HTTP on 127.0.0.1) reaches it; `appEnv` is the app's env as Miniflare's
// Node proxy gives it (its Durable Object stubs take RPC calls from Node).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./app.mjs";

const WRANGLER_TOML = path.join(repoRoot, "wrangler.toml");

/** Name, compatibility date and D1 id of the app, read from wrangler.toml. */
export function appConfig() {
  const text = readFileSync(WRANGLER_TOML, "utf8");
  const pick = (re, what) => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrangler.toml: no ${what}`);
    return m[1];
  };
  return {
    name: pick(/^name\s*=\s*"([^"]+)"/m, "name"),
    compatibilityDate: pick(/^compatibility_date\s*=\s*"([^"]+)"/m, "compatibility_date"),
    databaseName: pick(/^database_name\s*=\s*"([^"]+)"/m, "database_name"),
    databaseId: pick(/^database_id\s*=\s*"([^"]+)"/m, "database_id"),
  };
}

async function ensureDashboardBuilt() {
  if (existsSync(path.join(repoRoot, "web/dist/index.html"))) return;
  // wrangler.toml serves web/dist as assets: build it as npm start would.
  const { bin, run } = await import(path.join(repoRoot, "scripts/lib/run.mjs"));
  await run([bin("vite"), "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { quiet: true });
}

export async function startDoHarness() {
  // No fetch of Cloudflare's Request.cf data, no metrics: nothing leaves the machine.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  process.env.WRANGLER_SEND_METRICS = "false";
  await ensureDashboardBuilt();
  const { createTestHarness } = await import("wrangler");
  const app = appConfig();
  const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
  const server = createTestHarness({
    root: repoRoot,
    workers: [
      {
        config: {
          name: "bench-do-driver",
          main: "./bench/lib/do-driver.js",
          compatibility_date: app.compatibilityDate,
          durable_objects: {
            bindings: [
              { name: "TENANT_GATE", class_name: "TenantGate", script_name: app.name },
              { name: "ANALYTICS_HUB", class_name: "AnalyticsHub", script_name: app.name },
            ],
          },
          d1_databases: [{ binding: "DB", database_name: app.databaseName, database_id: app.databaseId }],
        },
      },
      { configPath: "./wrangler.toml", secrets: { JWT_SECRET: secret(), SECRETS_KEY: secret() } },
    ],
  });
  try {
    const { url } = await server.listen();
    const appWorker = server.getWorker(app.name);
    await appWorker.applyD1Migrations("DB");
    const appEnv = await appWorker.getEnv();
    let closing = null;
    return { url, port: Number(url.port), appEnv, close: () => (closing ??= server.close()) };
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
}
