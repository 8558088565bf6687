// The D1 schema: the system of record. Money is integer micro-dollars, times are epoch ms.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { BUDGET_PERIODS, type BudgetPeriod } from "../core/periods.ts";
import { ROLES } from "../core/rbac.ts";
import { ALERT_LANGUAGES, type AlertPreferences } from "../core/alert-types.ts";
import type { RedactionSetting } from "../core/redact.ts";
import { CAPTURE_MODES, type RequestDetail } from "../core/request-detail.ts";
import type { PriceRow } from "./catalog.ts";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch() * 1000)`);
const json = <N extends string>(name: N) => text(name, { mode: "json" });

export { BUDGET_PERIODS, type BudgetPeriod, CAPTURE_MODES };
export const BUDGET_MODES = ["hard", "soft"] as const;
export const PROMPT_CACHE_MODES = ["off", "auto"] as const;

/** The units a call is billed in when not per token (prices: per_image_micros, per_audio_second_micros…). */
export const UNIT_KINDS = ["image", "audio_second", "character", "request", "search_unit"] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export type PromptCacheMode = (typeof PROMPT_CACHE_MODES)[number];
export type BudgetMode = (typeof BUDGET_MODES)[number];

/** Requests and tokens per minute and a spend budget for one scope (an end user, a model); null fields: no limit. */
export interface ScopeLimits {
  rpm: number | null;
  tpm: number | null;
  budgetMicros: number | null;
  budgetPeriod: BudgetPeriod;
}

/** A cap on one model (`provider/model`) or on every model of a provider (`provider/*`). */
export interface ModelLimit extends ScopeLimits {
  model: string;
}

export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    billingEnabled: integer("billing_enabled", { mode: "boolean" }).notNull().default(true),
    rpmLimit: integer("rpm_limit"),
    tpmLimit: integer("tpm_limit"),
    concurrencyLimit: integer("concurrency_limit"),
    monthlyBudgetMicros: integer("monthly_budget_micros"),
    alertThresholds: json("alert_thresholds").$type<number[]>(),
    gateShards: integer("gate_shards").notNull().default(1),
    /** Added to every price for this tenant, in basis points; null: the platform default. */
    markupBps: integer("markup_bps"),
    /** The tenant's Stripe customer (one per tenant), set by the first checkout. */
    stripeCustomerId: text("stripe_customer_id"),
    /** Alert when the balance falls below this; null: the platform default (LOW_BALANCE_MICROS), 0: never. */
    lowBalanceMicros: integer("low_balance_micros"),
    /** Optional URL alerts are POSTed to, signed with the tenant's webhook secret. */
    alertWebhookUrl: text("alert_webhook_url"),
    /** Optional Slack-compatible incoming webhook (Slack, Mattermost, Discord's /slack) every alert is posted to. */
    slackWebhookUrl: text("slack_webhook_url"),
    /** The language of the tenant's Slack messages (the channel is the team's, not one person's). */
    slackLanguage: text("slack_language", { enum: ALERT_LANGUAGES }).notNull().default("en"),
    /** Bumped to rotate the webhook signing secret (derived from SECRETS_KEY, never stored). */
    alertWebhookSecretVersion: integer("alert_webhook_secret_version").notNull().default(1),
    /** How long /v1/responses keeps a stored response (`store: true`), in days; 0: never stored. */
    responseRetentionDays: integer("response_retention_days").notNull().default(30),
    /** How long captured request bodies are kept (R2), in days. */
    logRetentionDays: integer("log_retention_days").notNull().default(30),
    /** Redaction applied to captured bodies before storage: built-in kinds switched off, and the tenant's own patterns. */
    redaction: json("redaction").$type<RedactionSetting>(),
    /** The tenant's own OTLP/HTTP collector for traces of its calls, and its headers (AES-GCM under SECRETS_KEY). */
    otlpEndpoint: text("otlp_endpoint"),
    otlpHeadersEncrypted: text("otlp_headers_encrypted"),
    /** IANA time zone in which daily, weekly and monthly budgets reset. */
    timeZone: text("time_zone").notNull().default("UTC"),
    /** Limits for every end user without an override of their own; null: none. */
    endUserDefaults: json("end_user_defaults").$type<ScopeLimits>(),
    /** Caps per model (`provider/model`) or provider (`provider/*`) for the whole tenant. */
    modelLimits: json("model_limits").$type<ModelLimit[]>(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("tenants_stripe_customer_uq").on(t.stripeCustomerId)],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    isOperator: integer("is_operator", { mode: "boolean" }).notNull().default(false),
    deletedAt: integer("deleted_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_uq").on(t.email)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(),
    rpmLimit: integer("rpm_limit"),
    tpmLimit: integer("tpm_limit"),
    models: json("models").$type<string[]>(),
    /** Spend budget per budgetPeriod; null: none. Hard refuses a call that would pass it, soft only alerts. */
    budgetMicros: integer("budget_micros"),
    budgetPeriod: text("budget_period", { enum: BUDGET_PERIODS }).notNull().default("monthly"),
    budgetMode: text("budget_mode", { enum: BUDGET_MODES }).notNull().default("hard"),
    /** Caps per model or provider for calls made with this key. */
    modelLimits: json("model_limits").$type<ModelLimit[]>(),
    /** "auto": the gateway marks the stable prefix for the provider's prompt cache and keeps a conversation on one target. */
    promptCache: text("prompt_cache", { enum: PROMPT_CACHE_MODES }).notNull().default("off"),
    /** The MCP tools the key may use at /mcp, as `<server>__<tool>` patterns (`<server>__*`: all of a server's); null or empty: none. */
    mcpTools: json("mcp_tools").$type<string[]>(),
    /** What the request log keeps of this key's calls beyond the row (request-detail.ts). */
    capture: text("capture", { enum: CAPTURE_MODES }).notNull().default("none"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash), index("api_keys_tenant_idx").on(t.tenantId)],
);

export const PROVIDER_KINDS = ["openai", "anthropic", "gemini", "openai-compatible", "demo"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const providers = sqliteTable(
  "providers",
  {
    id: text("id").primaryKey(),
    /** null: platform-wide (operator); otherwise the tenant's own (bring-your-own-key). */
    tenantId: text("tenant_id").references(() => tenants.id),
    scope: text("scope").generatedAlwaysAs(sql`coalesce(tenant_id, '')`, { mode: "virtual" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: PROVIDER_KINDS }).notNull(),
    baseUrl: text("base_url"),
    /** AES-GCM ciphertext under SECRETS_KEY, never the plaintext. */
    apiKeyEncrypted: text("api_key_encrypted"),
    apiKeyLast4: text("api_key_last4"),
    models: json("models").$type<string[]>().notNull(),
    weight: integer("weight").notNull().default(1),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("providers_scope_name_uq").on(t.scope, t.name), index("providers_tenant_idx").on(t.tenantId)],
);

export const prices = sqliteTable(
  "prices",
  {
    id: text("id").primaryKey(),
    /** null: the platform price; otherwise a tenant override. */
    tenantId: text("tenant_id").references(() => tenants.id),
    scope: text("scope").generatedAlwaysAs(sql`coalesce(tenant_id, '')`, { mode: "virtual" }),
    model: text("model").notNull(),
    inputPerMTokMicros: integer("input_per_mtok_micros").notNull(),
    outputPerMTokMicros: integer("output_per_mtok_micros").notNull(),
    cachedInputPerMTokMicros: integer("cached_input_per_mtok_micros"),
    reasoningPerMTokMicros: integer("reasoning_per_mtok_micros"),
    /** Cache writes (Anthropic): null prices them as the provider does, 1.25× input for 5 minutes, 2× for 1 hour. */
    cacheWrite5mPerMTokMicros: integer("cache_write_5m_per_mtok_micros"),
    cacheWrite1hPerMTokMicros: integer("cache_write_1h_per_mtok_micros"),
    /** Calls billed per unit rather than per token (null: the model has no price in that unit). */
    perImageMicros: integer("per_image_micros"),
    /** Per image of one `<size>` or `<size>/<quality>` (e.g. `1024x1792/hd`), before per_image_micros. */
    imagePrices: json("image_prices").$type<Record<string, number>>(),
    perAudioSecondMicros: integer("per_audio_second_micros"),
    /** Speech: per million characters of input text. */
    perMCharMicros: integer("per_mchar_micros"),
    /** Moderation: per call. */
    perRequestMicros: integer("per_request_micros"),
    /** Rerank: per search (a query over up to 100 documents). */
    perSearchUnitMicros: integer("per_search_unit_micros"),
    /** Batch API lines: off the token prices, in basis points (null: OpenAI's 50 %). */
    batchDiscountBps: integer("batch_discount_bps"),
    /**
     * A tenant row set by the platform operator: a negotiated price that also applies to the
     * platform's providers. A tenant's own rows price only its own (bring-your-own-key) providers.
     */
    operatorSet: integer("operator_set", { mode: "boolean" }).notNull().default(false),
    source: text("source"),
    effectiveAt: integer("effective_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("prices_scope_model_uq").on(t.scope, t.model)],
);

export const ROUTE_STRATEGIES = ["fallback", "weighted", "lowest-latency"] as const;

export const routes = sqliteTable(
  "routes",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    alias: text("alias").notNull(),
    strategy: text("strategy", { enum: ROUTE_STRATEGIES }).notNull().default("fallback"),
    targets: json("targets").$type<{ model: string; weight?: number }[]>().notNull(),
    retries: integer("retries").notNull().default(0),
    timeoutMs: integer("timeout_ms"),
    cacheTtlSeconds: integer("cache_ttl_seconds"),
    /** As api_keys.prompt_cache, for calls to this alias. */
    promptCache: text("prompt_cache", { enum: PROMPT_CACHE_MODES }).notNull().default("off"),
    /** As api_keys.capture, for calls to this alias: the more detailed of the two applies. */
    capture: text("capture", { enum: CAPTURE_MODES }).notNull().default("none"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("routes_tenant_alias_uq").on(t.tenantId, t.alias)],
);

export const LEDGER_KINDS = ["topup", "usage", "refund", "dispute", "adjustment", "promo"] as const;

/** Append-only: corrections are new entries. */
export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    amountMicros: integer("amount_micros").notNull(),
    /** Makes a credit or debit happen once: a payment event id, a usage window, a seed marker. */
    idempotencyKey: text("idempotency_key").notNull(),
    reason: text("reason"),
    actorId: text("actor_id"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("ledger_idem_uq").on(t.tenantId, t.idempotencyKey), index("ledger_tenant_time_idx").on(t.tenantId, t.createdAt)],
);

export const requestLog = sqliteTable(
  "request_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    keyId: text("key_id"),
    provider: text("provider"),
    model: text("model"),
    endpoint: text("endpoint").notNull(),
    status: integer("status").notNull(),
    errorType: text("error_type"),
    stream: integer("stream", { mode: "boolean" }).notNull().default(false),
    latencyMs: integer("latency_ms").notNull(),
    ttfbMs: integer("ttfb_ms"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    cachedTokens: integer("cached_tokens").notNull().default(0),
    cacheWrite5mTokens: integer("cache_write_5m_tokens").notNull().default(0),
    cacheWrite1hTokens: integer("cache_write_1h_tokens").notNull().default(0),
    reasoningTokens: integer("reasoning_tokens").notNull().default(0),
    /** The end user the call named (`user`, `metadata.user_id` or x-aggregator-user). */
    endUser: text("end_user"),
    costMicros: integer("cost_micros").notNull().default(0),
    /** The price of each token class (they sum to cost + uncollected), and what cache reads saved against uncached input. */
    inputCostMicros: integer("input_cost_micros").notNull().default(0),
    cachedInputCostMicros: integer("cached_input_cost_micros").notNull().default(0),
    cacheWriteCostMicros: integer("cache_write_cost_micros").notNull().default(0),
    outputCostMicros: integer("output_cost_micros").notNull().default(0),
    reasoningCostMicros: integer("reasoning_cost_micros").notNull().default(0),
    cacheSavedMicros: integer("cache_saved_micros").notNull().default(0),
    /** A call billed per unit (images, audio seconds, characters, requests, search units): which, how many, and their price. */
    unit: text("unit", { enum: UNIT_KINDS }),
    units: integer("units").notNull().default(0),
    unitsCostMicros: integer("units_cost_micros").notNull().default(0),
    /** What the call cost above its reservation: not charged (the cap), reported to the operator. */
    uncollectedMicros: integer("uncollected_micros").notNull().default(0),
    estimated: integer("estimated", { mode: "boolean" }).notNull().default(false),
    attempts: json("attempts").$type<string[]>(),
    createdAt: integer("created_at").notNull(),
    /** Bytes of the call's body and of its answer, where the gateway counted them (tool calls). */
    requestBytes: integer("request_bytes"),
    responseBytes: integer("response_bytes"),
    /** The call's W3C trace (its own, or the caller's traceparent's). */
    traceId: text("trace_id"),
    /** Timings, attempts and upstream headers (core/request-detail.ts). */
    detail: json("detail").$type<RequestDetail>(),
    /** Where the captured bodies are in the LOGS bucket; null: none captured. */
    bodyKey: text("body_key"),
  },
  (t) => [
    index("request_log_tenant_key_idx").on(t.tenantId, t.keyId, t.createdAt),
    index("request_log_tenant_model_idx").on(t.tenantId, t.model, t.createdAt),
    index("request_log_tenant_trace_idx").on(t.tenantId, t.traceId),
    index("request_log_tenant_time_idx").on(t.tenantId, t.createdAt),
    index("request_log_tenant_status_idx").on(t.tenantId, t.status, t.createdAt),
    index("request_log_tenant_end_user_idx").on(t.tenantId, t.endUser, t.createdAt),
  ],
);

/** Per-minute aggregates; the analytics API reads these, not the raw log. */
export const usageRollups = sqliteTable(
  "usage_rollups",
  {
    tenantId: text("tenant_id").notNull(),
    minute: integer("minute").notNull(),
    model: text("model").notNull(),
    provider: text("provider").notNull(),
    keyId: text("key_id").notNull(),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: integer("cost_micros").notNull().default(0),
    cachedTokens: integer("cached_tokens").notNull().default(0),
    cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
    reasoningTokens: integer("reasoning_tokens").notNull().default(0),
    inputCostMicros: integer("input_cost_micros").notNull().default(0),
    cachedInputCostMicros: integer("cached_input_cost_micros").notNull().default(0),
    cacheWriteCostMicros: integer("cache_write_cost_micros").notNull().default(0),
    outputCostMicros: integer("output_cost_micros").notNull().default(0),
    reasoningCostMicros: integer("reasoning_cost_micros").notNull().default(0),
    cacheSavedMicros: integer("cache_saved_micros").notNull().default(0),
    unitsCostMicros: integer("units_cost_micros").notNull().default(0),
    latencyMsSum: integer("latency_ms_sum").notNull().default(0),
    /**
     * Cumulative latency histogram (requests with latency ≤ N ms), summable across rows: p50/p95
     * for any range come from the summed buckets. The bounds are LATENCY_BUCKETS_MS
     * (worker/core/sums.ts); +Inf is `requests`.
     */
    latencyLe50: integer("latency_le_50").notNull().default(0),
    latencyLe100: integer("latency_le_100").notNull().default(0),
    latencyLe250: integer("latency_le_250").notNull().default(0),
    latencyLe500: integer("latency_le_500").notNull().default(0),
    latencyLe1000: integer("latency_le_1000").notNull().default(0),
    latencyLe2500: integer("latency_le_2500").notNull().default(0),
    latencyLe5000: integer("latency_le_5000").notNull().default(0),
    latencyLe10000: integer("latency_le_10000").notNull().default(0),
    latencyLe30000: integer("latency_le_30000").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.minute, t.model, t.provider, t.keyId] }), index("usage_rollups_tenant_minute_idx").on(t.tenantId, t.minute)],
);

/** Per end user and day (UTC): the "top users" list and the export by user read these. */
export const endUserRollups = sqliteTable(
  "end_user_rollups",
  {
    tenantId: text("tenant_id").notNull(),
    day: integer("day").notNull(),
    endUser: text("end_user").notNull(),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: integer("cost_micros").notNull().default(0),
    lastSeenAt: integer("last_seen_at").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.endUser] })],
);

/** An admin's limits for one end user, over the tenant's end_user_defaults. */
export const endUsers = sqliteTable(
  "end_users",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    endUser: text("end_user").notNull(),
    rpmLimit: integer("rpm_limit"),
    tpmLimit: integer("tpm_limit"),
    budgetMicros: integer("budget_micros"),
    budgetPeriod: text("budget_period", { enum: BUDGET_PERIODS }).notNull().default("monthly"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.endUser] })],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    before: json("before").$type<Record<string, unknown>>(),
    after: json("after").$type<Record<string, unknown>>(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    rollbackOf: text("rollback_of"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_tenant_time_idx").on(t.tenantId, t.createdAt), index("audit_entity_idx").on(t.entityType, t.entityId, t.createdAt)],
);

/** Refresh-token sessions: only the hash is stored; `family` ties rotations together. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tenantId: text("tenant_id").notNull(),
    family: text("family").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /** When the family's first sign-in happened: rotations never extend a session past an absolute lifetime. */
    familyStartedAt: integer("family_started_at"),
    rotatedAt: integer("rotated_at"),
    revokedAt: integer("revoked_at"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("sessions_token_uq").on(t.tokenHash), index("sessions_family_idx").on(t.family), index("sessions_user_idx").on(t.userId)],
);

/** Every payment webhook or capture seen, once: the unique key makes replays no-ops. */
export const paymentEvents = sqliteTable(
  "payment_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    processor: text("processor", { enum: ["stripe", "paypal"] }).notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    objectId: text("object_id"),
    amountMicros: integer("amount_micros"),
    payload: text("payload"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("payment_events_uq").on(t.processor, t.eventId), index("payment_events_object_idx").on(t.processor, t.objectId)],
);

/** Failed sign-ins per email and per client IP in a fixed window: atomic upserts, no read-then-write. */
export const authThrottle = sqliteTable("auth_throttle", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  failures: integer("failures").notNull(),
});

/** Single-use, expiring invitations into a tenant; only the token's hash is stored. */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    email: text("email").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    revokedAt: integer("revoked_at"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    /** When its link was (attempted to be) e-mailed: the daily e-mail allowances count these. */
    emailedAt: integer("emailed_at"),
  },
  (t) => [
    uniqueIndex("invitations_token_uq").on(t.tokenHash),
    index("invitations_tenant_idx").on(t.tenantId),
    index("invitations_emailed_idx").on(t.emailedAt),
  ],
);

/** Read-only analytics tokens (JWTs): one row per token id (`jti`), so each can be listed and revoked. */
export const readTokens = sqliteTable(
  "read_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name"),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("read_tokens_tenant_idx").on(t.tenantId, t.createdAt)],
);

/**
 * Responses API state (`store: true`) per tenant: the id is the client-visible `resp_…`, unique
 * per tenant only. The JSON body ({ response, input_items }) lives in stored_response_parts, split
 * in chunks that each fit a D1 row, so a body of any size the gateway accepts can be stored.
 */
export const storedResponses = sqliteTable(
  "stored_responses",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: text("id").notNull(),
    keyId: text("key_id").notNull(),
    model: text("model").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Reads ignore a row from this time on; the tenant gate's alarm deletes it. */
    expiresAt: integer("expires_at").notNull(),
    /** How many rows of stored_response_parts hold the body (seq 0 … parts − 1). */
    parts: integer("parts").notNull(),
    /** The body's size in UTF-8 bytes. */
    bytes: integer("bytes").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("stored_responses_expiry_idx").on(t.tenantId, t.expiresAt)],
);

export const storedResponseParts = sqliteTable(
  "stored_response_parts",
  {
    tenantId: text("tenant_id").notNull(),
    responseId: text("response_id").notNull(),
    seq: integer("seq").notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.responseId, t.seq] })],
);

/** Which stored response an output item came from: how an `item_reference` input item is found. */
export const storedResponseItems = sqliteTable(
  "stored_response_items",
  {
    tenantId: text("tenant_id").notNull(),
    itemId: text("item_id").notNull(),
    responseId: text("response_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.itemId] }), index("stored_response_items_response_idx").on(t.tenantId, t.responseId)],
);

// ── the Batch API (OpenAI's /v1/files and /v1/batches, passed through with our own accounting) ──

export const BATCH_FILE_PURPOSES = ["batch", "batch_output", "batch_error"] as const;
export type BatchFilePurpose = (typeof BATCH_FILE_PURPOSES)[number];

/**
 * A file held at a provider for a tenant, under our id: input files the tenant uploaded, and the
 * output and error files of its batches. Its contents stay at the provider.
 */
export const batchFiles = sqliteTable(
  "batch_files",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: text("id").notNull(),
    providerId: text("provider_id").notNull(),
    upstreamId: text("upstream_id").notNull(),
    purpose: text("purpose", { enum: BATCH_FILE_PURPOSES }).notNull(),
    filename: text("filename").notNull(),
    bytes: integer("bytes").notNull(),
    /** Input files: the model as the caller named it (`provider/model` or an alias), the URL every line calls, its lines. */
    model: text("model"),
    url: text("url"),
    lines: integer("lines"),
    /** Input files: the most prompt and output tokens all lines together can use, what a batch of it reserves for. */
    promptTokenBound: integer("prompt_token_bound"),
    maxOutputTokens: integer("max_output_tokens"),
    deletedAt: integer("deleted_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const BATCH_STATUSES = ["validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** A batch at a provider: its reservation at the tenant's gate, settled once when it ends. */
export const batches = sqliteTable(
  "batches",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: text("id").notNull(),
    keyId: text("key_id").notNull(),
    providerId: text("provider_id").notNull(),
    upstreamId: text("upstream_id").notNull(),
    inputFileId: text("input_file_id").notNull(),
    /** The target that serves it, `provider/model`. */
    model: text("model").notNull(),
    url: text("url").notNull(),
    status: text("status", { enum: BATCH_STATUSES }).notNull(),
    /** The provider's batch object as last seen (ids rewritten to ours when shown). */
    upstream: json("upstream").$type<Record<string, unknown>>().notNull(),
    /** The token prices the lines are billed at, fixed when the batch was created (before the discount). */
    price: json("price").$type<PriceRow>(),
    batchDiscountBps: integer("batch_discount_bps").notNull(),
    reservedMicros: integer("reserved_micros").notNull(),
    /** Set once, when the batch ended and its lines' usage was charged. */
    costMicros: integer("cost_micros"),
    settledAt: integer("settled_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("batches_open_idx").on(t.settledAt)],
);

// ── MCP: tool servers fronted at /mcp ───────────────────────────────────────────────────────

/** A remote MCP server (Streamable HTTP) a tenant's keys may reach through /mcp, or the operator's for every tenant. */
export const MCP_TRANSPORTS = ["streamable-http", "sse"] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

export const mcpServers = sqliteTable(
  "mcp_servers",
  {
    id: text("id").primaryKey(),
    /** null: platform-wide (operator); otherwise the tenant's own. */
    tenantId: text("tenant_id").references(() => tenants.id),
    scope: text("scope").generatedAlwaysAs(sql`coalesce(tenant_id, '')`, { mode: "virtual" }),
    /** Its tools are called `<name>__<tool>`. */
    name: text("name").notNull(),
    url: text("url").notNull(),
    /** How the server speaks MCP: Streamable HTTP, or the older HTTP+SSE transport (2024-11-05). */
    transport: text("transport", { enum: MCP_TRANSPORTS }).notNull().default("streamable-http"),
    /** Headers sent to the server (a bearer token, an API key header): AES-GCM ciphertext of their JSON under SECRETS_KEY. */
    headersEncrypted: text("headers_encrypted"),
    /** The tools offered through the gateway; null: all the server lists. */
    tools: json("tools").$type<string[]>(),
    /** Per call, by tool name (`*`: any other); absent: free. Billed like a model call. */
    toolPrices: json("tool_prices").$type<Record<string, number>>(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("mcp_servers_scope_name_uq").on(t.scope, t.name), index("mcp_servers_tenant_idx").on(t.tenantId)],
);

// ── Alerts to people: devices, preferences ──────────────────────────────────────────────────

/** A signed-in user's browser or phone that receives Web Push (its PushSubscription). */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    endpoint: text("endpoint").notNull(),
    /** The subscription's keys (base64url): its P-256 public key and auth secret. */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    label: text("label").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("push_subscriptions_endpoint_uq").on(t.endpoint), index("push_subscriptions_user_idx").on(t.userId)],
);

/** A member's alert channels in one tenant; none stored: DEFAULT_PREFERENCES. */
export const alertPreferences = sqliteTable(
  "alert_preferences",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    preferences: json("preferences").$type<AlertPreferences>().notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);
