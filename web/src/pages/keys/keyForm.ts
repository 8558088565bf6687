import type { ApiKey, KeyCreateBody } from "../../api/types";
import type { MessageKey } from "../../i18n";
import {
  type BudgetMode,
  type BudgetPeriod,
  budgetMicros,
  dollarsText,
  hasModelLimitErrors,
  type ModelLimitErrors,
  type ModelLimitValues,
  modelLimitsBody,
  modelLimitsFrom,
  validateModelLimits,
} from "../../components/modelLimits";
import { optionalInt, splitList } from "../../lib/form";
import type { CaptureMode } from "./capture";

// Mirrors worker/api/keys.ts: name 1–100, limits 1–100,000,000, up to 500 models, ISO expiry,
// a budget with its period and mode, caps per model (components/modelLimits.ts).
const MAX_LIMIT = 100_000_000;
/** worker/api/limit-fields.ts mcpTools. */
const MCP_TOOL = /^[a-z0-9][a-z0-9._-]{0,62}__(\*|[\x21-\x7e]{1,128})$/;

export interface KeyFormValues {
  name: string;
  rpm: string;
  tpm: string;
  models: string;
  /** A datetime-local value ('' for never). */
  expires: string;
  /** Dollars, '' for no budget. */
  budget: string;
  budgetPeriod: BudgetPeriod;
  budgetMode: BudgetMode;
  modelLimits: ModelLimitValues[];
  /** "auto": the gateway places prompt-cache breakpoints and keeps a conversation on one target. */
  promptCache: ApiKey["prompt_cache"];
  /** What the request log keeps of its calls beyond the row. */
  capture: CaptureMode;
  /** The MCP tools it may use at /mcp, `<server>__<tool>` or `<server>__*`, one per line. */
  mcpTools: string;
}

/** The fields typed as text, each with one message. */
export type KeyTextField = "name" | "rpm" | "tpm" | "models" | "expires" | "budget" | "mcpTools";

export type KeyErrors = Partial<Record<KeyTextField, MessageKey>> & { modelLimits?: ModelLimitErrors };

export const emptyKeyForm = (): KeyFormValues => ({
  name: "",
  rpm: "",
  tpm: "",
  models: "",
  expires: "",
  budget: "",
  budgetPeriod: "monthly",
  budgetMode: "hard",
  modelLimits: [],
  promptCache: "off",
  capture: "none",
  mcpTools: "",
});

/** ISO instant → the local `YYYY-MM-DDTHH:mm` a datetime-local input shows. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export const keyFormFrom = (key: ApiKey): KeyFormValues => ({
  name: key.name,
  rpm: key.rpm_limit === null ? "" : String(key.rpm_limit),
  tpm: key.tpm_limit === null ? "" : String(key.tpm_limit),
  models: (key.models ?? []).join("\n"),
  expires: key.expires_at ? toLocalInput(key.expires_at) : "",
  budget: dollarsText(key.budget_micros),
  budgetPeriod: key.budget_period,
  budgetMode: key.budget_mode,
  modelLimits: modelLimitsFrom(key.model_limits),
  promptCache: key.prompt_cache,
  capture: key.capture,
  mcpTools: (key.mcp_tools ?? []).join("\n"),
});

const validLimit = (text: string) => {
  const value = optionalInt(text);
  return value === null || (Number.isInteger(value) && value >= 1 && value <= MAX_LIMIT);
};

export function validateKey(v: KeyFormValues, now = Date.now()): KeyErrors {
  const errors: KeyErrors = {};
  const name = v.name.trim();
  if (name.length < 1 || name.length > 100) errors.name = "keys.form.nameInvalid";
  if (!validLimit(v.rpm)) errors.rpm = "keys.form.limitInvalid";
  if (!validLimit(v.tpm)) errors.tpm = "keys.form.limitInvalid";
  const models = splitList(v.models);
  if (models.length > 500 || models.some((m) => m.length > 256)) errors.models = "keys.form.modelsInvalid";
  if (v.expires) {
    const at = new Date(v.expires).getTime();
    if (Number.isNaN(at)) errors.expires = "keys.form.expiryInvalid";
    else if (at <= now) errors.expires = "keys.form.expiryPast";
  }
  if (budgetMicros(v.budget) === undefined) errors.budget = "limits.budgetInvalid";
  const tools = splitList(v.mcpTools);
  if (tools.length > 200 || tools.some((tool) => !MCP_TOOL.test(tool))) errors.mcpTools = "keys.form.mcpToolsInvalid";
  const caps = validateModelLimits(v.modelLimits);
  if (hasModelLimitErrors(caps)) errors.modelLimits = caps;
  return errors;
}

/** The full body: with PATCH too, every field is sent, so clearing a field clears the limit. */
export function keyBody(v: KeyFormValues): Required<KeyCreateBody> {
  const models = splitList(v.models);
  return {
    name: v.name.trim(),
    rpm_limit: optionalInt(v.rpm),
    tpm_limit: optionalInt(v.tpm),
    models: models.length ? models : null,
    expires_at: v.expires ? new Date(v.expires).toISOString() : null,
    budget_micros: budgetMicros(v.budget) ?? null,
    budget_period: v.budgetPeriod,
    budget_mode: v.budgetMode,
    model_limits: modelLimitsBody(v.modelLimits),
    prompt_cache: v.promptCache,
    capture: v.capture,
    mcp_tools: splitList(v.mcpTools),
  };
}

export type KeyStatus = "active" | "revoked" | "expired";

export function keyStatus(key: ApiKey, now = Date.now()): KeyStatus {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}
