import type { RouteAlias, RouteCreateBody, RouteStrategy } from "../../api/types";
import type { MessageKey } from "../../i18n";
import { optionalInt } from "../../lib/form";
import type { CaptureMode } from "../keys/capture";
import { MODEL_ID, PROVIDER_NAME } from "../providers/providerForm";

// Mirrors worker/api/routes.ts.
export const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const STRATEGIES: readonly RouteStrategy[] = ["fallback", "weighted", "lowest-latency"];
export const MAX_TARGETS = 10;

export interface TargetValues {
  model: string;
  weight: string;
}

export interface RouteFormValues {
  alias: string;
  strategy: RouteStrategy;
  targets: TargetValues[];
  retries: string;
  timeoutMs: string;
  cacheTtl: string;
  /** prompt_cache "auto": cache breakpoints on Anthropic targets, each conversation kept on one target. */
  promptCache: boolean;
  /** What the request log keeps of its calls beyond the row. */
  capture: CaptureMode;
}

export interface RouteErrors {
  alias?: MessageKey;
  targets?: MessageKey;
  /** Per target row. */
  target?: Record<number, MessageKey>;
  retries?: MessageKey;
  timeoutMs?: MessageKey;
  cacheTtl?: MessageKey;
}

export const emptyRouteForm = (): RouteFormValues => ({
  alias: "",
  strategy: "fallback",
  targets: [{ model: "", weight: "" }],
  retries: "0",
  timeoutMs: "",
  cacheTtl: "",
  promptCache: false,
  capture: "none",
});

export const routeFormFrom = (r: RouteAlias): RouteFormValues => ({
  alias: r.alias,
  strategy: r.strategy,
  targets: r.targets.map((x) => ({ model: x.model, weight: x.weight === undefined ? "" : String(x.weight) })),
  retries: String(r.retries),
  timeoutMs: r.timeout_ms === null ? "" : String(r.timeout_ms),
  cacheTtl: r.cache_ttl_seconds === null ? "" : String(r.cache_ttl_seconds),
  promptCache: r.prompt_cache === "auto",
  capture: r.capture,
});

export function isTargetModel(model: string): boolean {
  const slash = model.indexOf("/");
  return slash > 0 && model.length <= 320 && PROVIDER_NAME.test(model.slice(0, slash)) && MODEL_ID.test(model.slice(slash + 1));
}

const inRange = (value: number | null, min: number, max: number) => value !== null && Number.isInteger(value) && value >= min && value <= max;

export function validateRoute(v: RouteFormValues): RouteErrors {
  const errors: RouteErrors = {};
  if (!ALIAS.test(v.alias)) errors.alias = "routes.form.aliasInvalid";
  if (v.targets.length < 1 || v.targets.length > MAX_TARGETS) errors.targets = "routes.form.targetsCount";
  const target: Record<number, MessageKey> = {};
  v.targets.forEach((x, i) => {
    if (!isTargetModel(x.model.trim())) target[i] = "routes.form.targetInvalid";
    else if (x.weight.trim() !== "" && !inRange(optionalInt(x.weight), 1, 1000)) target[i] = "routes.form.weightInvalid";
  });
  if (Object.keys(target).length > 0) errors.target = target;
  if (!inRange(optionalInt(v.retries), 0, 5)) errors.retries = "routes.form.retriesInvalid";
  const timeout = optionalInt(v.timeoutMs);
  if (timeout !== null && !inRange(timeout, 100, 600_000)) errors.timeoutMs = "routes.form.timeoutInvalid";
  const ttl = optionalInt(v.cacheTtl);
  if (ttl !== null && !inRange(ttl, 0, 86_400)) errors.cacheTtl = "routes.form.cacheInvalid";
  return errors;
}

export function routeBody(v: RouteFormValues): RouteCreateBody {
  return {
    alias: v.alias,
    strategy: v.strategy,
    targets: v.targets.map((x) => {
      const weight = optionalInt(x.weight);
      return weight === null ? { model: x.model.trim() } : { model: x.model.trim(), weight };
    }),
    retries: optionalInt(v.retries) ?? 0,
    timeout_ms: optionalInt(v.timeoutMs),
    cache_ttl_seconds: optionalInt(v.cacheTtl),
    prompt_cache: v.promptCache ? "auto" : "off",
    capture: v.capture,
  };
}
