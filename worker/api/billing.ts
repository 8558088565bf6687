// /api/billing: the balance (from the tenant's gate, which alone decides it), the D1 ledger,
// operator adjustments, and reconciliation of the two. /api/notifications: the alerts the gate
// raises (budget thresholds, low balance, a provider down and back), as a list, a live SSE
// stream, and their settings.
import { eq } from "drizzle-orm";
import * as z from "zod";
import { ALERT_LANGUAGES, type AlertPreferences, NOTIFICATION_TYPES } from "../core/alert-types.ts";
import { isTimeZone } from "../core/periods.ts";
import { findPreferences, savePreferences } from "../db/alert-recipients.ts";
import { intVar } from "../core/env-vars.ts";
import { AppError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { sha256Hex } from "../core/security/hash.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { iso } from "../core/time.ts";
import { getDb } from "../db/client.ts";
import { auditAdjustment, decodeCursor, encodeCursor, listLedger } from "../db/ledger.ts";
import { LEDGER_KINDS, tenants } from "../db/schema.ts";
import { findTenant, tenantExists, type TenantRow } from "../db/tenants.ts";
import { gateFor } from "../gateway/gate.ts";
import { alertWebhookSecret } from "../services/alerts.ts";
import { commitChange } from "../services/audit.ts";
import { actorOf } from "./actor.ts";
import { applyCredit } from "./payments/credit.ts";
import { paymentMethods, topupConfig } from "./payments/config.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const MAX_ADJUSTMENT_MICROS = 1_000_000_000_000; // $1,000,000

const billingView = z.object({
  tenant_id: z.string(),
  billing_enabled: z.boolean(),
  balance_micros: z.int(),
  reserved_micros: z.int(),
  available_micros: z.int(),
  month_spend_micros: z.int(),
  monthly_budget_micros: z.int().nullable(),
  budget_remaining_micros: z.int().nullable(),
  currency: z.string(),
  topup: z.object({ min_micros: z.int(), max_micros: z.int() }),
  payment_methods: z.object({ stripe: z.boolean(), paypal: z.boolean() }),
});

const ledgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
  kind: z.enum(LEDGER_KINDS).optional(),
});

const ledgerEntryView = z.object({
  id: z.string(),
  kind: z.enum(LEDGER_KINDS),
  amount_micros: z.int(),
  idempotency_key: z.string(),
  reason: z.string().nullable(),
  actor_id: z.string().nullable(),
  created_at: z.string(),
});

const adjustmentBody = z.strictObject({
  tenant_id: z.string().min(1).max(64),
  amount_micros: z
    .int()
    .min(-MAX_ADJUSTMENT_MICROS)
    .max(MAX_ADJUSTMENT_MICROS)
    .refine((n) => n !== 0, "An adjustment moves money: it cannot be 0.")
    .describe("Micro-dollars; negative to debit"),
  reason: z.string().trim().min(1).max(500),
  idempotency_key: z.string().trim().min(1).max(100).optional().describe("Retrying with the same key adjusts once"),
});

const adjustmentView = z.object({
  id: z.string(),
  tenant_id: z.string(),
  amount_micros: z.int(),
  reason: z.string(),
  applied: z.boolean(),
  balance_micros: z.int(),
  audit_id: z.string(),
});

const reconcileView = z.object({ balance_micros: z.int(), ledger_micros: z.int(), drift_micros: z.int(), unflushed_entries: z.int() });

export const billing = new ApiRouter("billing")
  .endpoint(
    "get",
    "/",
    {
      summary: "Balance, reservations, this month's spend against the budget, and the payment methods available.",
      access: "billing:read",
      response: billingView,
    },
    async (c) => {
      const tenantId = c.var.user.tenantId;
      const [status, tenant] = await Promise.all([gateFor(c.env, tenantId).status(tenantId), findTenant(getDb(c.env.DB), tenantId)]);
      const budget = tenant?.monthlyBudgetMicros ?? null;
      const topup = topupConfig(c.env);
      return c.json({
        tenant_id: tenantId,
        billing_enabled: status.billingEnabled,
        balance_micros: status.balanceMicros,
        reserved_micros: status.reservedMicros,
        available_micros: status.balanceMicros - status.reservedMicros,
        month_spend_micros: status.monthSpendMicros,
        monthly_budget_micros: budget,
        budget_remaining_micros: budget === null ? null : Math.max(0, budget - status.monthSpendMicros),
        currency: topup.currency,
        topup: { min_micros: topup.minMicros, max_micros: topup.maxMicros },
        payment_methods: paymentMethods(c.env),
      });
    },
  )
  .endpoint(
    "get",
    "/ledger",
    {
      summary: "The tenant's ledger, newest first, cursor-paginated.",
      description:
        "Usage is written as one entry per key and minute once the minute has closed, so the newest usage may not be listed yet (GET /api/billing/reconcile flushes it).",
      access: "billing:read",
      query: ledgerQuery,
      response: z.object({ data: z.array(ledgerEntryView), next_cursor: z.string().nullable() }),
    },
    async (c, { query }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : null;
      if (query.cursor && !cursor)
        throw new AppError("invalid_request", "The cursor is not one this API returned.", { code: "invalid_cursor", param: "cursor" });
      const page = await listLedger(getDb(c.env.DB), c.var.user.tenantId, { limit: query.limit, cursor, ...(query.kind ? { kind: query.kind } : {}) });
      return c.json({
        data: page.rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          amount_micros: r.amountMicros,
          idempotency_key: r.idempotencyKey,
          reason: r.reason,
          actor_id: r.actorId,
          created_at: iso(r.createdAt)!,
        })),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      });
    },
  )
  .endpoint(
    "post",
    "/adjustments",
    {
      summary: "Credit or debit any tenant by hand (platform operator), with a reason; audited, never rolled back.",
      description: "A new ledger entry of kind 'adjustment'; a correction is another adjustment. With idempotency_key, a retry adjusts once.",
      access: "platform:write",
      body: adjustmentBody,
      status: 201,
      response: adjustmentView,
    },
    async (c, { body }) => {
      const db = getDb(c.env.DB);
      if (!(await tenantExists(db, body.tenant_id))) throw new AppError("not_found", "No such tenant.", { code: "tenant_not_found", param: "tenant_id" });
      const id = body.idempotency_key ? `adj_${(await sha256Hex(`${body.tenant_id}\n${body.idempotency_key}`)).slice(0, 20)}` : newId("adj");
      const idempotencyKey = `adjustment:${id}`;
      const actor = actorOf(c);
      const auditId = `aud_${id}`;
      // The audit entry first: money never moves without one; a retry finds it and moves nothing new.
      await auditAdjustment(db, {
        auditId,
        adjustmentId: id,
        tenantId: body.tenant_id,
        actorId: actor.actorId,
        amountMicros: body.amount_micros,
        reason: body.reason,
        idempotencyKey,
        ip: actor.ip,
        userAgent: actor.userAgent,
        requestId: actor.requestId,
      });
      const result = await applyCredit(c.env, body.tenant_id, {
        idempotencyKey,
        kind: "adjustment",
        amountMicros: body.amount_micros,
        reason: body.reason,
        ...(actor.actorId ? { actorId: actor.actorId } : {}),
      });
      return c.json(
        {
          id,
          tenant_id: body.tenant_id,
          amount_micros: body.amount_micros,
          reason: body.reason,
          applied: result.applied,
          balance_micros: result.balanceMicros,
          audit_id: auditId,
        },
        201,
      );
    },
  )
  .endpoint(
    "get",
    "/reconcile",
    {
      summary: "Flush the gate's journal to the ledger and compare: drift_micros is 0 when they agree.",
      access: "billing:read",
      response: reconcileView,
    },
    async (c) => {
      const tenantId = c.var.user.tenantId;
      const r = await gateFor(c.env, tenantId).reconcile(tenantId);
      return c.json({ balance_micros: r.balanceMicros, ledger_micros: r.ledgerMicros, drift_micros: r.driftMicros, unflushed_entries: r.unflushedEntries });
    },
  );

// ── notifications ───────────────────────────────────────────────────────────────────────────

const notificationView = z.object({
  id: z.string(),
  seq: z.int(),
  type: z.enum(NOTIFICATION_TYPES),
  tenant_id: z.string(),
  message: z.string(),
  data: z
    .record(z.string(), z.union([z.number(), z.string()]))
    .describe(
      "By type — budget.threshold_crossed: threshold_percent, month_spend_micros, monthly_budget_micros, month; balance.low: balance_micros, threshold_micros; " +
        "provider.down: provider_id, provider_name, reason (the failing call's HTTP status, or timeout, network, protocol), failures, samples; provider.recovered: provider_id, provider_name, down_since",
    ),
  created_at: z.string(),
  deliveries: z
    .array(
      z.object({
        channel: z.enum(["push", "email", "slack"]),
        label: z.string().describe("The device, the e-mail address, or Slack"),
        status: z.enum(["pending", "delivered", "failed"]),
        attempts: z.int(),
        last_error: z.string().nullable(),
      }),
    )
    .optional()
    .describe("How the alert reached people: one per channel and recipient, each made at most once"),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.coerce.number().int().min(1).optional().describe("A seq: list older notifications"),
});

const settingsBody = z
  .strictObject({
    webhook_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .describe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the description shows the signed string as a template
        "Alerts are POSTed here, signed: x-aggregator-signature: t=<ts>,v1=<hex HMAC-SHA256(secret, `${ts}.${body}`)>. " +
          "A tenant's (not the operator's): https, no internal address, local network name, credentials or this gateway's host (400 url_not_allowed); redirects are not followed",
      ),
    slack_webhook_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .describe("A Slack incoming webhook (or Mattermost's, or Discord's …/slack) every alert is posted to; the URL rules as webhook_url"),
    slack_language: z.enum(ALERT_LANGUAGES).describe("The language of the Slack messages (default en)"),
    low_balance_micros: z.int().min(0).max(1_000_000_000_000).nullable().describe("Alert below this balance; null: the platform default, 0: never"),
    rotate_secret: z.literal(true).describe("Replace the webhook signing secret"),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const settingsView = z.object({
  webhook_url: z.string().nullable(),
  slack_webhook_url: z.string().nullable(),
  slack_language: z.enum(ALERT_LANGUAGES),
  webhook_secret: z.string().describe("Verifies x-aggregator-signature"),
  low_balance_micros: z.int().nullable(),
  default_low_balance_micros: z.int(),
  alert_thresholds: z.array(z.int()).describe("Percent of the monthly budget; change them with PATCH /api/tenant"),
});

async function currentTenant(c: ApiContext): Promise<TenantRow> {
  const row = await findTenant(getDb(c.env.DB), c.var.user.tenantId);
  if (!row) throw new AppError("not_found", "The tenant no longer exists.", { code: "tenant_not_found" });
  return row;
}

async function settingsJson(c: ApiContext, row: TenantRow): Promise<z.output<typeof settingsView>> {
  return {
    webhook_url: row.alertWebhookUrl,
    slack_webhook_url: row.slackWebhookUrl,
    slack_language: row.slackLanguage,
    webhook_secret: await alertWebhookSecret(c.env.SECRETS_KEY, row.id, row.alertWebhookSecretVersion),
    low_balance_micros: row.lowBalanceMicros,
    default_low_balance_micros: intVar(c.env.LOW_BALANCE_MICROS, 0, 0),
    alert_thresholds: row.alertThresholds ?? [50, 80, 100],
  };
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour");
const preferencesBody = z.strictObject({
  push: z.array(z.enum(NOTIFICATION_TYPES)).max(NOTIFICATION_TYPES.length).describe("Alert types sent to your devices (Web Push)"),
  email: z.array(z.enum(NOTIFICATION_TYPES)).max(NOTIFICATION_TYPES.length).describe("Alert types sent to your e-mail address"),
  quiet_hours: z
    .strictObject({ start: hhmm, end: hhmm, time_zone: z.string().refine(isTimeZone, "Name an IANA time zone.") })
    .nullable()
    .describe("Push and e-mail wait until these hours end (local to time_zone); null: none"),
  language: z.enum(ALERT_LANGUAGES).default("en").describe("The language your alerts are written in"),
});

const preferencesJson = (p: AlertPreferences): z.output<typeof preferencesBody> => ({
  push: p.push,
  email: p.email,
  quiet_hours: p.quietHours && { start: p.quietHours.start, end: p.quietHours.end, time_zone: p.quietHours.timeZone },
  language: p.language ?? "en",
});

export const notifications = new ApiRouter("notifications")
  .endpoint(
    "get",
    "/preferences",
    {
      summary: "Which alerts reach you on which channel in this tenant, and your quiet hours.",
      description:
        "Only the types your role may see are sent (balance and budget: billing:read; providers: providers:read). Without a choice: every type to your devices, none by e-mail.",
      access: "signed-in",
      response: preferencesBody,
    },
    async (c) => c.json(preferencesJson(await findPreferences(getDb(c.env.DB), c.var.user.tenantId, c.var.user.id))),
  )
  .endpoint(
    "put",
    "/preferences",
    { summary: "Choose which alerts reach you on which channel, and quiet hours.", access: "signed-in", body: preferencesBody, response: preferencesBody },
    async (c, { body }) => {
      const preferences: AlertPreferences = {
        push: [...new Set(body.push)],
        email: [...new Set(body.email)],
        quietHours: body.quiet_hours && { start: body.quiet_hours.start, end: body.quiet_hours.end, timeZone: body.quiet_hours.time_zone },
        language: body.language,
      };
      await savePreferences(getDb(c.env.DB), c.var.user.tenantId, c.var.user.id, preferences);
      return c.json(preferencesJson(preferences));
    },
  )
  .endpoint(
    "get",
    "/",
    {
      summary: "The tenant's latest alerts (the last 100 are kept), newest first.",
      access: "billing:read",
      query: listQuery,
      response: z.object({ data: z.array(notificationView) }),
    },
    async (c, { query }) => {
      const tenantId = c.var.user.tenantId;
      const data = await gateFor(c.env, tenantId).notifications(tenantId, query.limit, query.before ?? null);
      return c.json({ data });
    },
  )
  .endpoint(
    "get",
    "/stream",
    {
      summary: "Alerts as Server-Sent Events ('notification' events; the event id is the seq).",
      description:
        "Send 'Accept: text/event-stream' (EventSource does); without it the answer is the list, once, as GET /api/notifications. " +
        "Send Last-Event-ID (or ?last_event_id=) to receive what was missed first. A comment is sent every 25 s to keep the connection open.",
      access: "billing:read",
    },
    async (c) => {
      const tenantId = c.var.user.tenantId;
      if (!/\btext\/event-stream\b/i.test(c.req.header("accept") ?? "")) {
        return c.json({ data: await gateFor(c.env, tenantId).notifications(tenantId, 50, null) });
      }
      const last = c.req.header("last-event-id") ?? c.req.query("last_event_id");
      const afterSeq = last && /^\d{1,15}$/.test(last) ? Number(last) : null;
      const stream = await gateFor(c.env, tenantId).notificationStream(tenantId, afterSeq);
      return new Response(stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
      });
    },
  )
  .endpoint(
    "get",
    "/settings",
    { summary: "Where alerts go, the webhook signing secret, and the low-balance threshold.", access: "tenant:write", response: settingsView },
    async (c) => c.json(await settingsJson(c, await currentTenant(c))),
  )
  .endpoint(
    "put",
    "/settings",
    {
      summary: "Set the alert webhook URL, the low-balance threshold, or rotate the webhook secret.",
      access: "tenant:write",
      body: settingsBody,
      response: settingsView,
    },
    async (c, { body }) => {
      if (body.webhook_url) assertConfigurableUrl(c, body.webhook_url, "webhook_url");
      if (body.slack_webhook_url) assertConfigurableUrl(c, body.slack_webhook_url, "slack_webhook_url");
      const before = await currentTenant(c);
      const changes: Partial<TenantRow> = {
        ...(body.webhook_url !== undefined && { alertWebhookUrl: body.webhook_url }),
        ...(body.slack_webhook_url !== undefined && { slackWebhookUrl: body.slack_webhook_url }),
        ...(body.slack_language !== undefined && { slackLanguage: body.slack_language }),
        ...(body.low_balance_micros !== undefined && { lowBalanceMicros: body.low_balance_micros }),
        ...(body.rotate_secret && { alertWebhookSecretVersion: before.alertWebhookSecretVersion + 1 }),
        updatedAt: Date.now(),
      };
      const after: TenantRow = { ...before, ...changes };
      const db = getDb(c.env.DB);
      await commitChange(db, actorOf(c), { action: "update", entityType: "tenant", entityId: before.id, tenantId: before.id, before, after }, [
        db.update(tenants).set(changes).where(eq(tenants.id, before.id)),
      ]);
      return c.json(await settingsJson(c, after));
    },
  );
