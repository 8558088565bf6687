// `npm test` runs every project in one Vitest run: the Worker and Durable Objects inside
// workerd, the PWA in happy-dom, and end-to-end in Chromium against `npm start`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["./test/vitest.config.ts", "./web/vitest.config.ts", "./e2e/vitest.config.ts"],
    // Two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
