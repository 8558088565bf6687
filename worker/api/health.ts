// GET /api/health: is the Worker up, can it reach D1 and both Durable Objects.
import { ApiRouter } from "./router.ts";

async function timed<T>(check: () => Promise<T>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = Date.now();
  try {
    await check();
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

export const health = new ApiRouter("health").endpoint(
  "get",
  "/",
  { summary: "Liveness and reachability of D1 and the Durable Objects.", access: "public" },
  async (c) => {
    const probe = "health-probe";
    const [d1, tenantGate, analyticsHub] = await Promise.all([
      timed(() => c.env.DB.prepare("SELECT 1").first()),
      timed(() => c.env.TENANT_GATE.get(c.env.TENANT_GATE.idFromName(probe)).health()),
      timed(() => c.env.ANALYTICS_HUB.get(c.env.ANALYTICS_HUB.idFromName(probe)).health()),
    ]);
    const ok = d1.ok && tenantGate.ok && analyticsHub.ok;
    return c.json({ status: ok ? "ok" : "degraded", build: c.env.BUILD_ID ?? "dev", checks: { d1, tenantGate, analyticsHub } }, ok ? 200 : 503);
  },
);
