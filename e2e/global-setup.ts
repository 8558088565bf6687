// Starts the app twice on one state directory (the second start must reuse it) and leaves
// the second instance running for the tests. A third instance, with a state directory of its
// own (the "workbench"), is for the browser tests that add keys, users, providers and usage:
// start.e2e.ts checks the untouched seed, and files run in no fixed order. The workbench takes
// payments through the mock Stripe (test/mocks/stripe.ts) and the mock PayPal (test/mocks/paypal.ts),
// with keys made for this run; the other instance has no payment settings at all.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startMockInThread, type ThreadedMock } from "../test/mocks/thread.ts";
import { resolveChromium } from "./browser.ts";
import { type Credentials, freePort, startApp } from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    origin: string;
    stateDir: string;
    credentials: Credentials;
    firstStartOutput: string;
    secondStartOutput: string;
    workbench: { origin: string; credentials: Credentials; stripeBase: string; paypalBase: string };
  }
}

/** The mock Stripe, paying into `appOrigin`'s webhook, and the settings that point the app at it. */
async function startStripe(appOrigin: string): Promise<{ mock: ThreadedMock; base: string; env: Record<string, string> }> {
  const secretKey = `sk_test_${randomBytes(24).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(24).toString("base64url")}`;
  const webhook = { url: `${appOrigin}/api/payments/stripe/webhook`, secret: webhookSecret };
  const mock = await startMockInThread(new URL("../test/mocks/stripe.ts", import.meta.url), "startStripeMock", { secretKey, webhook });
  const base = `http://127.0.0.1:${mock.port}`;
  return { mock, base, env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: base } };
}

/** The mock PayPal, sending its webhooks to `appOrigin`, and the settings that point the app at it. */
async function startPaypal(appOrigin: string): Promise<{ mock: ThreadedMock; base: string; env: Record<string, string> }> {
  const clientId = randomBytes(40).toString("base64url");
  const clientSecret = randomBytes(40).toString("base64url");
  const webhookId = randomBytes(9).toString("hex").toUpperCase();
  const webhook = { url: `${appOrigin}/api/payments/paypal/webhook` };
  const mock = await startMockInThread(new URL("../test/mocks/paypal.ts", import.meta.url), "startPaypalMock", { clientId, clientSecret, webhookId, webhook });
  const base = `http://127.0.0.1:${mock.port}`;
  return { mock, base, env: { PAYPAL_CLIENT_ID: clientId, PAYPAL_CLIENT_SECRET: clientSecret, PAYPAL_WEBHOOK_ID: webhookId, PAYPAL_API_BASE: base } };
}

export default async function setup(project: TestProject) {
  // Find (and on first use unpack) the browser before starting anything: one clear error, not one per file.
  console.log(`e2e: driving ${(await resolveChromium()).source}`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-"));
  const port = await freePort();
  const first = await startApp(stateDir, port);
  await first.stop();
  const app = await startApp(stateDir, port);
  // Serves the web/dist npm start just built: rebuilding it would reload the instance above.
  const benchDir = mkdtempSync(path.join(os.tmpdir(), "aggregator-e2e-bench-"));
  const benchPort = await freePort();
  const benchOrigin = `http://127.0.0.1:${benchPort}`;
  const mocks = await Promise.allSettled([startStripe(benchOrigin), startPaypal(benchOrigin)]);
  const [stripeStarted, paypalStarted] = mocks;
  if (stripeStarted.status === "rejected" || paypalStarted.status === "rejected") {
    await Promise.all([app.stop(), ...mocks.map((m) => (m.status === "fulfilled" ? m.value.mock.close() : undefined))]);
    throw stripeStarted.status === "rejected" ? stripeStarted.reason : (paypalStarted as PromiseRejectedResult).reason;
  }
  const stripe = stripeStarted.value;
  const paypal = paypalStarted.value;
  const bench = await startApp(benchDir, benchPort, { script: "e2e/workbench.mjs", env: { ...stripe.env, ...paypal.env } }).catch(async (error: unknown) => {
    await Promise.all([app.stop(), stripe.mock.close(), paypal.mock.close()]);
    throw error;
  });
  project.provide("origin", app.origin);
  project.provide("stateDir", stateDir);
  project.provide("credentials", app.credentials);
  project.provide("firstStartOutput", first.output());
  project.provide("secondStartOutput", app.output());
  project.provide("workbench", { origin: bench.origin, credentials: bench.credentials, stripeBase: stripe.base, paypalBase: paypal.base });
  return async () => {
    await Promise.all([app.stop(), bench.stop(), stripe.mock.close(), paypal.mock.close()]);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(benchDir, { recursive: true, force: true });
  };
}
