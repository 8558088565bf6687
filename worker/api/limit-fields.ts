// Budget and limit fields shared by keys, the tenant and end users: a spend budget with its
// period, and caps per model (`provider/model`) or provider (`provider/*`).
import * as z from "zod";
import { BUDGET_MODES, BUDGET_PERIODS, CAPTURE_MODES, type ModelLimit, PROMPT_CACHE_MODES, type ScopeLimits } from "../db/schema.ts";
import { MODEL_ID, PROVIDER_NAME } from "./providers.ts";

export const MAX_MICROS = 1_000_000_000_000_000;

export const perMinute = z.int().min(1).max(100_000_000).nullable().describe("null: no limit");
export const budgetMicros = z.int().min(0).max(MAX_MICROS).nullable().describe("Spend allowed per budget_period, in micro-dollars; null: no budget");
export const budgetPeriod = z
  .enum(BUDGET_PERIODS)
  .describe("Resets at the start of each day, ISO week (Monday) or month in the tenant's time_zone; total never resets");
export const budgetMode = z.enum(BUDGET_MODES).describe("hard: a call that would pass the budget is refused (402 budget_exceeded); soft: alerts only");

export const capture = z
  .enum(CAPTURE_MODES)
  .describe(
    "What the request log keeps beyond its row: none; metadata (timings, attempts, upstream headers with secrets removed); bodies (also the request and answer, redacted, in R2 for the tenant's retention)",
  );

export const promptCache = z
  .enum(PROMPT_CACHE_MODES)
  .describe("auto: Anthropic targets get a cache breakpoint after the tools and the system prompt, and a conversation stays on one target of a route");

/** `provider/model` or `provider/*`. */
const capPattern = z
  .string()
  .max(320)
  .refine((m) => {
    const slash = m.indexOf("/");
    const model = m.slice(slash + 1);
    return slash > 0 && PROVIDER_NAME.test(m.slice(0, slash)) && (model === "*" || MODEL_ID.test(model));
  }, "Name a model as provider/model, or every model of a provider as provider/*.")
  .describe("provider/model, or provider/* for every model of the provider");

export const scopeLimitsBody = z.strictObject({
  rpm_limit: perMinute.default(null),
  tpm_limit: perMinute.default(null),
  budget_micros: budgetMicros.default(null),
  budget_period: budgetPeriod.default("monthly"),
});

export const modelLimitsBody = z
  .array(scopeLimitsBody.extend({ model: capPattern }))
  .max(50)
  .refine((caps) => new Set(caps.map((c) => c.model)).size === caps.length, "Name each model once.")
  .nullable()
  .describe("Caps per model or provider; null: none");

export const scopeLimitsView = z.object({
  rpm_limit: z.int().nullable(),
  tpm_limit: z.int().nullable(),
  budget_micros: z.int().nullable(),
  budget_period: z.enum(BUDGET_PERIODS),
});
export const modelLimitsView = z.array(scopeLimitsView.extend({ model: z.string() })).nullable();

export function scopeLimits(body: z.output<typeof scopeLimitsBody>): ScopeLimits {
  return { rpm: body.rpm_limit, tpm: body.tpm_limit, budgetMicros: body.budget_micros, budgetPeriod: body.budget_period };
}

export function scopeLimitsJson(limits: ScopeLimits): z.output<typeof scopeLimitsView> {
  return { rpm_limit: limits.rpm, tpm_limit: limits.tpm, budget_micros: limits.budgetMicros, budget_period: limits.budgetPeriod };
}

export const modelLimits = (body: z.output<typeof modelLimitsBody>): ModelLimit[] | null =>
  body === null ? null : body.map((cap) => ({ model: cap.model, ...scopeLimits(cap) }));

export const modelLimitsJson = (caps: ModelLimit[] | null): z.output<typeof modelLimitsView> =>
  caps === null ? null : caps.map((cap) => ({ model: cap.model, ...scopeLimitsJson(cap) }));

/** A key's MCP tools: `<server>__<tool>`, or `<server>__*` for all of a server's. */
export const mcpTools = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}__(\*|[\x21-\x7e]{1,128})$/, "Use <server>__<tool> or <server>__*."))
  .max(200)
  .transform((list) => [...new Set(list)]);
