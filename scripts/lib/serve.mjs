// Serves the Worker the way it runs on Cloudflare: the bundle `wrangler deploy` would upload
// (built offline with --dry-run), in workerd through Miniflare, with wrangler.toml's bindings,
// .dev.vars and local storage under <stateDir>/v3 (the layout `wrangler dev --persist-to` and
// `wrangler d1 --local` use). Unlike `wrangler dev` there is no proxy Worker in front of it and
// no file watcher: each call crosses one HTTP hop less (`npm run dev` keeps both, for editing).
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { bin, childEnv, root, run } from "./run.mjs";

const require = createRequire(path.join(root, "package.json"));
// The Miniflare wrangler itself runs (wrangler may pin its own copy).
const { Miniflare, convertV4MiniflareOptions } = createRequire(require.resolve("wrangler/package.json"))("miniflare");

/**
 * `wrangler deploy --dry-run`: the production bundle (minified, as uploaded, unless a profiler
 * wants names), in a directory of its own inside the project (workerd refuses module paths that
 * climb out of its root; two apps may build at once).
 */
export async function buildWorker({ minify = true } = {}) {
  const builds = path.join(root, ".wrangler/build");
  mkdirSync(builds, { recursive: true });
  pruneOlderThan(builds, 24 * 3600_000); // left behind by a killed run
  const outdir = mkdtempSync(path.join(builds, "worker-"));
  await run([bin("wrangler"), "deploy", "--dry-run", "--outdir", outdir, ...(minify ? [] : ["--no-minify"])], { quiet: true });
  return { scriptPath: path.join(outdir, "index.js"), remove: () => rmSync(outdir, { recursive: true, force: true }) };
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

/** Miniflare's v4 worker options carry empty defaults that its v5 converter rejects or ignores. */
function meaningful(options) {
  const { rootPath: _root, modulesRules: _rules, ...rest } = options;
  const empty = (v) =>
    v === undefined || (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => !empty(v)));
}

/**
 * Starts workerd on host:port and resolves once it listens. `bindings` are added to (and win
 * over) wrangler.toml's [vars] and .dev.vars. Returns the Miniflare instance: dispose() stops it.
 */
export async function serveWorker({ host, port, stateDir, bindings = {}, inspectorPort, minify = true }) {
  const build = await buildWorker({ minify });
  const { name, workerOptions } = await workerOptionsFromConfig();
  const options = meaningful(workerOptions);
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      rootPath: root,
      host,
      port,
      ...(inspectorPort ? { inspectorPort } : {}),
      resourcePersistencePath: path.join(stateDir, "v3"),
      // One line per request costs throughput; the Worker logs what matters itself.
      logRequests: false,
      workers: [{ ...options, name, modules: true, scriptPath: build.scriptPath, bindings: { ...options.bindings, ...bindings } }],
    }),
  );
  // The source map is read when an error's stack is printed: the build stays while the app runs.
  process.once("exit", build.remove);
  await miniflare.ready;
  return miniflare;
}
