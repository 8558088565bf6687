// Starts the app twice on one state directory (the second start must reuse it) and leaves
// the second instance running for the tests.
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
  }
}

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-"));
  const port = await freePort();
  const first = await startApp(stateDir, port);
  await first.stop();
  const app = await startApp(stateDir, port);
  project.provide("origin", app.origin);
  project.provide("stateDir", stateDir);
  project.provide("credentials", app.credentials);
  project.provide("firstStartOutput", first.output());
  project.provide("secondStartOutput", app.output());
  return async () => {
    await app.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
