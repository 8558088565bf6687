// Worker and Durable Object tests, run inside workerd with the real wrangler.toml bindings.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { PAYPAL_TEST_CLIENT_ID, PAYPAL_TEST_CLIENT_SECRET, PAYPAL_TEST_WEBHOOK_ID } from "./mocks/paypal.ts";
import { STRIPE_TEST_KEY, STRIPE_TEST_WEBHOOK_SECRET } from "./mocks/stripe.ts";

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
          // An abandoned stream is read on for its usage this long (25 s in production).
          STREAM_DRAIN_MS: "1500",
          // Admission leases on, as deployed, but short: a test's settle() awaits a lease's hand-back.
          ADMISSION_LEASE_MS: "200",
          // A tool server that hangs gives up this soon (60 s in production).
          MCP_CALL_TIMEOUT_MS: "1500",
          // The mock upstream started by global-setup.ts.
          UPSTREAM_PORT: String(inject("upstreamPort")),
          // The mock MCP servers started by mcp-setup.ts.
          MCP_MOCK_PORT: String(inject("mcpPort")),
          // The mock OTLP collector started by otlp-setup.ts.
          OTLP_MOCK_PORT: String(inject("otlpPort")),
          // The mock Web Push service started by push-setup.ts, and a VAPID pair for tests only.
          PUSH_MOCK_PORT: String(inject("pushPort")),
          VAPID_PUBLIC_KEY: "BHHLAwdJNsrRjW1Kk6i7XiO38_dVJRFd0a9qKc2_IbwCcuGtN8sepq-evSUKTJnqWpUwYP2yoPK6Df2fPrIqRu4",
          VAPID_PRIVATE_KEY: "CwUztNxyZ7g5nAptHQb72n4-djhADAWy98HTWpe8bhU",
          VAPID_SUBJECT: "mailto:alerts@example.com",
          // E-mail alerts go to the Stripe mock's hook recorder, as a JSON mail API would take them.
          MAIL_API_URL: `http://127.0.0.1:${inject("stripePort")}/__hooks/mail-api`,
          MAIL_API_KEY: "mail-secret",
          MAIL_FROM: "alerts@example.com",
          PUBLIC_URL: "https://dashboard.example.com",
          // The mock Stripe and PayPal APIs started by payments-setup.ts.
          STRIPE_API_BASE: `http://127.0.0.1:${inject("stripePort")}`,
          STRIPE_SECRET_KEY: STRIPE_TEST_KEY,
          STRIPE_WEBHOOK_SECRET: STRIPE_TEST_WEBHOOK_SECRET,
          PAYPAL_API_BASE: `http://127.0.0.1:${inject("paypalPort")}`,
          PAYPAL_CLIENT_ID: PAYPAL_TEST_CLIENT_ID,
          PAYPAL_CLIENT_SECRET: PAYPAL_TEST_CLIENT_SECRET,
          PAYPAL_WEBHOOK_ID: PAYPAL_TEST_WEBHOOK_ID,
        },
      },
    })),
  ],
  test: {
    name: "worker",
    include: ["worker/**/*.test.ts", "durable-objects/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: [here("./global-setup.ts"), here("./payments-setup.ts"), here("./mcp-setup.ts"), here("./otlp-setup.ts"), here("./push-setup.ts")],
    setupFiles: [here("./setup.ts")],
    // The Worker logs one JSON line per request; keep warnings and errors, drop the rest.
    onConsoleLog: (log: string) => !log.startsWith('{"level":"info"'),
  },
}));
