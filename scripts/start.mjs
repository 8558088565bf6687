// `npm start`: build the PWA, apply local D1 migrations, seed, serve on 127.0.0.1:$PORT the
// Worker as it is deployed (scripts/lib/serve.mjs). `npm run dev` (--dev) serves it through
// `wrangler dev` instead, reloading on every edit.
// PERSIST_DIR puts the local state somewhere else than .wrangler/state (the e2e tests use it).
// STRIPE_* / PAYPAL_* set in the environment win over .dev.vars (scripts/lib/dev-vars.mjs).
import path from "node:path";
import { serveBuilt, serveWatched } from "./lib/dev-server.mjs";
import { ensureDevVars, paymentBindings } from "./lib/dev-vars.mjs";
import { bin, root, run } from "./lib/run.mjs";
import { seed } from "./lib/seed.mjs";

const watch = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 8787);
const host = "127.0.0.1";
const stateDir = path.resolve(root, process.env.PERSIST_DIR ?? ".wrangler/state");
const persistArgs = ["--persist-to", stateDir];
const origin = `http://${host}:${port}`;

const step = (text) => console.log(`\x1b[36m›\x1b[0m ${text}`);

function banner(creds) {
  const curl = [
    `curl ${origin}/v1/chat/completions \\`,
    `    -H "Authorization: Bearer ${creds.apiKey}" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '{"model":"demo/echo","messages":[{"role":"user","content":"Hello, gateway!"}]}'`,
  ];
  return [
    "",
    `\x1b[1mAI Aggregator is serving on ${origin}\x1b[0m`,
    "",
    `  Dashboard  ${origin}`,
    `  Log in     ${creds.adminEmail}  /  ${creds.adminPassword}`,
    `  API key    ${creds.apiKey}`,
    "",
    "  Try it:",
    ...curl.map((l) => `  ${l}`),
    "",
    "  (Credentials are kept in " +
      path.relative(root, path.join(stateDir, "local-credentials.json")) +
      "; set ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_API_KEY to choose them.)",
    "",
  ].join("\n");
}

async function main() {
  const added = ensureDevVars();
  if (added.length) step(`wrote ${added.join(", ")} to .dev.vars`);
  step("building the dashboard (web/)");
  await run([bin("vite"), "build", "--config", "web/vite.config.ts", "--logLevel", "warn"]);
  step("applying D1 migrations (local)");
  await run([bin("wrangler"), "d1", "migrations", "apply", "DB", "--local", ...persistArgs], { quiet: true });
  step("seeding the owner, tenant, API key and demo provider");
  const creds = await seed({ stateDir, persistArgs });
  const payments = Object.keys(paymentBindings());
  if (payments.length) step(`payment settings from the environment: ${payments.join(", ")}`);
  step(watch ? `starting wrangler dev on ${origin} (reloads on every edit)` : `building the Worker and starting it on ${origin}`);
  await (watch ? serveWatched({ host, port, stateDir }) : serveBuilt({ host, port, stateDir }));
  console.log(banner(creds));
}

main().catch((error) => {
  console.error(`\x1b[31mnpm start failed:\x1b[0m ${error.message}`);
  process.exit(1);
});
