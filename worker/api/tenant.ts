// /api/tenant: the signed-in tenant's settings. Admins change the name, limits, budget, alert
// thresholds and how long stored responses are kept; billing, gate shards and markup belong to
// the platform operator.
import { eq } from "drizzle-orm";
import * as z from "zod";
import { AppError } from "../core/errors.ts";
import { assertMayChange } from "../core/field-access.ts";
import { iso } from "../core/time.ts";
import { parseCustomPatterns, REDACTION_KINDS } from "../core/redact.ts";
import { assertConfigurableUrl } from "../core/security/url-guard.ts";
import { MAX_MARKUP_BPS } from "../db/catalog.ts";
import { getDb } from "../db/client.ts";
import { tenants } from "../db/schema.ts";
import { MAX_RESPONSE_RETENTION_DAYS } from "../db/stored-responses.ts";
import { findTenant, type TenantRow } from "../db/tenants.ts";
import { commitChange } from "../services/audit.ts";
import { isTimeZone } from "../core/periods.ts";
import { actorOf } from "./actor.ts";
import { openHeaderNames, sealHeaders, secretHeaders } from "./secret-headers.ts";
import {
  MAX_MICROS,
  modelLimits,
  modelLimitsBody,
  modelLimitsJson,
  modelLimitsView,
  perMinute,
  scopeLimits,
  scopeLimitsBody,
  scopeLimitsJson,
  scopeLimitsView,
} from "./limit-fields.ts";
import { type ApiContext, ApiRouter } from "./router.ts";

const thresholds = z
  .array(z.int().min(1).max(100))
  .max(10)
  .refine((list) => list.every((n, i) => i === 0 || n > list[i - 1]!), "Thresholds must be strictly ascending.")
  .nullable()
  .describe("Percentages of the monthly budget at which to alert, ascending");

const MAX_LOG_RETENTION_DAYS = 365;

const redactionView = z.object({
  off: z.array(z.enum(REDACTION_KINDS)).optional().describe("Built-in rules switched off"),
  custom: z
    .array(z.object({ name: z.string(), pattern: z.string(), flags: z.string().optional() }))
    .optional()
    .describe("The tenant's own patterns, each replaced by [REDACTED:<name>]"),
});
const redactionBody = redactionView.strict().superRefine((value, ctx) => {
  const checked = parseCustomPatterns(value.custom ?? []);
  if (!checked.ok) ctx.addIssue({ code: "custom", message: checked.error, path: ["custom"] });
});
const otlpHeaders = secretHeaders(new Set(["content-type", "content-length", "host"]));

const updateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    rpm_limit: perMinute,
    tpm_limit: perMinute,
    concurrency_limit: z.int().min(1).max(100_000).nullable().describe("null: no limit"),
    monthly_budget_micros: z.int().min(0).max(MAX_MICROS).nullable().describe("null: no budget"),
    alert_thresholds: thresholds,
    billing_enabled: z.boolean().describe("Operator only"),
    gate_shards: z.int().min(1).max(64).describe("Operator only"),
    markup_bps: z.int().min(0).max(MAX_MARKUP_BPS).nullable().describe("Operator only; null: the platform markup"),
    time_zone: z
      .string()
      .refine(isTimeZone, "Name an IANA time zone, such as UTC or Europe/Berlin.")
      .describe("IANA time zone in which daily, weekly and monthly budgets reset"),
    end_user_defaults: scopeLimitsBody.nullable().describe("Limits for every end user without limits of their own; null: none"),
    model_limits: modelLimitsBody,
    response_retention_days: z
      .int()
      .min(0)
      .max(MAX_RESPONSE_RETENTION_DAYS)
      .describe("Days /v1/responses keeps a response stored with `store: true`; 0: none is stored. Applies to responses stored from now on"),
    log_retention_days: z.int().min(1).max(MAX_LOG_RETENTION_DAYS).describe("Days captured request bodies are kept (capture: bodies on a key or route)"),
    redaction: redactionBody.nullable().describe("What captured bodies go through before storage; null: every built-in rule, no patterns of the tenant's"),
    otlp_endpoint: z
      .url({ protocol: /^https?$/, error: "Must be an http(s) URL." })
      .max(2048)
      .nullable()
      .describe("The tenant's OTLP/HTTP collector (its base URL or …/v1/traces) for traces of its calls; null: none. https, no internal address"),
    otlp_headers: otlpHeaders.nullable().describe('Write-only, stored encrypted: e.g. { "x-honeycomb-team": "…" }; null removes them'),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.");

const tenantView = z.object({
  id: z.string(),
  name: z.string(),
  billing_enabled: z.boolean(),
  rpm_limit: z.int().nullable(),
  tpm_limit: z.int().nullable(),
  concurrency_limit: z.int().nullable(),
  monthly_budget_micros: z.int().nullable(),
  alert_thresholds: z.array(z.int()).nullable(),
  gate_shards: z.int(),
  markup_bps: z.int().nullable(),
  response_retention_days: z.int(),
  log_retention_days: z.int(),
  redaction: redactionView.nullable(),
  otlp_endpoint: z.string().nullable(),
  otlp_header_names: z.array(z.string()).nullable().describe("Never the values"),
  time_zone: z.string(),
  end_user_defaults: scopeLimitsView.nullable(),
  model_limits: modelLimitsView,
  created_at: z.string(),
  updated_at: z.string().nullable(),
});

/** billingEnabled → billing_enabled: the row's field as this endpoint names it. */
const columnName = (field: string) => field.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

async function tenantJson(c: ApiContext, row: TenantRow): Promise<z.output<typeof tenantView>> {
  return {
    id: row.id,
    name: row.name,
    billing_enabled: row.billingEnabled,
    rpm_limit: row.rpmLimit,
    tpm_limit: row.tpmLimit,
    concurrency_limit: row.concurrencyLimit,
    monthly_budget_micros: row.monthlyBudgetMicros,
    alert_thresholds: row.alertThresholds,
    gate_shards: row.gateShards,
    markup_bps: row.markupBps,
    response_retention_days: row.responseRetentionDays,
    log_retention_days: row.logRetentionDays,
    redaction: row.redaction,
    otlp_endpoint: row.otlpEndpoint,
    otlp_header_names: await openHeaderNames(c.env.SECRETS_KEY, row.otlpHeadersEncrypted),
    time_zone: row.timeZone,
    end_user_defaults: row.endUserDefaults === null ? null : scopeLimitsJson(row.endUserDefaults),
    model_limits: modelLimitsJson(row.modelLimits),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt),
  };
}

async function currentTenant(c: ApiContext): Promise<TenantRow> {
  const row = await findTenant(getDb(c.env.DB), c.var.user.tenantId);
  if (!row) throw new AppError("not_found", "The tenant no longer exists.", { code: "tenant_not_found" });
  return row;
}

export const tenantApi = new ApiRouter("tenant")
  .endpoint("get", "/", { summary: "The tenant's settings.", access: "tenant:read", response: tenantView }, async (c) =>
    c.json(await tenantJson(c, await currentTenant(c))),
  )
  .endpoint(
    "patch",
    "/",
    {
      summary: "Change the tenant's settings; billing_enabled, gate_shards and markup_bps need the operator.",
      access: "tenant:write",
      body: updateBody,
      response: tenantView,
    },
    async (c, { body }) => {
      const before = await currentTenant(c);
      if (body.otlp_endpoint) assertConfigurableUrl(c, body.otlp_endpoint, "otlp_endpoint");
      const after: TenantRow = {
        ...before,
        ...(body.name !== undefined && { name: body.name }),
        ...(body.rpm_limit !== undefined && { rpmLimit: body.rpm_limit }),
        ...(body.tpm_limit !== undefined && { tpmLimit: body.tpm_limit }),
        ...(body.concurrency_limit !== undefined && { concurrencyLimit: body.concurrency_limit }),
        ...(body.monthly_budget_micros !== undefined && { monthlyBudgetMicros: body.monthly_budget_micros }),
        ...(body.alert_thresholds !== undefined && { alertThresholds: body.alert_thresholds }),
        ...(body.billing_enabled !== undefined && { billingEnabled: body.billing_enabled }),
        ...(body.gate_shards !== undefined && { gateShards: body.gate_shards }),
        ...(body.markup_bps !== undefined && { markupBps: body.markup_bps }),
        ...(body.response_retention_days !== undefined && { responseRetentionDays: body.response_retention_days }),
        ...(body.log_retention_days !== undefined && { logRetentionDays: body.log_retention_days }),
        ...(body.redaction !== undefined && { redaction: body.redaction }),
        ...(body.otlp_endpoint !== undefined && { otlpEndpoint: body.otlp_endpoint }),
        ...(body.otlp_headers !== undefined && { otlpHeadersEncrypted: await sealHeaders(c.env.SECRETS_KEY, body.otlp_headers) }),
        ...(body.time_zone !== undefined && { timeZone: body.time_zone }),
        ...(body.end_user_defaults !== undefined && { endUserDefaults: body.end_user_defaults === null ? null : scopeLimits(body.end_user_defaults) }),
        ...(body.model_limits !== undefined && { modelLimits: modelLimits(body.model_limits) }),
        updatedAt: Date.now(),
      };
      // Which fields are the operator's is declared once, for this endpoint and for rollback.
      assertMayChange(c.var.user, "tenant", before, after, { label: columnName });
      const db = getDb(c.env.DB);
      await commitChange(db, actorOf(c), { action: "update", entityType: "tenant", entityId: before.id, tenantId: before.id, before, after }, [
        db.update(tenants).set(after).where(eq(tenants.id, before.id)),
      ]);
      return c.json(await tenantJson(c, after));
    },
  );
