import type { AnalyticsHub } from "../durable-objects/analytics-hub.ts";
import type { Env as DurableObjectsEnv } from "../durable-objects/bindings.ts";
import type { Role } from "./core/rbac.ts";
import type { PromptCacheMode } from "./db/schema.ts";
import type { CaptureMode } from "./core/request-detail.ts";
import type { TraceContext } from "./core/trace-context.ts";

/** Everything the Worker is bound to (wrangler.toml): what the Durable Objects use, and these. */
export interface Env extends DurableObjectsEnv {
  ASSETS: Fetcher;
  /** How long a tool call at /mcp waits for its server, in ms (default 60000). */
  MCP_CALL_TIMEOUT_MS?: string;
  ANALYTICS_HUB: DurableObjectNamespace<AnalyticsHub>;
  /** HMAC key for access tokens (secret). */
  JWT_SECRET: string;
  APP_NAME?: string;
  /** "false" (or 0, no, off) closes self-service sign-up; invitations still work. */
  ALLOW_SIGNUP?: string;
  /**
   * Secret, optional: registering with this as `bootstrap_token` creates the platform operator,
   * only while there is none (at least 32 characters, else bootstrap is off).
   */
  OPERATOR_BOOTSTRAP_TOKEN?: string;
  /** Platform markup on every price, in basis points (default 0); a tenant's markup_bps overrides it. */
  PRICE_MARKUP_BPS?: string;
  /** Set by the build; shown in diagnostics. */
  BUILD_ID?: string;
  /** The operator's OTLP/HTTP collector for every tenant's traces (docs/observability.md); unset: none. */
  OTLP_ENDPOINT?: string;
  /** Secret, optional: headers for OTLP_ENDPOINT, "k=v,k2=v2" as OTEL_EXPORTER_OTLP_HEADERS, or a JSON object. */
  OTLP_HEADERS?: string;
  /** service.name on exported traces (default ai-aggregator). */
  OTEL_SERVICE_NAME?: string;
  // Payments (worker/services/stripe.ts, paypal.ts): without the secrets the routes answer 503.
  /** Stripe secret key (secret). */
  STRIPE_SECRET_KEY?: string;
  /** Stripe webhook signing secret, `whsec_…` (secret). */
  STRIPE_WEBHOOK_SECRET?: string;
  /** Default https://api.stripe.com; a local mock for tests and offline runs. */
  STRIPE_API_BASE?: string;
  /** PayPal REST app credentials (secrets). */
  PAYPAL_CLIENT_ID?: string;
  PAYPAL_CLIENT_SECRET?: string;
  /** The PayPal webhook's id, for verify-webhook-signature (secret). */
  PAYPAL_WEBHOOK_ID?: string;
  /** Default https://api-m.paypal.com; https://api-m.sandbox.paypal.com or a local mock. */
  PAYPAL_API_BASE?: string;
  /** Smallest and largest top-up, in micro-dollars. */
  TOPUP_MIN_MICROS?: string;
  TOPUP_MAX_MICROS?: string;
  /** ISO currency of top-ups (a two-decimal currency; default usd). */
  BILLING_CURRENCY?: string;
  /** How long a stream the client abandoned is read on for the provider's usage, in ms (default and most 25,000). */
  STREAM_DRAIN_MS?: string;
  /** Calls an admission lease asks room for (default 128; 0 turns leases off: every call is admitted by the gate). */
  ADMISSION_LEASE_REQUESTS?: string;
}

/** A call admitted from this isolate's admission lease (gateway/leases.ts): what it took from it. */
export interface LeasedCall {
  lease: { readonly id: string; finish(): boolean };
  reservedMicros: number;
  estimatedTokens: number;
}

/** Per-request values set by middleware. */
export interface Vars {
  requestId: string;
  /** Set by the gateway's key authentication. */
  apiKey: AuthenticatedKey;
  /** The TenantGate shard that admitted this call (settlement goes back to it). */
  gateShard: number;
  /** x-aggregator-hops for this call's upstream requests: the incoming count plus one (gateway/hops.ts). */
  upstreamHops: number;
  /** Credit admission reserved for this call: the most it is charged (micro-dollars). */
  reservedMicros: number;
  /** Set when the call was admitted from this isolate's lease: what it took from it. */
  leased: LeasedCall;
  /** The end user the call names (gateway/end-user.ts); null when it names none. */
  endUser: string | null;
  /** Set once the gateway call has its request-log record. */
  recorded: boolean;
  /** A gateway call's place in its W3C trace: the caller's trace (traceparent) or a new one, and our span. */
  trace: TraceContext;
  /** Set by the control plane's session authentication. */
  user: SessionUser;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  tenantId: string;
  role: Role;
  isOperator: boolean;
}

export interface AuthenticatedKey {
  id: string;
  tenantId: string;
  /** null: every model the tenant can reach. */
  models: string[] | null;
  /** "auto": prompt-cache breakpoints and target affinity for this key's calls (gateway/prompt-cache.ts). */
  promptCache: PromptCacheMode;
  /** What the request log keeps of its calls beyond the row (core/request-detail.ts). */
  capture: CaptureMode;
  /** The MCP tools it may use at /mcp (`<server>__<tool>` or `<server>__*`); empty: none. */
  mcpTools: string[];
}

export type AppEnv = { Bindings: Env; Variables: Vars };
