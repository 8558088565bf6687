// `npm start`: build the PWA, apply local D1 migrations, seed, serve on 127.0.0.1:$PORT.
// PERSIST_DIR puts the local state somewhere else than .wrangler/state (the e2e tests use it).
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { bin, childEnv, root, run } from "./lib/run.mjs";
import { seed } from "./lib/seed.mjs";

const port = Number(process.env.PORT ?? 8787);
const host = "127.0.0.1";
const stateDir = path.resolve(root, process.env.PERSIST_DIR ?? ".wrangler/state");
const persistArgs = ["--persist-to", stateDir];
const origin = `http://${host}:${port}`;

const step = (text) => console.log(`\x1b[36m›\x1b[0m ${text}`);

async function waitUntilServing(child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on ${origin} within ${timeoutMs / 1000}s`);
}

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
    "  (Credentials are kept in " + path.relative(root, path.join(stateDir, "local-credentials.json")) + "; set ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_API_KEY to choose them.)",
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
  step(`starting the Worker on ${origin}`);
  const child = spawn(
    process.execPath,
    [bin("wrangler"), "dev", "--ip", host, "--port", String(port), ...persistArgs, "--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG ?? "warn"],
    { cwd: root, env: childEnv(), stdio: ["ignore", "inherit", "inherit"] },
  );
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
  await waitUntilServing(child);
  console.log(banner(creds));
}

main().catch((error) => {
  console.error(`\x1b[31mnpm start failed:\x1b[0m ${error.message}`);
  process.exit(1);
});
