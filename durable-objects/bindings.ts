// What the Durable Objects are bound to (wrangler.toml): their own declaration, so that they
// depend on nothing of the Worker's; worker/env.ts extends it with the Worker's own bindings.
import type { TenantGate } from "./tenant-gate.ts";

export interface Env {
  DB: D1Database;
  /** Web Push (docs/notifications.md): the VAPID pair (`npm start` generates one into .dev.vars) and the contact (mailto: or https:). */
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  /** The dashboard's public origin, for links in Slack and e-mail alerts (default http://127.0.0.1:8787). */
  PUBLIC_URL?: string;
  /** E-mail: a JSON mail API (POST { from, to, subject, text, html }, Resend's shape) and its key; or the send_email binding EMAIL. */
  MAIL_API_URL?: string;
  MAIL_API_KEY?: string;
  MAIL_FROM?: string;
  /** Invitations e-mailed a day across all tenants (default 200; "0": none). Each tenant has its own 20 within it. */
  MAIL_INVITATIONS_PER_DAY?: string;
  EMAIL?: SendEmail;
  /** Captured request and answer bodies, by `bodies/<tenant>/<day>/<request id>.json.gz`; the gate sweeps them past retention. */
  LOGS: R2Bucket;
  /** A gate shard reaches the tenant's bank shard and, flushing, its sibling shards. */
  TENANT_GATE: DurableObjectNamespace<TenantGate>;
  /** Key material for AES-GCM encryption of provider secrets and alert webhook signing secrets (secret). */
  SECRETS_KEY: string;
  /** Default low-balance alert threshold in micro-dollars; a tenant's low_balance_micros overrides it. */
  LOW_BALANCE_MICROS?: string;
  /** Concurrent calls a tenant that set no limit may run (default 256; 0: no default limit). */
  DEFAULT_CONCURRENCY_LIMIT?: string;
  /** How long an isolate may admit calls from an admission lease, in ms (default 1000, at most 5000). */
  ADMISSION_LEASE_MS?: string;
}
