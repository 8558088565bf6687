// A second instance of the app for the e2e tests that change data: what `npm start`
// (scripts/start.mjs) runs — .dev.vars, D1 migrations, the seed, the built Worker with the
// payment settings of the environment — on its own PERSIST_DIR and PORT, except the dashboard build. It
// starts after `npm start` has built web/dist; rebuilding it would change the other app's assets
// under the tests.
import path from "node:path";
import { serveBuilt } from "../scripts/lib/dev-server.mjs";
import { ensureDevVars } from "../scripts/lib/dev-vars.mjs";
import { bin, root, run } from "../scripts/lib/run.mjs";
import { seed } from "../scripts/lib/seed.mjs";

const port = Number(process.env.PORT);
const host = "127.0.0.1";
const stateDir = path.resolve(root, process.env.PERSIST_DIR ?? "");
const persistArgs = ["--persist-to", stateDir];

async function main() {
  if (!process.env.PORT || !process.env.PERSIST_DIR) throw new Error("PORT and PERSIST_DIR are required");
  ensureDevVars();
  await run([bin("wrangler"), "d1", "migrations", "apply", "DB", "--local", ...persistArgs], { quiet: true });
  await seed({ stateDir, persistArgs });
  await serveBuilt({ host, port, stateDir });
  console.log(`AI Aggregator is serving on http://${host}:${port}`);
}

main().catch((error) => {
  console.error(`workbench failed: ${error.message}`);
  process.exit(1);
});
