// `wrangler dev` as `npm start` and the e2e workbench run it: on host:port with the local state
// in stateDir, the payment settings of `payments` (dev-vars.mjs) layered over .dev.vars, stopped
// with this process, ready once /api/health answers.
import { spawn } from "node:child_process";
import { bin, childEnv, root } from "./run.mjs";

async function waitUntilServing(child, origin, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    const ok = await fetch(`${origin}/api/health`).then((r) => r.ok, () => false); // false: not listening yet
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on ${origin} within ${timeoutMs / 1000}s`);
}

export async function startWranglerDev({ host, port, stateDir, payments }) {
  const args = ["dev", "--ip", host, "--port", String(port), "--persist-to", stateDir, ...payments.args];
  args.push("--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG ?? "warn");
  const child = spawn(process.execPath, [bin("wrangler"), ...args], { cwd: root, env: childEnv(), stdio: ["ignore", "inherit", "inherit"] });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  process.on("exit", payments.remove);
  child.on("exit", (code) => process.exit(code ?? 0));
  await waitUntilServing(child, `http://${host}:${port}`);
}
