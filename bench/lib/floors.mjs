// The floors of the side-by-side benchmark: bench/lib/passthrough/worker.js (forwards each call to
// the upstream, streaming the answer through) served
//  - by bare workerd: the binary of the workerd package wrangler depends on (the one Miniflare and
//    `npm start` run), with a generated text config (config.capnp: one Worker, one HTTP socket on
//    127.0.0.1, fetch() through a network service that allows private addresses, as Miniflare's
//    does, so that it reaches the mock on 127.0.0.1) — the runtime's floor on this machine;
//  - under Miniflare (wrangler's copy) the default way, its entry Worker in front
//    (bench/lib/passthrough/miniflare-host.mjs, a node process of its own → workerd).
// Each runs detached in its own process group; stop() sends TERM then KILL to the group.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { projectNode, repoRoot } from "./app.mjs";
import { appConfig } from "./do-harness.mjs";
import { spawnServer } from "./server-process.mjs";

const WORKER = path.join(import.meta.dirname, "passthrough/worker.js");
const MINIFLARE_HOST = path.join(import.meta.dirname, "passthrough/miniflare-host.mjs");

/** { path, version } of the workerd binary wrangler (and so Miniflare and npm start) runs. */
export function workerdBinary() {
  const fromWrangler = createRequire(createRequire(path.join(repoRoot, "package.json")).resolve("wrangler/package.json"));
  const workerd = fromWrangler("workerd");
  return { path: workerd.default, version: workerd.version };
}

/** The text config for bare workerd: the pass-through Worker on 127.0.0.1:port. */
export function capnpConfig({ port, upstream, compatibilityDate, module = "worker.js" }) {
  const q = JSON.stringify; // plain ASCII strings: capnp's literals read them the same
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "passthrough", worker = .passthrough),
    # fetch() goes out through this; the default allows public addresses only.
    (name = "internet", network = (allow = ["public", "private"])),
  ],
  sockets = [(name = "http", address = ${q(`127.0.0.1:${port}`)}, http = (), service = "passthrough")],
);

const passthrough :Workerd.Worker = (
  modules = [(name = ${q(module)}, esModule = embed ${q(module)})],
  compatibilityDate = ${q(compatibilityDate)},
  bindings = [(name = "UPSTREAM", text = ${q(upstream)})],
  globalOutbound = "internet",
);
`;
}

/** The pass-through Worker in bare workerd (`workerd serve config.capnp`) on 127.0.0.1:port. */
export async function startBareWorkerd({ port, upstream, register = () => {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aggregator-bench-floor-"));
  copyFileSync(WORKER, path.join(dir, "worker.js"));
  writeFileSync(path.join(dir, "config.capnp"), capnpConfig({ port, upstream, compatibilityDate: appConfig().compatibilityDate }));
  const binary = workerdBinary();
  const server = await spawnServer({
    name: "bare workerd",
    command: binary.path,
    args: ["serve", "config.capnp", "--verbose"],
    cwd: dir,
    port,
    register,
    onStop: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { ...server, command: `workerd serve config.capnp (${path.relative(repoRoot, binary.path)})` };
}

/** The pass-through Worker under Miniflare (entry Worker in front) on 127.0.0.1:port. */
export async function startMiniflareFloor({ port, upstream, register = () => {} }) {
  return spawnServer({
    name: "Miniflare",
    command: projectNode(),
    args: [MINIFLARE_HOST],
    cwd: repoRoot,
    env: {
      HOST: "127.0.0.1",
      PORT: String(port),
      UPSTREAM: upstream,
      COMPATIBILITY_DATE: appConfig().compatibilityDate,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
    port,
    readyText: "floor ready on",
    register,
  });
}
