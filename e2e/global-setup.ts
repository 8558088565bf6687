// Starts the app twice on one state directory (the second start must reuse it) and leaves
// the second instance running for the tests. A third instance, with a state directory of its
// own (the "workbench"), is for the browser tests that add keys, users, providers and usage:
// start.e2e.ts checks the untouched seed, and files run in no fixed order. The workbench takes
// payments through the mock Stripe (test/stripe-mock.ts), with keys made for this run; neither
// it nor the other instance has PayPal.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startMockInThread, type ThreadedMock } from "../test/mock-thread.ts";
import { type Credentials, freePort, startApp } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    origin: string;
    stateDir: string;
    credentials: Credentials;
    firstStartOutput: string;
    secondStartOutput: string;
    workbench: { origin: string; credentials: Credentials; stripeBase: string };
  }
}

/** The mock Stripe, paying into `appOrigin`'s webhook, and the settings that point the app at it. */
async function startStripe(appOrigin: string): Promise<{ mock: ThreadedMock; base: string; env: Record<string, string> }> {
  const secretKey = `sk_test_${randomBytes(24).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(24).toString("base64url")}`;
  const webhook = { url: `${appOrigin}/api/payments/stripe/webhook`, secret: webhookSecret };
  const mock = await startMockInThread(new URL("../test/stripe-mock.ts", import.meta.url), "startStripeMock", { secretKey, webhook });
  const base = `http://127.0.0.1:${mock.port}`;
  const noPaypal = { PAYPAL_CLIENT_ID: "", PAYPAL_CLIENT_SECRET: "", PAYPAL_WEBHOOK_ID: "", PAYPAL_API_BASE: "" };
  return { mock, base, env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: base, ...noPaypal } };
}

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-"));
  const port = await freePort();
  const first = await startApp(stateDir, port);
  await first.stop();
  const app = await startApp(stateDir, port);
  // Serves the web/dist npm start just built: rebuilding it would reload the instance above.
  const benchDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-bench-"));
  const benchPort = await freePort();
  const stripe = await startStripe(`http://127.0.0.1:${benchPort}`).catch(async (error: unknown) => {
    await app.stop();
    throw error;
  });
  const bench = await startApp(benchDir, benchPort, { script: "e2e/workbench.mjs", env: stripe.env }).catch(async (error: unknown) => {
    await Promise.all([app.stop(), stripe.mock.close()]);
    throw error;
  });
  project.provide("origin", app.origin);
  project.provide("stateDir", stateDir);
  project.provide("credentials", app.credentials);
  project.provide("firstStartOutput", first.output());
  project.provide("secondStartOutput", app.output());
  project.provide("workbench", { origin: bench.origin, credentials: bench.credentials, stripeBase: stripe.base });
  return async () => {
    await Promise.all([app.stop(), bench.stop(), stripe.mock.close()]);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(benchDir, { recursive: true, force: true });
  };
}
