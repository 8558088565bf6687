// Starts the app exactly as `npm start` does (node scripts/start.mjs: build, migrate, seed,
// the built Worker in workerd) on a free port with a fresh state directory, as e2e/server.ts does, and stops
// it again: the whole process group (start.mjs → workerd), TERM then KILL.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { spawnServer } from "./server-process.mjs";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The Node that runs scripts/start.mjs: this one when it is 22+, else the project's own
 * (`node` is a devDependency; `npm run` puts it first on PATH, a bare `node bench/…` may not).
 */
export function projectNode() {
  const major = Number(process.versions.node.split(".")[0]);
  const own = path.join(repoRoot, "node_modules/node/bin/node");
  return major < 22 && existsSync(own) ? own : process.execPath;
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * Resolves to { origin, port, credentials, output(), stop(), pid } once the
 * "AI Aggregator is serving on" line is printed. `register(stop)` is called at once so the
 * caller can stop the app even while it is still starting.
 */
export async function startApp({ stateDir, port, timeoutMs = 120_000, register = () => {} }) {
  const server = await spawnServer({
    name: "npm start",
    command: projectNode(),
    args: [path.join(repoRoot, "scripts/start.mjs")],
    cwd: repoRoot,
    env: { PORT: String(port), PERSIST_DIR: stateDir, FORCE_COLOR: "0", NO_COLOR: "1" },
    port,
    ready: (output) => stripAnsi(output).includes("AI Aggregator is serving on"),
    register,
    timeoutMs,
    stopTimeoutMs: 10_000,
  });
  const credentials = JSON.parse(readFileSync(path.join(stateDir, "local-credentials.json"), "utf8"));
  return { ...server, credentials };
}
