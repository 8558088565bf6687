// Starts the app exactly as `npm start` does (scripts/start.mjs), on a free port with its
// own state directory, and stops it again.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export interface Credentials {
  adminEmail: string;
  adminPassword: string;
  apiKey: string;
}

export interface RunningApp {
  origin: string;
  stateDir: string;
  credentials: Credentials;
  output: () => string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `script`: scripts/start.mjs (npm start), or e2e/workbench.mjs (the same without rebuilding web/dist). */
export async function startApp(stateDir: string, port: number, timeoutMs = 120_000, script = "scripts/start.mjs"): Promise<RunningApp> {
  // As from a shell: without the NODE_ENV=test Vitest sets, which would make the dashboard build a
  // non-production one (no service worker).
  const { NODE_ENV: _vitestNodeEnv, ...shellEnv } = process.env;
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...shellEnv, PORT: String(port), PERSIST_DIR: stateDir, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  };

  const deadline = Date.now() + timeoutMs;
  while (!output.includes("AI Aggregator is serving on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const credentials = JSON.parse(readFileSync(path.join(stateDir, "local-credentials.json"), "utf8")) as Credentials;
  return { origin: `http://127.0.0.1:${port}`, stateDir, credentials, output: () => output, stop };
}
