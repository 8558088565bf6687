// Runs once in Node before the Worker tests: starts the mock Web Push service
// (test/mocks/push-service.ts: subscriptions, VAPID check, aes128gcm decryption) and hands its
// port to the Miniflare bindings (test/vitest.config.ts) as PUSH_MOCK_PORT.
import type { TestProject } from "vitest/node";
import { startMockInThread } from "./mocks/thread.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pushPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockInThread(new URL("./mocks/push-service.ts", import.meta.url), "startPushService");
  project.provide("pushPort", mock.port);
  return () => mock.close();
}
