// /api/metrics: Prometheus text exposition (format 0.0.4). Counters are cumulative per model and
// provider since the tenant's AnalyticsHub began, read from the hub itself — so they include
// events not yet flushed to D1 and cost one Durable Object call, not a scan of the rollups.
// `?scope=platform` (operator only) asks every tenant's hub and labels each series by tenant.
import * as z from "zod";
import type { HubMetrics } from "../../durable-objects/analytics-hub.ts";
import { AppError } from "../core/errors.ts";
import { log } from "../core/logger.ts";
import { LATENCY_BUCKETS_MS, type Sums } from "../core/sums.ts";
import { TtlCache } from "../core/ttl-cache.ts";
import { listTenantIds } from "../db/analytics.ts";
import { getDb } from "../db/client.ts";
import type { Env, SessionUser } from "../env.ts";
import { withReadToken } from "./read-tokens.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const PLATFORM_CONCURRENCY = 25;
const PLATFORM_CACHE_MS = 10_000;

const metricsQuery = z.object({
  scope: z.enum(["tenant", "platform"]).default("tenant").describe("platform: every tenant, labelled by tenant (operator only)"),
  token: z.string().max(4096).optional().describe("A read token (POST /api/analytics/tokens), for scrapers that cannot set headers"),
});

export interface TenantMetrics {
  tenantId: string;
  metrics: HubMetrics;
}

// ── exposition ────────────────────────────────────────────────────────────────────────────

export const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

type Labels = Record<string, string>;
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

class Exposition {
  private readonly families = new Map<string, { help: string; type: string; lines: string[] }>();

  add(name: string, type: "counter" | "gauge" | "histogram", help: string, sample: string, labels: Labels, value: number): void {
    let family = this.families.get(name);
    if (!family) this.families.set(name, (family = { help, type, lines: [] }));
    family.lines.push(`${sample}${labelText(labels)} ${Number.isFinite(value) ? String(value) : "NaN"}`);
  }

  text(): string {
    let out = "";
    for (const [name, f] of this.families) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join("\n")}\n`;
    return out;
  }
}

const seconds = (ms: number) => ms / 1000;

/** The cost classes' label values, in micro-dollars; they partition a call's cost at its price. */
const COST_CLASSES = [
  ["input", "inputCostMicros"],
  ["cached_input", "cachedInputCostMicros"],
  ["cache_write", "cacheWriteCostMicros"],
  ["output", "outputCostMicros"],
  ["reasoning", "reasoningCostMicros"],
  ["units", "unitsCostMicros"],
] as const satisfies readonly (readonly [string, keyof Sums])[];

/** Token classes that are part of input (cached_input, cache_write) or output (reasoning) tokens. */
const TOKEN_CLASSES = [
  ["cached_input", "cachedTokens"],
  ["cache_write", "cacheWriteTokens"],
  ["reasoning", "reasoningTokens"],
] as const satisfies readonly (readonly [string, keyof Sums])[];

function addClasses(x: Exposition, labels: Labels, s: Sums): void {
  const cost = "aiagg_cost_by_class_microdollars_total";
  const costHelp = "Cost at price by token class, in micro-dollars; the classes add up to aiagg_cost_microdollars_total plus any cost not collected.";
  for (const [name, field] of COST_CLASSES) x.add(cost, "counter", costHelp, cost, { ...labels, class: name }, s[field]);
  const saved = "aiagg_cache_saved_microdollars_total";
  x.add(saved, "counter", "What cache reads cost less than the same tokens uncached, in micro-dollars.", saved, labels, s.cacheSavedMicros);
  const tokens = "aiagg_tokens_by_class_total";
  const tokensHelp = "Tokens of a class: cached_input and cache_write are part of the input tokens, reasoning of the output tokens.";
  for (const [name, field] of TOKEN_CLASSES) x.add(tokens, "counter", tokensHelp, tokens, { ...labels, class: name }, s[field]);
}

function addSums(x: Exposition, labels: Labels, s: Sums): void {
  x.add("aiagg_requests_total", "counter", "Requests recorded by the gateway.", "aiagg_requests_total", labels, s.requests);
  x.add("aiagg_request_errors_total", "counter", "Requests answered with status 400 or above.", "aiagg_request_errors_total", labels, s.errors);
  x.add("aiagg_tokens_total", "counter", "Tokens billed, by direction.", "aiagg_tokens_total", { ...labels, direction: "input" }, s.inputTokens);
  x.add("aiagg_tokens_total", "counter", "Tokens billed, by direction.", "aiagg_tokens_total", { ...labels, direction: "output" }, s.outputTokens);
  x.add("aiagg_cost_microdollars_total", "counter", "Cost charged, in micro-dollars (1e-6 USD).", "aiagg_cost_microdollars_total", labels, s.costMicros);
  addClasses(x, labels, s);
  const h = "aiagg_request_duration_seconds";
  const help = "End-to-end request latency as the gateway measured it.";
  for (const [i, le] of LATENCY_BUCKETS_MS.entries()) x.add(h, "histogram", help, `${h}_bucket`, { ...labels, le: String(seconds(le)) }, s.latencyLe[i] ?? 0);
  x.add(h, "histogram", help, `${h}_bucket`, { ...labels, le: "+Inf" }, s.requests);
  x.add(h, "histogram", help, `${h}_sum`, labels, seconds(s.latencyMsSum));
  x.add(h, "histogram", help, `${h}_count`, labels, s.requests);
}

/** The text for one tenant's or every tenant's hub metrics. */
export function renderPrometheus(sets: readonly TenantMetrics[], extra: { scrapeErrors?: number } = {}): string {
  const x = new Exposition();
  for (const { tenantId, metrics } of sets) {
    for (const t of metrics.totals) addSums(x, { tenant: tenantId, model: t.model || "(none)", provider: t.provider || "(none)" }, t.sums);
  }
  for (const { tenantId, metrics } of sets) {
    x.add(
      "aiagg_unflushed_events",
      "gauge",
      "Usage events in the AnalyticsHub not yet written to D1.",
      "aiagg_unflushed_events",
      { tenant: tenantId },
      metrics.pendingEvents,
    );
    x.add(
      "aiagg_live_subscribers",
      "gauge",
      "Open live dashboard connections (WebSocket and SSE).",
      "aiagg_live_subscribers",
      { tenant: tenantId },
      metrics.subscribers,
    );
  }
  if (extra.scrapeErrors !== undefined) {
    x.add("aiagg_scrape_tenant_errors", "gauge", "Tenants whose hub could not be read in this scrape.", "aiagg_scrape_tenant_errors", {}, extra.scrapeErrors);
  }
  return x.text();
}

// ── collection ────────────────────────────────────────────────────────────────────────────

const hubOf = (env: Env, tenantId: string) => env.ANALYTICS_HUB.get(env.ANALYTICS_HUB.idFromName(tenantId));

async function platformMetrics(env: Env): Promise<{ sets: TenantMetrics[]; errors: number }> {
  const ids = await listTenantIds(getDb(env.DB));
  const sets: TenantMetrics[] = [];
  let errors = 0;
  for (let i = 0; i < ids.length; i += PLATFORM_CONCURRENCY) {
    const chunk = ids.slice(i, i + PLATFORM_CONCURRENCY);
    const results = await Promise.allSettled(chunk.map((id) => hubOf(env, id).metrics()));
    results.forEach((r, j) => {
      if (r.status === "fulfilled") sets.push({ tenantId: chunk[j]!, metrics: r.value });
      else {
        errors += 1;
        log("warn", "platform metrics: hub unreachable", { tenantId: chunk[j], error: String(r.reason) });
      }
    });
  }
  return { sets, errors };
}

const platformCache = new TtlCache<string>(PLATFORM_CACHE_MS, 1);

async function scrape(c: ApiContext, user: SessionUser, query: z.output<typeof metricsQuery>): Promise<Response> {
  let text: string;
  if (query.scope === "platform") {
    if (!user.isOperator) throw new AppError("permission", "Only the platform operator sees every tenant's metrics.", { code: "forbidden" });
    text = await platformCache.getOrLoad("platform", async () => {
      const { sets, errors } = await platformMetrics(c.env);
      return renderPrometheus(sets, { scrapeErrors: errors });
    });
  } else {
    text = renderPrometheus([{ tenantId: user.tenantId, metrics: await hubOf(c.env, user.tenantId).metrics() }]);
  }
  return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" } });
}

export const metrics = new ApiRouter("metrics");
metrics.app.get("/", withReadToken(metricsQuery, scrape));
metrics.endpoint(
  "get",
  "/",
  {
    summary: "Prometheus metrics for your tenant (requests, errors, tokens, cost, cost and tokens by class, latency histogram by model and provider).",
    description:
      "Text exposition format 0.0.4. Counters are cumulative since the tenant's analytics hub began and include events not yet in D1. " +
      "scope=platform: every tenant, labelled by tenant (operator only; cached 10 s). Also accepts a read token.",
    access: "analytics:read",
    query: metricsQuery,
  },
  (c, { query }) => scrape(c, c.var.user, query),
);
