import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

// Usable standalone (`vitest --config web/vitest.config.ts`) and as one entry of a
// root `projects` list: every path is anchored to this folder, not process.cwd().
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      name: "web",
      root: fileURLToPath(new URL(".", import.meta.url)),
      environment: "happy-dom",
      include: ["src/**/*.test.{ts,tsx}"],
      setupFiles: [fileURLToPath(new URL("./src/test/setup.ts", import.meta.url))],
      unstubGlobals: true,
      restoreMocks: true,
    },
  }),
);
