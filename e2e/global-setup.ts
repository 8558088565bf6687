// Starts the app twice on one state directory (the second start must reuse it) and leaves
// the second instance running for the tests. A third instance, with a state directory of its
// own (the "workbench"), is for the browser tests that add keys, users, providers and usage:
// start.e2e.ts checks the untouched seed, and files run in no fixed order.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { type Credentials, freePort, startApp } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    origin: string;
    stateDir: string;
    credentials: Credentials;
    firstStartOutput: string;
    secondStartOutput: string;
    workbench: { origin: string; credentials: Credentials };
  }
}

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-"));
  const port = await freePort();
  const first = await startApp(stateDir, port);
  await first.stop();
  const app = await startApp(stateDir, port);
  // Serves the web/dist npm start just built: rebuilding it would reload the instance above.
  const benchDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-bench-"));
  const bench = await startApp(benchDir, await freePort(), 120_000, "e2e/workbench.mjs").catch(async (error: unknown) => {
    await app.stop();
    throw error;
  });
  project.provide("origin", app.origin);
  project.provide("stateDir", stateDir);
  project.provide("credentials", app.credentials);
  project.provide("firstStartOutput", first.output());
  project.provide("secondStartOutput", app.output());
  project.provide("workbench", { origin: bench.origin, credentials: bench.credentials });
  return async () => {
    await Promise.all([app.stop(), bench.stop()]);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(benchDir, { recursive: true, force: true });
  };
}
