// GET /api/health: is the Worker up, can it reach D1 and both Durable Objects.
import * as z from "zod";
import type { Env } from "../env.ts";
import { ApiRouter } from "./router.ts";

const checkView = z.object({ ok: z.boolean(), ms: z.int(), error: z.string().optional() });

/** D1 and one object of each Durable Object class; /api/diagnostics reports them too. */
export const checksView = z.object({ d1: checkView, tenantGate: checkView, analyticsHub: checkView });

export type Check = z.output<typeof checkView>;

export const healthView = z.object({ status: z.enum(["ok", "degraded"]), build: z.string(), checks: checksView });

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
export async function checks(env: Env): Promise<z.output<typeof checksView>> {
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
  {
    summary: "Liveness and reachability of D1 and the Durable Objects.",
    description: "Answers 503 with the same body when a check fails.",
    access: "public",
    response: healthView,
  },
  async (c) => {
    const result = await checks(c.env);
    const ok = result.d1.ok && result.tenantGate.ok && result.analyticsHub.ok;
    const body: z.output<typeof healthView> = { status: ok ? "ok" : "degraded", build: c.env.BUILD_ID ?? "dev", checks: result };
    return c.json(body, ok ? 200 : 503);
  },
);
