// A second instance of the app for the e2e tests that change data: what `npm start`
// (scripts/start.mjs) runs — .dev.vars, D1 migrations, the seed, `wrangler dev` — on its own
// PERSIST_DIR and PORT, except the dashboard build. It starts after `npm start` has built
// web/dist; rebuilding it would make the `wrangler dev` already serving it reload under the tests.
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureDevVars } from "../scripts/lib/dev-vars.mjs";
import { bin, childEnv, root, run } from "../scripts/lib/run.mjs";
import { seed } from "../scripts/lib/seed.mjs";

const port = Number(process.env.PORT);
const host = "127.0.0.1";
const stateDir = path.resolve(root, process.env.PERSIST_DIR ?? "");
const persistArgs = ["--persist-to", stateDir];
const origin = `http://${host}:${port}`;

async function waitUntilServing(child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    const ok = await fetch(`${origin}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on ${origin} within ${timeoutMs / 1000}s`);
}

async function main() {
  if (!process.env.PORT || !process.env.PERSIST_DIR) throw new Error("PORT and PERSIST_DIR are required");
  ensureDevVars();
  await run([bin("wrangler"), "d1", "migrations", "apply", "DB", "--local", ...persistArgs], { quiet: true });
  await seed({ stateDir, persistArgs });
  const child = spawn(
    process.execPath,
    [bin("wrangler"), "dev", "--ip", host, "--port", String(port), ...persistArgs, "--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG ?? "warn"],
    { cwd: root, env: childEnv(), stdio: ["ignore", "inherit", "inherit"] },
  );
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
  await waitUntilServing(child);
  console.log(`AI Aggregator is serving on ${origin}`);
}

main().catch((error) => {
  console.error(`workbench failed: ${error.message}`);
  process.exit(1);
});
