import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { pwa } from "./build/pwa-plugin.ts";

/** Absolute path of a file inside web/, independent of the process cwd. */
const fromWeb = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: fromWeb("."),
  publicDir: fromWeb("./public"),
  // Keep Vite/Vitest caches in the repo's node_modules, not a stray web/node_modules.
  cacheDir: fromWeb("../node_modules/.vite/web"),
  // Preact JSX through Vite's built-in oxc transform (no preset plugin needed).
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  plugins: [pwa({ entry: fromWeb("./src/pwa/sw.ts"), publicDir: fromWeb("./public") })],
  build: {
    outDir: fromWeb("./dist"),
    emptyOutDir: true,
    target: "es2022",
    // Every supported browser has native <link rel="modulepreload">.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        // Fewer, named chunks: the libraries, the small modules several pages share, then one per page.
        codeSplitting: {
          groups: [
            // The chart library is only for pages with charts: its own lazily loaded chunk.
            { name: "uplot", test: /[\\/]node_modules[\\/]uplot[\\/]/, priority: 3 },
            { name: "vendor", test: /node_modules/, priority: 2 },
            { name: "shared", test: /[\\/]web[\\/]src[\\/]/, minShareCount: 2, priority: 1 },
          ],
        },
      },
    },
  },
  server: {
    // `vite` dev server in front of `npm start` (the Worker on :8787).
    proxy: {
      "/api": { target: "http://127.0.0.1:8787", ws: true },
      "/v1": "http://127.0.0.1:8787",
    },
  },
});
