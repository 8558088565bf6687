// Run as a child process by serve.mjs: reads wrangler.toml (and .dev.vars) the way wrangler does
// and sends back the Worker's name and its Miniflare options, so that the process serving the
// app never loads wrangler itself (≈ 85 MiB less resident memory for as long as it runs).
import { createRequire } from "node:module";
import path from "node:path";
import { root } from "./run.mjs";

const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = createRequire(path.join(root, "package.json"))("wrangler");
const configPath = path.join(root, "wrangler.toml");
// The Worker's name keys its Durable Objects' storage: the same as under `wrangler dev`.
const { name } = unstable_readConfig({ config: configPath });
const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
process.send({ name, workerOptions }, () => process.disconnect());
