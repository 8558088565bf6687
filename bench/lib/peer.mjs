// The peer gateway for side-by-side comparisons: Portkey's open-source AI gateway from npm,
// kept in a package of its own (bench/peer/package.json, pinned, with @hono/node-server
// overridden to 1.13.8, which its streaming needs), installed on first use and run as a plain
// Node server on 127.0.0.1.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./app.mjs";
import { spawnServer } from "./server-process.mjs";

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
  const origin = `http://127.0.0.1:${port}`;
  const answers = () =>
    fetch(`${origin}/`).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status < 500;
      },
      () => false, // not listening yet
    );
  const server = await spawnServer({
    name: "the peer gateway",
    command: process.execPath,
    args: [entry, `--port=${port}`, "--headless"],
    cwd: peerDir,
    env: { NODE_ENV: "production", FORCE_COLOR: "0", NO_COLOR: "1" },
    port,
    ready: answers,
    register,
    timeoutMs,
  });
  return { ...server, origin };
}
