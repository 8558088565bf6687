// Worker and Durable Object tests, run inside workerd with the real wrangler.toml bindings.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(async () => ({
  root: here(".."),
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: here("../wrangler.toml") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(here("../migrations")),
          JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
          SECRETS_KEY: "test-secrets-key-0123456789abcdefghijklmnopqrstuvwxyz",
          // The mock upstream started by global-setup.ts.
          UPSTREAM_PORT: String(inject("upstreamPort")),
        },
      },
    })),
  ],
  test: {
    name: "worker",
    include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: [here("./global-setup.ts")],
    setupFiles: [here("./setup.ts")],
    // The Worker logs one JSON line per request; keep warnings and errors, drop the rest.
    onConsoleLog: (log: string) => !log.startsWith('{"level":"info"'),
  },
}));
