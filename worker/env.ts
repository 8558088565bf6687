import type { AnalyticsHub } from "../durable-objects/analytics-hub.ts";
import type { Role } from "./db/schema.ts";
import type { TenantGate } from "../durable-objects/tenant-gate.ts";

/** Everything the Worker is bound to: see wrangler.toml. */
export interface Env {
  DB: D1Database;
  ASSETS: Fetcher;
  TENANT_GATE: DurableObjectNamespace<TenantGate>;
  ANALYTICS_HUB: DurableObjectNamespace<AnalyticsHub>;
  /** HMAC key for access tokens (secret). */
  JWT_SECRET: string;
  /** Key material for AES-GCM encryption of provider secrets (secret). */
  SECRETS_KEY: string;
  APP_NAME?: string;
  ALLOW_SIGNUP?: string;
  /** Platform markup on every price, in basis points (default 0); a tenant's markup_bps overrides it. */
  PRICE_MARKUP_BPS?: string;
  /** Set by the build; shown in diagnostics. */
  BUILD_ID?: string;
}

/** Per-request values set by middleware. */
export interface Vars {
  requestId: string;
  /** Set by the gateway's key authentication. */
  apiKey: AuthenticatedKey;
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
}

export type AppEnv = { Bindings: Env; Variables: Vars };
