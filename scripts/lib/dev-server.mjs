// The two ways the app is served locally, both on host:port with the local state in stateDir and
// stopped with this process:
//  - serveBuilt (npm start): the bundle `wrangler deploy` would upload, on bare workerd
//    (serve.mjs); payment settings of the environment passed as bindings.
//  - serveWatched (npm run dev): `wrangler dev`, which rebuilds and reloads on every edit, at the
//    cost of a proxy Worker in front of each request; payment settings through an env file.
import { spawn } from "node:child_process";
import { paymentBindings, paymentOverrides } from "./dev-vars.mjs";
import { bin, childEnv, root } from "./run.mjs";
import { serveWorker } from "./serve.mjs";

async function waitUntilServing(isRunning, origin, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = isRunning();
    if (running !== true) throw new Error(running);
    const ok = await fetch(`${origin}/api/health`).then(
      (r) => r.ok,
      () => false,
    ); // false: not listening yet
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on ${origin} within ${timeoutMs / 1000}s`);
}

export async function serveBuilt({ host, port, stateDir }) {
  const inspectorPort = Number(process.env.INSPECTOR_PORT) || undefined;
  // A profiler (bench/profile.mjs) wants the functions' names: no minification then.
  const server = await serveWorker({ host, port, stateDir, bindings: paymentBindings(), inspectorPort, minify: !inspectorPort }).catch((error) => {
    if (/address already in use/i.test(String(error?.message)))
      throw new Error(`${host}:${port} is already in use: stop what runs there, or set PORT to another port.`);
    throw error;
  });
  let stopping = false;
  let exit = null;
  server.exited.then(({ code, signal }) => {
    exit = `workerd exited (${code ?? signal})`;
    if (stopping) return;
    console.error(`\x1b[31m${exit}: the app is no longer served.\x1b[0m`);
    process.exit(1);
  });
  const stop = () => {
    stopping = true;
    server.dispose().finally(() => process.exit(0));
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, stop);
  await waitUntilServing(() => exit ?? true, `http://${host}:${port}`);
}

export async function serveWatched({ host, port, stateDir }) {
  const payments = paymentOverrides(stateDir);
  const args = ["dev", "--ip", host, "--port", String(port), "--persist-to", stateDir, ...payments.args];
  args.push("--show-interactive-dev-session=false", "--log-level", process.env.WRANGLER_LOG ?? "warn");
  const child = spawn(process.execPath, [bin("wrangler"), ...args], { cwd: root, env: childEnv(), stdio: ["ignore", "inherit", "inherit"] });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  process.on("exit", payments.remove);
  child.on("exit", (code) => process.exit(code ?? 0));
  await waitUntilServing(() => child.exitCode === null || `wrangler dev exited with code ${child.exitCode}`, `http://${host}:${port}`);
}
