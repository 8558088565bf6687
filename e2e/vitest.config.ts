// Browser end-to-end tests: the app started as `npm start` starts it, driven in Chromium.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  test: {
    name: "e2e",
    root: here("."),
    include: ["**/*.e2e.ts"],
    environment: "node",
    globalSetup: [here("./global-setup.ts")],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One server and one browser: run the files one after another.
    fileParallelism: false,
  },
});
