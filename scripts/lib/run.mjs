// Small process helpers shared by the scripts: run a package's CLI with this Node.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
const require = createRequire(path.join(root, "package.json"));

/** The path of a package's CLI entry, run with the same Node as this script. */
export function bin(pkg, name = pkg) {
  const manifest = require(`${pkg}/package.json`);
  const rel = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[name];
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), rel);
}

export const childEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" });

/** Runs to completion; rejects with the output when it fails. `quiet` keeps the output unless it fails. */
export function run(args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: childEnv(), stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"] });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(args[0])} ${args.slice(1).join(" ")} failed (${code})\n${output}`)),
    );
  });
}
