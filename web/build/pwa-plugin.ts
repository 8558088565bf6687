// Build-time PWA pieces: the PNG icons (rendered from the app mark) and /sw.js, bundled on its
// own (a classic script, nothing shared with the app) with the list of files to precache and a
// version derived from their names, so every deploy with new assets is a new service worker.
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { build, type Plugin } from "vite";
import { ICONS, renderIcon } from "./icons.ts";

interface Options {
  /** web/src/pwa/sw.ts */
  entry: string;
  publicDir: string;
}

/** Public files worth precaching (not the headers file, not the worker itself). */
const publicFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith("_") && e.name !== "sw.js")
    .map((e) => e.name);

async function bundleWorker(entry: string, manifest: { version: string; urls: string[] }): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: "warn",
    publicDir: false,
    define: { __PRECACHE_MANIFEST__: JSON.stringify(manifest) },
    build: {
      write: false,
      target: "es2022",
      minify: true,
      lib: { entry, formats: ["iife"], name: "aggregatorServiceWorker", fileName: () => "sw.js" },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const output of outputs) {
    if (!("output" in output)) continue;
    const chunk = output.output.find((o) => o.type === "chunk");
    if (chunk && chunk.type === "chunk") return chunk.code;
  }
  throw new Error("the service worker bundle is empty");
}

export function pwa({ entry, publicDir }: Options): Plugin {
  return {
    name: "aggregator:pwa",
    apply: "build",
    enforce: "post",
    buildStart() {
      for (const icon of ICONS) this.emitFile({ type: "asset", fileName: icon.fileName, source: renderIcon(icon.size, icon.maskable) });
    },
    async generateBundle(_, bundle) {
      const built = Object.keys(bundle).filter((f) => !f.endsWith(".map") && f !== "index.html" && f !== "sw.js");
      const files = [...new Set([...built, ...publicFiles(publicDir)])].sort();
      const version = createHash("sha256")
        .update(files.join("\n"))
        .update(String(bundle["index.html"]?.type === "asset" ? bundle["index.html"].source : ""))
        .digest("hex")
        .slice(0, 16);
      const urls = ["/", ...files.map((f) => `/${f}`)];
      this.emitFile({ type: "asset", fileName: "sw.js", source: await bundleWorker(entry, { version, urls }) });
    },
  };
}
