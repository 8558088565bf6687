// GET /api/diagnostics: what an operator looks at when something is wrong — D1 and the Durable
// Objects reachable, each provider's circuit and observed latency (in the isolate answering),
// the tenant's recent errors with their request ids, and the build.
import { and, desc, eq, gte } from "drizzle-orm";
import * as z from "zod";
import { hasPermission } from "../core/rbac.ts";
import type { ProviderRow } from "../db/catalog.ts";
import { getDb } from "../db/client.ts";
import { PROVIDER_KINDS, requestLog } from "../db/schema.ts";
import { CIRCUIT_STATES } from "../gateway/breaker.ts";
import { providerHealth } from "../gateway/provider-health.ts";
import { tenantCatalog } from "../gateway/resolve.ts";
import { gateFor } from "../gateway/gate.ts";
import type { SessionUser } from "../env.ts";
import { ApiRouter } from "./router.ts";
import { checks, checksView } from "./health.ts";

const BILLING_ONLY = "Only for roles with billing:read";

const gateView = z.object({
  balanceMicros: z.int().optional().describe(BILLING_ONLY),
  reservedMicros: z.int().optional().describe(BILLING_ONLY),
  openReservations: z.int(),
  monthSpendMicros: z.int().optional().describe(BILLING_ONLY),
  unflushedEntries: z.int(),
  billingEnabled: z.boolean(),
});

type GateJson = z.output<typeof gateView>;

/** The gate's state as the caller may see it: the money only with billing:read. */
function gateJson(status: Required<GateJson>, user: SessionUser): GateJson {
  const { openReservations, unflushedEntries, billingEnabled } = status;
  const visible: GateJson = { openReservations, unflushedEntries, billingEnabled };
  if (!hasPermission(user, "billing:read")) return visible;
  return { ...visible, balanceMicros: status.balanceMicros, reservedMicros: status.reservedMicros, monthSpendMicros: status.monthSpendMicros };
}

const providerHealthView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  scope: z.enum(["platform", "tenant"]),
  circuit: z.enum(CIRCUIT_STATES),
  window: z.object({ samples: z.int(), failures: z.int() }),
  latency_ms: z.record(z.string(), z.number()).describe("Moving average per target (provider/model), as observed by the isolate that answered"),
});

const recentErrorView = z.object({
  request_id: z.string(),
  at: z.string(),
  status: z.int(),
  error_type: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
});

export const diagnosticsView = z.object({
  build: z.object({ id: z.string(), app: z.string() }),
  checks: checksView,
  gate: gateView.nullable().describe("null: this tenant's TenantGate did not answer"),
  providers: z.array(providerHealthView),
  recent_errors: z.array(recentErrorView),
});

/** A provider's circuit, failure window and latencies, as the isolate answering sees them. */
function providerHealthJson(p: ProviderRow): z.output<typeof providerHealthView> {
  const health = providerHealth(p);
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    scope: p.tenantId === null ? "platform" : "tenant",
    circuit: health.circuit,
    window: { samples: health.samples, failures: health.failures },
    latency_ms: health.latency,
  };
}

export const diagnostics = new ApiRouter("diagnostics").endpoint(
  "get",
  "/",
  {
    summary: "Health of D1, the Durable Objects and providers (circuit, latency), recent errors, build info.",
    description: "The gate's balance, reserved amount and month's spend are shown only to roles with billing:read.",
    access: "analytics:read",
    response: diagnosticsView,
  },
  async (c) => {
    const user = c.var.user;
    const db = getDb(c.env.DB);
    const [health, catalog, recentErrors, gate] = await Promise.all([
      checks(c.env),
      tenantCatalog(db, user.tenantId),
      db
        .select({
          id: requestLog.id,
          at: requestLog.createdAt,
          status: requestLog.status,
          errorType: requestLog.errorType,
          model: requestLog.model,
          provider: requestLog.provider,
        })
        .from(requestLog)
        .where(and(eq(requestLog.tenantId, user.tenantId), gte(requestLog.status, 400)))
        .orderBy(desc(requestLog.createdAt))
        .limit(20),
      gateFor(c.env, user.tenantId)
        .status(user.tenantId)
        .catch(() => null),
    ]);
    const body: z.output<typeof diagnosticsView> = {
      build: { id: c.env.BUILD_ID ?? "dev", app: c.env.APP_NAME ?? "AI Aggregator" },
      checks: health,
      gate: gate && gateJson(gate, user),
      providers: catalog.providers.map(providerHealthJson),
      recent_errors: recentErrors.map((e) => ({
        request_id: e.id,
        at: new Date(e.at).toISOString(),
        status: e.status,
        error_type: e.errorType,
        model: e.model,
        provider: e.provider,
      })),
    };
    return c.json(body);
  },
);
