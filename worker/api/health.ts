// GET /api/health: is the Worker up, can it reach D1 and both Durable Objects.
import type { Env } from "../env.ts";
import { ApiRouter } from "./router.ts";

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

async function timed<T>(check: () => Promise<T>): Promise<Check> {
  const started = Date.now();
  try {
    await check();
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

/** D1 and one object of each Durable Object class, timed. */
export async function checks(env: Env): Promise<{ d1: Check; tenantGate: Check; analyticsHub: Check }> {
  const probe = "health-probe";
  const [d1, tenantGate, analyticsHub] = await Promise.all([
    timed(() => env.DB.prepare("SELECT 1").first()),
    timed(() => env.TENANT_GATE.get(env.TENANT_GATE.idFromName(probe)).health()),
    timed(() => env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(probe)).health()),
  ]);
  return { d1, tenantGate, analyticsHub };
}

export const health = new ApiRouter("health").endpoint(
  "get",
  "/",
  { summary: "Liveness and reachability of D1 and the Durable Objects.", access: "public" },
  async (c) => {
    const result = await checks(c.env);
    const ok = result.d1.ok && result.tenantGate.ok && result.analyticsHub.ok;
    return c.json({ status: ok ? "ok" : "degraded", build: c.env.BUILD_ID ?? "dev", checks: result }, ok ? 200 : 503);
  },
);
