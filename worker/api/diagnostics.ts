// GET /api/diagnostics: what an operator looks at when something is wrong — D1 and the Durable
// Objects reachable, each provider's circuit and observed latency (in the isolate answering),
// the tenant's recent errors with their request ids, and the build.
import { and, desc, eq, gte } from "drizzle-orm";
import { getDb } from "../db/client.ts";
import { requestLog } from "../db/schema.ts";
import { breakers } from "../gateway/breaker.ts";
import { latencySnapshot } from "../gateway/latency.ts";
import { tenantCatalog } from "../gateway/resolve.ts";
import { gateFor } from "../gateway/gate.ts";
import { ApiRouter } from "./router.ts";
import { checks } from "./health.ts";

export const diagnostics = new ApiRouter("diagnostics").endpoint(
  "get",
  "/",
  { summary: "Health of D1, the Durable Objects and providers (circuit, latency), recent errors, build info.", access: "analytics:read" },
  async (c) => {
    const user = c.var.user;
    const db = getDb(c.env.DB);
    const [health, catalog, recentErrors, gate] = await Promise.all([
      checks(c.env),
      tenantCatalog(db, user.tenantId),
      db
        .select({ id: requestLog.id, at: requestLog.createdAt, status: requestLog.status, errorType: requestLog.errorType, model: requestLog.model, provider: requestLog.provider })
        .from(requestLog)
        .where(and(eq(requestLog.tenantId, user.tenantId), gte(requestLog.status, 400)))
        .orderBy(desc(requestLog.createdAt))
        .limit(20),
      gateFor(c.env, user.tenantId).status(user.tenantId).catch(() => null),
    ]);
    const circuits = new Map(breakers.snapshot().map((b) => [b.provider, b]));
    const latency = latencySnapshot();
    return c.json({
      build: { id: c.env.BUILD_ID ?? "dev", app: c.env.APP_NAME ?? "AI Aggregator" },
      checks: health,
      gate,
      providers: catalog.providers.map((p) => ({
        id: p.id,
        name: p.name,
        kind: p.kind,
        scope: p.tenantId === null ? "platform" : "tenant",
        circuit: circuits.get(p.id)?.state ?? "closed",
        window: { samples: circuits.get(p.id)?.samples ?? 0, failures: circuits.get(p.id)?.failures ?? 0 },
        latency_ms: Object.fromEntries(Object.entries(latency).filter(([target]) => target.startsWith(`${p.name}/`))),
      })),
      recent_errors: recentErrors.map((e) => ({ request_id: e.id, at: new Date(e.at).toISOString(), status: e.status, error_type: e.errorType, model: e.model, provider: e.provider })),
    });
  },
);
