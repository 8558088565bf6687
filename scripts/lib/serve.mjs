// Serves the Worker the way it runs on Cloudflare: the bundle `wrangler deploy` would upload
// (built offline with --dry-run), on bare workerd (the binary wrangler itself runs), with
// wrangler.toml's bindings, .dev.vars and local storage under <stateDir>/v3 (the layout
// `wrangler dev --persist-to` and `wrangler d1 --local` use). No Worker of Miniflare's or
// wrangler's sits in front: `npm run dev` (wrangler dev) keeps those, for editing.
//
// The config (scripts/lib/workerd/config.mjs, written next to the bundle) holds:
//  - the app's Worker, which the socket reaches directly. Its entry module re-exports the bundle
//    and wraps its fetch() in Cloudflare's static routing (workerd/static-routing.ts): a path
//    run_worker_first lists (/api/*, /v1/*, /assets/*) goes straight to the app, any other to
//    ASSETS, as Cloudflare routes it before the Worker would run. Within the one isolate: a /v1
//    call pays a regex test on its path, not a hop. TenantGate and AnalyticsHub are its SQLite
//    Durable Objects, in <stateDir>/v3/do/<name>-<ClassName>/ as under Miniflare.
//  - ASSETS (workerd/assets.ts): a snapshot of web/dist taken at start and its manifest (content
//    types, ETags, _headers), SPA fallback to index.html; a Worker of its own, reached only by
//    asset paths and the app's /assets/* handler.
//  - DB: workerd's own D1 client (cloudflare-internal:d1-api) over workerd/d1.ts, a Durable
//    Object on Miniflare's D1 files (<stateDir>/v3/d1/miniflare-D1DatabaseObject/<id>.sqlite).
//  - caches.default (workerd/cache.ts, in memory) and fetch() to any address, loopback included.
//  - CF-Connecting-IP set to the loopback address, as Cloudflare would set the client's.
// Console output of the Workers goes to this process's stdout and stderr. An uncaught exception
// is printed by workerd without its stack; the Worker's own error log lines carry theirs.
import { fork, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { bin, childEnv, root, run } from "./run.mjs";
import { writeWorkerdConfig } from "./workerd/config.mjs";

const require = createRequire(path.join(root, "package.json"));
/** The workerd wrangler runs (wrangler may pin its own copy): the storage formats stay the ones `wrangler d1` writes. */
const workerdBinary = () => createRequire(require.resolve("wrangler/package.json"))("workerd").default;

/**
 * `wrangler deploy --dry-run`: the production bundle (minified, as uploaded, unless a profiler
 * wants names), in a directory of its own inside the project (module names are paths in the
 * project, as stack traces and the profiler read them; two apps may build at once).
 */
export async function buildWorker({ minify = true } = {}) {
  const builds = path.join(root, ".wrangler/build");
  mkdirSync(builds, { recursive: true });
  pruneOlderThan(builds, 24 * 3600_000); // left behind by a killed run
  const outdir = mkdtempSync(path.join(builds, "worker-"));
  await run([bin("wrangler"), "deploy", "--dry-run", "--outdir", outdir, ...(minify ? [] : ["--no-minify"])], { quiet: true });
  return { dir: outdir, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

function pruneOlderThan(dir, ageMs) {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (Date.now() - statSync(full).mtimeMs > ageMs) rmSync(full, { recursive: true, force: true });
  }
}

/** wrangler.toml as Miniflare options, read in a child process (worker-options.mjs). */
function workerOptionsFromConfig() {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(import.meta.dirname, "worker-options.mjs"), { cwd: root, env: childEnv() });
    child.once("message", resolve);
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`reading wrangler.toml failed (${code})`)));
  });
}

/**
 * Runs workerd on `configFile` and resolves once its socket listens (its control fd says so).
 * Until then its stderr is kept: a failed start rejects with it (`… Address already in use …`).
 */
function startWorkerd(configFile, { inspectorPort }) {
  const args = ["serve", configFile, "--experimental", "--control-fd=3"];
  if (inspectorPort) args.push(`--inspector-addr=127.0.0.1:${inspectorPort}`);
  const child = spawn(workerdBinary(), args, { cwd: root, stdio: ["ignore", "inherit", "pipe", "pipe"] });
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null })); // not started: no "exit" may follow
  });
  let stderr = "";
  const keep = (chunk) => (stderr += chunk);
  child.stderr.on("data", keep);
  const listening = new Promise((resolve, reject) => {
    let control = "";
    child.stdio[3].on("data", (chunk) => {
      control += chunk;
      if (!control.split("\n").some((line) => line.includes('"event":"listen"'))) return;
      child.stderr.off("data", keep);
      process.stderr.write(stderr);
      child.stderr.pipe(process.stderr);
      resolve();
    });
    child.once("error", reject);
    exited.then(({ code, signal }) => reject(new Error(`workerd exited (${code ?? signal}) before it listened:\n${stderr.trim()}`)));
  });
  // Not left behind when this process ends some other way than dispose().
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  const dispose = async () => {
    process.off("exit", orphan);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return listening.then(
    () => ({ dispose, exited }),
    async (error) => {
      await dispose();
      throw error;
    },
  );
}

/**
 * Starts workerd on host:port and resolves once it listens. `bindings` are added to (and win
 * over) wrangler.toml's [vars] and .dev.vars. Resolves to { dispose() → stops it, exited →
 * { code, signal } once it has stopped }.
 */
export async function serveWorker({ host, port, stateDir, bindings = {}, inspectorPort, minify = true }) {
  const build = await buildWorker({ minify });
  // The build holds the config, the modules and the assets' snapshot workerd reads: it stays while the app runs.
  process.once("exit", build.remove);
  const { name, workerOptions } = await workerOptionsFromConfig();
  const configFile = await writeWorkerdConfig({ buildDir: build.dir, name, workerOptions, host, port, stateDir, bindings });
  return startWorkerd(configFile, { inspectorPort });
}
