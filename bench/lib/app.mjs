// Starts the app exactly as `npm start` does (node scripts/start.mjs: build, migrate, seed,
// the built Worker in workerd) on a free port with a fresh state directory, as e2e/server.ts does, and stops
// it again: the whole process group (start.mjs → workerd), TERM then KILL.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

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
  const child = spawn(projectNode(), [path.join(repoRoot, "scripts/start.mjs")], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), PERSIST_DIR: stateDir, FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() signals start.mjs and workerd together
  });
  // Keep reading (a full pipe would block wrangler), keep the last 64 KiB for error reports.
  let output = "";
  let bytes = 0;
  const keep = (d) => {
    bytes += d.length;
    output += d.toString();
    if (output.length > 65_536) output = output.slice(-65_536);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));

  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return signalGroup("SIGKILL"); // leftovers, if any
      signalGroup("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      signalGroup("SIGKILL");
    })());
  /** Synchronous last resort for process.on("exit"). */
  const kill = () => signalGroup("SIGKILL");
  register({ stop, kill });

  const deadline = Date.now() + timeoutMs;
  while (!stripAnsi(output).includes("AI Aggregator is serving on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not come up${child.exitCode !== null ? ` (exit ${child.exitCode})` : ` within ${timeoutMs / 1000}s`}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const credentials = JSON.parse(readFileSync(path.join(stateDir, "local-credentials.json"), "utf8"));
  return { origin: `http://127.0.0.1:${port}`, port, credentials, pid: child.pid, output: () => output, outputBytes: () => bytes, stop, kill };
}
