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

export interface StartOptions {
  /** scripts/start.mjs (npm start), or e2e/workbench.mjs (the same without rebuilding web/dist). */
  script?: string;
  /** Added to the environment; STRIPE_* and PAYPAL_* come from here only. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The environment of a shell, less what would change the app under test. */
function shellEnv(): NodeJS.ProcessEnv {
  // Without the NODE_ENV=test Vitest sets, which would make the dashboard build a non-production
  // one (no service worker), and without payment settings of the shell running the tests.
  const { NODE_ENV: _vitestNodeEnv, ...env } = process.env;
  for (const name of Object.keys(env)) if (/^(STRIPE|PAYPAL)_/.test(name)) delete env[name];
  return env;
}

export async function startApp(stateDir: string, port: number, options: StartOptions = {}): Promise<RunningApp> {
  const { script = "scripts/start.mjs", env = {}, timeoutMs = 120_000 } = options;
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...shellEnv(), ...env, PORT: String(port), PERSIST_DIR: stateDir, FORCE_COLOR: "0" },
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
