// The peer gateway for side-by-side comparisons: Portkey's open-source AI gateway from npm,
// kept in a package of its own (bench/peer/package.json, pinned, with @hono/node-server
// overridden to 1.13.8, which its streaming needs), installed on first use and run as a plain
// Node server on 127.0.0.1.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./app.mjs";

export const peerDir = path.join(repoRoot, "bench/peer");
const entry = path.join(peerDir, "node_modules/@portkey-ai/gateway/build/start-server.js");

export function peerVersion() {
  try {
    return JSON.parse(readFileSync(path.join(peerDir, "node_modules/@portkey-ai/gateway/package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}

/** `npm install --prefix bench/peer` unless it is there already (the npm registry only). */
export async function ensurePeerInstalled(log = () => {}) {
  if (existsSync(entry)) return false;
  log("installing the peer gateway: npm install --prefix bench/peer --no-audit --no-fund");
  // Under `npm run`, npm_execpath is npm's own CLI: run it with this Node.
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : ["npm", []];
  await new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, "install", "--prefix", peerDir, "--no-audit", "--no-fund"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm install --prefix bench/peer failed (${code})`))));
  });
  if (!existsSync(entry)) throw new Error(`the peer gateway is not at ${path.relative(repoRoot, entry)} after npm install`);
  return true;
}

/**
 * Starts Portkey's gateway on `port` with this Node (22 under `npm run`). Resolves to
 * { origin, pid, output(), stop(), kill } once it answers.
 */
export async function startPortkey({ port, timeoutMs = 60_000, register = () => {} }) {
  const child = spawn(process.execPath, [entry, `--port=${port}`, "--headless"], {
    cwd: peerDir,
    env: { ...process.env, NODE_ENV: "production", FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d) => {
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
      // gone
    }
  };
  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      signalGroup("SIGKILL");
    })());
  const kill = () => signalGroup("SIGKILL");
  register({ stop, kill });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the peer gateway exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${origin}/`);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the peer gateway did not answer within ${timeoutMs / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { origin, port, pid: child.pid, output: () => output, stop, kill };
}
