// Serves bench/lib/passthrough/worker.js under Miniflare the default way (its entry Worker in
// front of the user Worker, the "internet" network service for fetch()), as a process of its own
// so that its tree (this node → workerd) can be measured apart from the load generator. Started by
// bench/lib/floors.mjs with HOST, PORT, UPSTREAM and COMPATIBILITY_DATE in the environment; prints
// "floor ready on <url>" once workerd listens, and stops Miniflare on SIGTERM.
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");
// The Miniflare wrangler itself runs, as scripts/lib/serve.mjs loads it (wrangler may pin its own copy).
const miniflare = createRequire(createRequire(path.join(root, "package.json")).resolve("wrangler/package.json"))("miniflare");

const options = {
  host: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT),
  cf: false, // no fetch of Cloudflare's Request.cf data: nothing leaves the machine
  // As npm start runs the app (scripts/lib/serve.mjs): no per-request log line sent back to Node.
  logRequests: false,
  modules: true,
  scriptPath: path.join(import.meta.dirname, "worker.js"),
  compatibilityDate: process.env.COMPATIBILITY_DATE,
  bindings: { UPSTREAM: process.env.UPSTREAM },
};
const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions ? miniflare.convertV4MiniflareOptions(options) : options);
const url = await mf.ready;
console.log(`floor ready on ${url}`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await mf.dispose().catch(() => undefined);
    process.exit(0);
  });
}
