// Runs once in Node before the Worker tests: starts the mock Stripe and PayPal APIs and hands
// their ports to the Miniflare bindings (test/vitest.config.ts) as STRIPE_API_BASE and
// PAYPAL_API_BASE.
import type { TestProject } from "vitest/node";
import { startMockInThread } from "./mocks/thread.ts";

declare module "vitest" {
  export interface ProvidedContext {
    stripePort: number;
    paypalPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [stripe, paypal] = await Promise.all([
    startMockInThread(new URL("./mocks/stripe.ts", import.meta.url), "startStripeMock"),
    startMockInThread(new URL("./mocks/paypal.ts", import.meta.url), "startPaypalMock"),
  ]);
  project.provide("stripePort", stripe.port);
  project.provide("paypalPort", paypal.port);
  return async () => {
    await Promise.all([stripe.close(), paypal.close()]);
  };
}
